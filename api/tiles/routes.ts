import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { getLayer, type LayerSchema } from '../../schemas/index.ts';
import type { Database } from '../../sql/connection.ts';
import { BadParameter, NotFound } from '../problem.ts';
import { apiBase } from '../links.ts';
import { layerMeta } from '../features/collections.ts';
import { layerOr404, principal } from '../features/routes.ts';
import { canRead } from '../auth/principal.ts';
import { DocumentedRouter, problemResponse, type ParameterDef } from '../openapi/registry.ts';
import { TileCache, type CachedTile, type TileKey } from '../cache/tile-cache.ts';
import { encodeWithJs } from './encode-js.ts';
import { encodeWithPostgis } from './encode-postgis.ts';
import { tileColumns, type TileCoord } from './tile-query.ts';
import { parseAsOf, SETTLED_AFTER_MS } from '../history/as-of.ts';

const MVT = 'application/vnd.mapbox-vector-tile';
const WEB_MERCATOR_QUAD = 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad';
const EMPTY: Buffer = Buffer.alloc(0);

/** `a` or `a,b` → layer schemas; unknown ids are a 404 naming them. */
export function resolveLayers(ids: string, ctx?: Context): LayerSchema[] {
  const list = ids.split(',');
  if (list.length > 20) throw new BadParameter('collectionId', 'at most 20 collections per tile');
  return list.map((id) => {
    const l = getLayer(id);
    // non-public layers exist only for signed-in users (api/auth)
    if (!l || (ctx && !canRead(principal(ctx), l))) throw new NotFound(`collection "${id.slice(0, 100)}" does not exist`);
    return l;
  });
}

export function parseTile(z: string, x: string, y: string): TileCoord {
  const ok = (s: string) => /^\d{1,8}$/.test(s);
  if (!ok(z) || !ok(x) || !ok(y)) throw new BadParameter('z/x/y', 'tile coordinates must be non-negative integers');
  const t = { z: Number(z), x: Number(x), y: Number(y) };
  if (t.z > 24) throw new BadParameter('z', 'zoom must be between 0 and 24');
  const n = 2 ** t.z;
  if (t.x >= n || t.y >= n) throw new BadParameter('x/y', `x and y must be below ${n} at zoom ${t.z}`);
  return t;
}

/** The cache key of a tile, and the requested layers that have content at its zoom. */
export function tileKey(requested: LayerSchema[], t: TileCoord, asOf?: Date): { key: TileKey; layers: LayerSchema[] } {
  const layers = requested.filter((l) => t.z >= l.minZoom && t.z <= l.maxZoom);
  // what is valid now changes at midnight; a tile as of an instant is its own variant (a committed
  // change drops the touched tiles of every variant: api/cache/tile-cache.ts)
  const parts = [...(asOf ? [`asof:${asOf.toISOString()}`] : []), ...(!asOf && layers.some((l) => l.temporal) ? [new Date().toISOString().slice(0, 10)] : [])];
  const key: TileKey = { layers: requested.map((l) => l.id), ...t, variant: parts.length ? parts.join('|') : undefined };
  return { key, layers };
}


/**
 * Tiles of non-public layers must not sit in shared caches. A tile as of an instant older than an
 * hour shows a settled past (history is append-only; only a transaction still open since then could
 * add to it), so it may be kept a day; a recent or future instant shows what may still change.
 */
export function tileCacheControl(requested: LayerSchema[], asOf?: Date, now = Date.now()): string {
  const scope = requested.every((l) => l.public !== false) ? 'public' : 'private';
  return asOf && asOf.getTime() < now - SETTLED_AFTER_MS ? `${scope}, max-age=86400` : `${scope}, max-age=60`;
}

export const TILE_CONTENT_TYPE = MVT;

const path = (name: string, description: string, example?: string | number): ParameterDef => ({ name, in: 'path', required: true, description, schema: { type: 'string' }, ...(example !== undefined ? { example } : {}) });
const TILE_RESPONSES = {
  '200': { description: 'Mapbox Vector Tile (empty body: no features)', content: { [MVT]: { schema: { type: 'string', format: 'binary' } } } },
  '304': { description: 'Not modified (If-None-Match)' },
  '400': problemResponse('Tile coordinates out of range'),
  '404': problemResponse('Unknown collection'),
};

/** Encodes a tile or takes it from the cache; storing it there when encoded. */
export type TileProducer = (requested: LayerSchema[], t: TileCoord, clientTakesGzip: boolean, asOf?: Date) => Promise<CachedTile>;

/** The one place tiles are made, for the Koa route and the fast path (api/tiles/fast-path.ts) alike. */
export function tileProducer(database: Database, cache: TileCache): TileProducer {
  return async (requested, t, clientTakesGzip, asOf) => {
    // read per tile: the capability is decided once the schema is ready (probeCapabilities), possibly after this was made
    const encode = database.canEncodeMvt ? encodeWithPostgis : encodeWithJs;
    const { key, layers } = tileKey(requested, t, asOf);
    const cached = layers.length && cache.enabled ? await cache.get(key) : undefined;
    if (cached) return cached;
    const epoch = cache.epoch;
    const raw = layers.length ? await encode(database.db, layers, t, asOf) : EMPTY;
    // compressed once for the cache; uncached, only when this client takes gzip
    const wantGz = raw.length > 0 && (cache.enabled || clientTakesGzip);
    const tile = { raw, gz: wantGz ? gzipSync(raw, { level: 6 }) : EMPTY, etag: `"${createHash('sha1').update(raw).digest('base64url')}"` };
    if (layers.length && cache.enabled) await cache.set(key, tile, epoch);
    return tile;
  };
}

/**
 * The ETag of one representation: the gzip and the identity body of a tile are different
 * representations and get different strong validators (RFC 9110 §8.8.3), so a cache holding one
 * never revalidates it against the other.
 */
export function codingEtag(tile: CachedTile, gzip: boolean): string {
  return gzip ? `${tile.etag.slice(0, -1)}-gzip"` : tile.etag;
}

/** TileJSON `center`: the middle of the bounds at a zoom the tileset has (within [minzoom, maxzoom]). */
export function tileJsonCenter(bounds: number[], minzoom: number, maxzoom: number): [number, number, number] {
  return [(bounds[0]! + bounds[2]!) / 2, (bounds[1]! + bounds[3]!) / 2, Math.min(maxzoom, Math.max(minzoom, 11))];
}

export function tileApi(database: Database, cache: TileCache = new TileCache({ maxBytes: 0 })): DocumentedRouter {
  const api = new DocumentedRouter();
  const produce = tileProducer(database, cache);

  async function serveTile(ctx: Context, layerIds: string, t: TileCoord): Promise<void> {
    const requested = resolveLayers(layerIds, ctx);
    const rawAsOf = ctx.query.asOf;
    const asOf = rawAsOf === undefined ? undefined : parseAsOf(Array.isArray(rawAsOf) ? rawAsOf[0]! : rawAsOf);
    const tile = await produce(requested, t, ctx.acceptsEncodings('gzip', 'identity') === 'gzip', asOf);
    ctx.type = MVT;
    ctx.set('Cache-Control', tileCacheControl(requested, asOf));
    ctx.vary('Accept-Encoding');
    const gzip = tile.gz.length > 0 && ctx.acceptsEncodings('gzip', 'identity') === 'gzip';
    ctx.set('ETag', codingEtag(tile, gzip));
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    // compressed once when encoded, not per response
    ctx.compress = false;
    if (gzip) {
      ctx.set('Content-Encoding', 'gzip');
      ctx.body = tile.gz;
    } else ctx.body = tile.raw;
  }

  api.get(
    {
      path: '/tiles/{collectionIds}/{z}/{x}/{y}.mvt',
      operationId: 'getTile',
      summary: 'Mapbox vector tile of one or more comma-joined collections (XYZ, WebMercatorQuad)',
      tags: ['Tiles'],
      parameters: [
        path('collectionIds', 'Collection id or comma-joined ids', 'obce'), path('z', 'Zoom 0–24', 12), path('x', 'Column', 2200), path('y', 'Row', 1380),
        { name: 'asOf', in: 'query', description: 'The layers as they were at this instant (RFC 3339), from the live rows and their history', schema: { type: 'string', format: 'date-time' } },
      ],
      responses: TILE_RESPONSES,
      // the portal's editor busts caches with ?v=; the fast path (which takes these URLs first) ignores queries too
      unknownParameters: 'ignore',
    },
    async (ctx: Context) => {
      const { collectionIds, z, x, y } = ctx.params as Record<string, string>;
      await serveTile(ctx, collectionIds!, parseTile(z!, x!, y!.replace(/\.pbf$/, '')));
    },
  );

  api.get(
    {
      path: '/tiles/{collectionIds}.json',
      operationId: 'getTileJson',
      summary: 'TileJSON 3.0 of one or more comma-joined collections',
      tags: ['Tiles'],
      parameters: [path('collectionIds', 'Collection id or comma-joined ids', 'obce')],
      responses: { '200': { description: 'TileJSON', content: { 'application/json': {} } }, '404': problemResponse('Unknown collection') },
    },
    async (ctx: Context) => {
      const layers = resolveLayers((ctx.params as Record<string, string>).collectionIds!, ctx);
      const metas = await Promise.all(layers.map((l) => layerMeta(database.db, l)));
      const boxes = metas.map((mm) => mm.bbox).filter((b): b is [number, number, number, number] => b !== null);
      const bounds = boxes.length
        ? [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))]
        : [-180, -85.0511, 180, 85.0511];
      const minzoom = Math.min(...layers.map((l) => l.minZoom));
      const maxzoom = Math.max(...layers.map((l) => Math.min(l.maxZoom, 22)));
      ctx.body = {
        tilejson: '3.0.0',
        name: layers.map((l) => l.title.cs).join(', '),
        description: layers.map((l) => l.description.cs).join(' '),
        attribution: 'Statutární město Chomutov',
        scheme: 'xyz',
        tiles: [`${apiBase(ctx)}/tiles/${layers.map((l) => l.id).join(',')}/{z}/{x}/{y}.mvt`],
        minzoom,
        maxzoom,
        bounds,
        center: tileJsonCenter(bounds, minzoom, maxzoom),
        vector_layers: layers.map((l) => ({
          id: l.id,
          description: l.title.cs,
          minzoom: l.minZoom,
          maxzoom: Math.min(l.maxZoom, 22),
          fields: Object.fromEntries(
            tileColumns(l).map((c) => {
              const a = l.attributes.find((x) => x.name === c.name);
              return [c.name, a ? `${a.type === 'integer' || a.type === 'number' ? 'Number' : a.type === 'boolean' ? 'Boolean' : 'String'}: ${a.label.cs}` : 'Number: kód obce (RÚIAN)'];
            }),
          ),
        })),
      };
    },
  );

  // OGC API – Tiles: each collection has one vector tileset in WebMercatorQuad
  const P_COLLECTION = path('collectionId', 'Collection id');
  const tilesetDoc = (ctx: Context, layer: LayerSchema) => {
    const base = `${apiBase(ctx)}/collections/${layer.id}/tiles/WebMercatorQuad`;
    return {
      title: layer.title.cs,
      dataType: 'vector',
      crs: 'http://www.opengis.net/def/crs/EPSG/0/3857',
      tileMatrixSetURI: WEB_MERCATOR_QUAD,
      tileMatrixSetLimits: undefined,
      layers: [{ id: layer.id, dataType: 'vector', geometryDimension: layer.geometryType.endsWith('Point') ? 0 : layer.geometryType.endsWith('LineString') ? 1 : 2, minTileMatrix: String(layer.minZoom), maxTileMatrix: String(Math.min(layer.maxZoom, 24)) }],
      links: [
        { href: base, rel: 'self', type: 'application/json' },
        { href: WEB_MERCATOR_QUAD, rel: 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme', type: 'application/json' },
        { href: `${base}/{tileMatrix}/{tileRow}/{tileCol}`, rel: 'item', type: MVT, templated: true },
        { href: `${apiBase(ctx)}/tiles/${layer.id}.json`, rel: 'describedby', type: 'application/json', title: 'TileJSON' },
      ],
    };
  };
  api.get(
    {
      path: '/collections/{collectionId}/tiles',
      operationId: 'getCollectionTileSets',
      summary: 'Vector tilesets of a collection (OGC API – Tiles)',
      tags: ['Tiles'],
      parameters: [P_COLLECTION],
      responses: { '200': { description: 'Tileset list', content: { 'application/json': {} } }, '404': problemResponse('Unknown collection') },
    },
    (ctx: Context) => {
      const layer = layerOr404(ctx.params.collectionId!, ctx);
      const ts = tilesetDoc(ctx, layer);
      ctx.body = {
        links: [{ href: `${apiBase(ctx)}/collections/${layer.id}/tiles`, rel: 'self', type: 'application/json' }],
        tilesets: [{ title: ts.title, dataType: ts.dataType, crs: ts.crs, tileMatrixSetURI: ts.tileMatrixSetURI, links: ts.links.filter((l) => l.rel !== 'describedby').map((l) => (l.rel === 'self' ? { ...l, rel: 'self' } : l)) }],
      };
    },
  );
  api.get(
    {
      path: '/collections/{collectionId}/tiles/WebMercatorQuad',
      operationId: 'getCollectionTileSet',
      summary: 'The WebMercatorQuad vector tileset of a collection',
      tags: ['Tiles'],
      parameters: [P_COLLECTION],
      responses: { '200': { description: 'Tileset', content: { 'application/json': {} } }, '404': problemResponse('Unknown collection') },
    },
    (ctx: Context) => {
      ctx.body = tilesetDoc(ctx, layerOr404(ctx.params.collectionId!, ctx));
    },
  );
  api.get(
    {
      path: '/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}',
      operationId: 'getCollectionTile',
      summary: 'One vector tile of a collection (tileRow = y, tileCol = x)',
      tags: ['Tiles'],
      parameters: [P_COLLECTION, path('tileMatrix', 'Zoom', 12), path('tileRow', 'Row (y)', 1380), path('tileCol', 'Column (x)', 2200)],
      responses: TILE_RESPONSES,
    },
    async (ctx: Context) => {
      const p = ctx.params as Record<string, string>;
      const layer = layerOr404(p.collectionId!, ctx);
      await serveTile(ctx, layer.id, parseTile(p.tileMatrix!, p.tileCol!, p.tileRow!));
    },
  );
  return api;
}
