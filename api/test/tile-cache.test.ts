import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import { Redis } from 'ioredis';
import { createServer, Socket as NetSocket, type Server, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import { openDatabase, type Database } from '../../sql/connection.ts';
import { recordChange } from '../../sql/changes.ts';
import { createApp } from '../app.ts';
import { TileCache, tileBounds } from '../cache/tile-cache.ts';
import { startTileInvalidation } from '../cache/invalidation.ts';
import { decodeTile, tileFor } from './decode-tile.ts';

const SITES = 'stanoviste-trideneho-odpadu';
const REDIS_URL = process.env.TEST_REDIS_URL ?? (process.env.CI ? 'redis://127.0.0.1:6379' : undefined);

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}

function tileOf(server: HttpServer, path: string) {
  return request(server).get(path).buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}

/** Moves one site into a new name, the way every writer does: inside a transaction with recordChange. */
async function renameSite(db: Database, fid: number, name: string): Promise<void> {
  await db.db.transaction().execute(async (trx) => {
    const r = await sql<{ x: number; y: number }>`UPDATE layer_stanoviste_trideneho_odpadu SET nazev = ${name} WHERE fid = ${fid}
      RETURNING ST_X(geom) AS x, ST_Y(geom) AS y`.execute(trx);
    const p = r.rows[0]!;
    await recordChange(trx, { layerId: SITES, bbox: [p.x, p.y, p.x, p.y], source: 'test' });
  });
}

describe('tile cache invalidation is exact', () => {
  it('drops only tiles whose buffered extent meets the change', async () => {
    const cache = new TileCache();
    const near = { layers: [SITES], ...tileFor(13.4134, 50.4605, 16) };
    const far = { layers: [SITES], ...tileFor(13.30, 50.40, 16) };
    const other = { layers: ['obce'], ...tileFor(13.4134, 50.4605, 16) };
    const composite = { layers: ['obce', SITES], ...tileFor(13.4134, 50.4605, 12) };
    const tile = { etag: '"x"', raw: Buffer.from([1]), gz: Buffer.from([2]) };
    for (const k of [near, far, other, composite]) await cache.set(k, tile, cache.epoch);
    const b = tileBounds(near);
    const dropped = await cache.invalidate({ layerId: SITES, bbox: [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, (b[0] + b[2]) / 2, (b[1] + b[3]) / 2] });
    expect(dropped).toBe(2);
    expect([cache.has(near), cache.has(far), cache.has(other), cache.has(composite)]).toEqual([false, true, true, false]);
    await cache.invalidate({ layerId: SITES, bbox: null });
    expect(cache.has(far)).toBe(false);
    expect(cache.has(other)).toBe(true);
    // a tile encoded while an invalidation happened is not kept
    const epoch = cache.epoch;
    await cache.invalidate({ layerId: 'obce', bbox: null });
    await cache.set(other, tile, epoch);
    expect(cache.has(other)).toBe(false);
  });
});

describe.each(testBackends())('edits reach cached tiles on %s', (backend) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase(backend, { seeded: true });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('an edit committed through the database invalidates this instance without a restart', async () => {
    const cache = new TileCache();
    const stop = await startTileInvalidation(database, cache);
    const server = createApp({ database, tileCache: cache }).listen(0);
    try {
      const site = (await sql<{ fid: number; x: number; y: number }>`SELECT fid, ST_X(geom) AS x, ST_Y(geom) AS y FROM layer_stanoviste_trideneho_odpadu ORDER BY fid LIMIT 1`.execute(database.db)).rows[0]!;
      const t = tileFor(site.x, site.y, 16);
      const url = `/api/tiles/${SITES}/${t.z}/${t.x}/${t.y}.mvt`;
      const before = decodeTile((await tileOf(server, url).expect(200)).body as Buffer)[SITES]!.find((f) => f.id === site.fid)!;
      expect(cache.has({ layers: [SITES], ...t })).toBe(true);
      await renameSite(database, site.fid, 'Přejmenováno testem');
      await until(async () => !cache.has({ layers: [SITES], ...t }), 'invalidation');
      const after = decodeTile((await tileOf(server, url).expect(200)).body as Buffer)[SITES]!.find((f) => f.id === site.fid)!;
      expect(after.properties.nazev).toBe('Přejmenováno testem');
      expect(before.properties.nazev).not.toBe('Přejmenováno testem');
    } finally {
      server.close();
      await stop();
    }
  });

  it.runIf(backend === 'postgres' && REDIS_URL)('two instances with a shared Redis: an edit through one is served fresh by the other', async () => {
    const schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(database.db)).rows[0]!.s;
    const second = await openDatabase({ databaseUrl: database.connection!.url, searchPath: schema, poolSize: 4 });
    const prefix = `test:${randomBytes(4).toString('hex')}:`;
    const redisA = new Redis(REDIS_URL!);
    const redisB = new Redis(REDIS_URL!);
    const cacheA = new TileCache({ redis: redisA, redisPrefix: prefix });
    const cacheB = new TileCache({ redis: redisB, redisPrefix: prefix });
    const stops = [await startTileInvalidation(database, cacheA), await startTileInvalidation(second, cacheB)];
    const a = createApp({ database, tileCache: cacheA }).listen(0);
    const b = createApp({ database: second, tileCache: cacheB }).listen(0);
    try {
      const site = (await sql<{ fid: number; x: number; y: number }>`SELECT fid, ST_X(geom) AS x, ST_Y(geom) AS y FROM layer_stanoviste_trideneho_odpadu ORDER BY fid DESC LIMIT 1`.execute(database.db)).rows[0]!;
      const t = tileFor(site.x, site.y, 17);
      const url = `/api/tiles/${SITES}/${t.z}/${t.x}/${t.y}.mvt`;
      const key = `${prefix}${SITES}/${t.z}/${t.x}/${t.y}`;
      await tileOf(a, url).expect(200);
      expect(await redisA.exists(key)).toBe(1);
      // B gets it from the shared level, without encoding
      await tileOf(b, url).expect(200);
      expect(cacheB.stats.redisHits).toBe(1);
      // the edit goes through instance A's database handle
      await renameSite(database, site.fid, 'Upraveno přes instanci A');
      await until(async () => !cacheB.has({ layers: [SITES], ...t }) && (await redisA.exists(key)) === 0, 'invalidation on B and in Redis');
      const fresh = decodeTile((await tileOf(b, url).expect(200)).body as Buffer)[SITES]!.find((f) => f.id === site.fid)!;
      expect(fresh.properties.nazev).toBe('Upraveno přes instanci A');
    } finally {
      a.close();
      b.close();
      for (const s of stops) await s();
      const keys = await redisA.keys(`${prefix}*`);
      if (keys.length) await redisA.del(...keys);
      redisA.disconnect();
      redisB.disconnect();
      await second.close();
    }
  });

  it.runIf(backend === 'postgres')('answers 503 while the database is unreachable and recovers by itself', async () => {
    // a TCP relay to PostgreSQL that can be switched off and on again on the same port
    const target = new URL(database.connection!.url);
    const sockets = new Set<Socket>();
    let relay: Server | undefined;
    const startRelay = (port: number) =>
      new Promise<number>((resolve) => {
        relay = createServer((client) => {
          const upstream = new NetSocket();
          upstream.connect(Number(target.port || 5432), target.hostname);
          client.pipe(upstream).pipe(client);
          for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('error', () => {});
            s.on('close', () => sockets.delete(s));
          }
        }).listen(port, '127.0.0.1', () => resolve((relay!.address() as { port: number }).port));
      });
    const port = await startRelay(0);
    const schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(database.db)).rows[0]!.s;
    const url = new URL(database.connection!.url);
    url.port = String(port);
    const viaRelay = await openDatabase({ databaseUrl: url.toString(), searchPath: schema, poolSize: 2 });
    const server = createApp({ database: viaRelay }).listen(0);
    try {
      await request(server).get('/api/collections/obce/items?limit=1').expect(200);
      const closed = new Promise<void>((r) => relay!.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
      const down = await request(server).get('/api/collections/obce/items?limit=1');
      expect(down.status).toBe(503);
      expect(down.headers['content-type']).toMatch(/problem\+json/);
      expect(down.headers['retry-after']).toBeTruthy();
      // a tile the fast path cannot make is handed to Koa, which answers with the same problem
      const downTile = await request(server).get('/api/tiles/obce/10/550/345.mvt');
      expect(downTile.status).toBe(503);
      expect(downTile.headers['content-type']).toMatch(/problem\+json/);
      await request(server).get('/api/health').expect(503);
      await startRelay(port);
      await until(async () => (await request(server).get('/api/collections/obce/items?limit=1')).status === 200, 'recovery');
    } finally {
      server.close();
      relay?.close();
      for (const s of sockets) s.destroy();
      await viaRelay.close().catch(() => {});
    }
  });
});
