import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';
import type { LayerChange } from '../../sql/changes.ts';
import { BUFFER, EXTENT } from '../tiles/tile-query.ts';

export interface CachedTile {
  etag: string;
  /** the MVT bytes */
  raw: Buffer;
  /** the same, gzip-compressed once (empty tiles: empty) */
  gz: Buffer;
}

export interface TileKey {
  layers: string[];
  z: number;
  x: number;
  y: number;
  /** extra part of the key (the day, for layers that show what is valid now) */
  variant?: string;
}

export interface TileCacheOptions {
  /** bytes of tiles kept in this process; 0 disables the cache */
  maxBytes?: number;
  /** shared second level (several API instances); entries expire after `redisTtlSeconds` */
  redis?: Redis;
  redisPrefix?: string;
  redisTtlSeconds?: number;
}

/**
 * Two-level tile cache: an in-process LRU in front of an optional Redis shared
 * by all instances. Invalidation drops exactly the tiles whose extent (with
 * the tile buffer) meets a change's bbox, in both levels.
 */
export class TileCache {
  private readonly lru?: LRUCache<string, CachedTile & { key: TileKey }>;
  private readonly redis?: Redis;
  private readonly prefix: string;
  private readonly ttl: number;
  /** bumped by every invalidation: a tile encoded across one is not stored (it may predate the change) */
  epoch = 0;
  readonly stats = { hits: 0, redisHits: 0, misses: 0, invalidated: 0 };

  constructor(opts: TileCacheOptions = {}) {
    const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    if (maxBytes > 0) this.lru = new LRUCache({ maxSize: maxBytes, sizeCalculation: (v) => v.raw.length + v.gz.length + 200 });
    this.redis = opts.redis;
    this.prefix = opts.redisPrefix ?? 'geoportal:tile:';
    this.ttl = opts.redisTtlSeconds ?? 86_400;
  }

  get enabled(): boolean {
    return this.lru !== undefined || this.redis !== undefined;
  }

  static keyString(k: TileKey): string {
    return `${k.layers.join(',')}/${k.z}/${k.x}/${k.y}${k.variant ? `@${k.variant}` : ''}`;
  }

  has(k: TileKey): boolean {
    return this.lru?.has(TileCache.keyString(k)) ?? false;
  }

  async get(k: TileKey): Promise<CachedTile | undefined> {
    const ks = TileCache.keyString(k);
    const local = this.lru?.get(ks);
    if (local) {
      this.stats.hits++;
      return local;
    }
    if (this.redis) {
      const [etag, raw, gz] = await this.redis.hmgetBuffer(this.prefix + ks, 'etag', 'raw', 'gz');
      if (etag && raw && gz) {
        this.stats.redisHits++;
        const tile = { etag: etag.toString(), raw, gz };
        this.lru?.set(ks, { ...tile, key: k });
        return tile;
      }
    }
    this.stats.misses++;
    return undefined;
  }

  /** Stores a tile encoded since `epochAtStart`; skipped when an invalidation happened meanwhile. */
  async set(k: TileKey, tile: CachedTile, epochAtStart: number): Promise<void> {
    if (epochAtStart !== this.epoch) return;
    const ks = TileCache.keyString(k);
    this.lru?.set(ks, { ...tile, key: k });
    if (this.redis) {
      const m = this.redis.multi().hset(this.prefix + ks, { etag: tile.etag, raw: tile.raw, gz: tile.gz }).expire(this.prefix + ks, this.ttl);
      for (const l of k.layers) m.sadd(`${this.prefix}layer:${l}`, ks).expire(`${this.prefix}layer:${l}`, this.ttl);
      await m.exec();
    }
  }

  /** Drops the cached tiles a change touches; returns how many (local + shared) were dropped. */
  async invalidate(change: Pick<LayerChange, 'layerId' | 'bbox'>): Promise<number> {
    this.epoch++;
    const touched = (k: TileKey) => k.layers.includes(change.layerId) && (change.bbox === null || intersects(tileBounds(k), change.bbox));
    let n = 0;
    if (this.lru) {
      for (const [ks, v] of this.lru.entries()) {
        if (touched(v.key)) {
          this.lru.delete(ks);
          n++;
        }
      }
    }
    if (this.redis) {
      const setKey = `${this.prefix}layer:${change.layerId}`;
      const members = await this.redis.smembers(setKey);
      const doomed = members.filter((ks) => {
        const k = parseKey(ks);
        return k ? touched(k) : true;
      });
      if (doomed.length) {
        const m = this.redis.multi();
        for (let i = 0; i < doomed.length; i += 500) {
          const chunk = doomed.slice(i, i + 500);
          m.del(...chunk.map((ks) => this.prefix + ks)).srem(setKey, ...chunk);
        }
        await m.exec();
        n += doomed.length;
      }
    }
    this.stats.invalidated += n;
    return n;
  }

  /**
   * Drops every cached tile of the given layers, in both levels: after the
   * change notifications were interrupted (a lost LISTEN connection), no
   * cached tile can be trusted to be current.
   */
  async invalidateAll(layerIds: readonly string[]): Promise<number> {
    let n = 0;
    for (const layerId of layerIds) n += await this.invalidate({ layerId, bbox: null });
    return n;
  }

  clearLocal(): void {
    this.lru?.clear();
  }
}

function parseKey(ks: string): TileKey | undefined {
  const m = /^([^/]+)\/(\d+)\/(\d+)\/(\d+)(?:@(.*))?$/.exec(ks);
  return m ? { layers: m[1]!.split(','), z: Number(m[2]), x: Number(m[3]), y: Number(m[4]), variant: m[5] } : undefined;
}

/** lon/lat bounds of a tile including its buffer (what its features may come from). */
export function tileBounds(k: Pick<TileKey, 'z' | 'x' | 'y'>): [number, number, number, number] {
  const n = 2 ** k.z;
  const pad = BUFFER / EXTENT;
  const lon = (x: number) => Math.max(-180, Math.min(180, (x / n) * 360 - 180));
  const lat = (y: number) => {
    const yy = Math.max(0, Math.min(n, y));
    return (Math.atan(Math.sinh(Math.PI * (1 - (2 * yy) / n))) * 180) / Math.PI;
  };
  return [lon(k.x - pad), lat(k.y + 1 + pad), lon(k.x + 1 + pad), lat(k.y - pad)];
}

function intersects(a: [number, number, number, number], b: [number, number, number, number]): boolean {
  return a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];
}
