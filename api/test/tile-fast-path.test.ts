import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import type { Server } from 'node:http';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { createUser } from '../auth/users.ts';
import { createApiToken } from '../auth/sessions.ts';
import { parseTrustProxy } from '../middleware/client-address.ts';
import { createApp } from '../app.ts';
import { TileCache } from '../cache/tile-cache.ts';
import { decodeTile, tileFor } from './decode-tile.ts';

const SITES = 'stanoviste-trideneho-odpadu';

function binary(server: Server, path: string) {
  return request(server).get(path).buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}

/** the headers a client sees, without those that differ per response by nature */
const comparable = (h: Record<string, string>) => {
  const { date: _d, connection: _c, 'keep-alive': _k, ...rest } = h;
  return rest;
};

describe.each(testBackends())('tiles of public layers are answered before Koa, identically, on %s', (backend) => {
  let database: Database;
  let cache: TileCache;
  let server: Server;
  let url: string;
  let tile: { z: number; x: number; y: number };
  beforeAll(async () => {
    database = await openTestDatabase(backend, { seeded: true });
    cache = new TileCache();
    // the test plays a reverse proxy on loopback that names each client in X-Forwarded-For
    server = createApp({ database, tileCache: cache, rateLimit: { perMinute: 5, limitLoopback: true }, trustedProxies: parseTrustProxy('127.0.0.1') }).listen(0);
    const site = (await sql<{ x: number; y: number }>`SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM layer_stanoviste_trideneho_odpadu ORDER BY fid LIMIT 1`.execute(database.db)).rows[0]!;
    tile = tileFor(site.x, site.y, 16);
    url = `/api/tiles/${SITES}/${tile.z}/${tile.x}/${tile.y}.mvt`;
  });
  afterAll(async () => {
    server?.close();
    await database?.close();
  });

  it('answers with the same bytes and headers as the Koa route, counts against the same rate limit, and honours ETag and gzip', async () => {
    const ip = (n: number) => ({ 'X-Forwarded-For': `203.0.113.${n}`, Origin: 'https://example.org' });
    // the OGC API – Tiles URL of the same tile is always answered by Koa
    const koaUrl = `/api/collections/${SITES}/tiles/WebMercatorQuad/${tile.z}/${tile.y}/${tile.x}`;
    const viaKoa = await binary(server, koaUrl).set(ip(1)).expect(200);
    const misses = cache.stats.misses;
    const hit = await binary(server, url).set(ip(1)).expect(200);
    expect(cache.stats.misses).toBe(misses);
    expect(hit.body).toEqual(viaKoa.body);
    expect(decodeTile(hit.body as Buffer)[SITES]!.length).toBeGreaterThan(0);
    const koaHeaders = comparable(viaKoa.headers as Record<string, string>);
    const hitHeaders = comparable(hit.headers as Record<string, string>);
    // the remaining quota differs by one request: the fast path counted it like Koa
    expect(Number(koaHeaders['ratelimit-remaining']) - Number(hitHeaders['ratelimit-remaining'])).toBe(1);
    delete koaHeaders['ratelimit-remaining'];
    delete hitHeaders['ratelimit-remaining'];
    expect(hitHeaders).toEqual(koaHeaders);
    expect(hitHeaders['access-control-allow-origin']).toBe('*');
    expect(hitHeaders['cache-control']).toBe('public, max-age=60');

    // a tile not cached yet is made by the fast path too, and then cached
    const other = { z: tile.z, x: tile.x + 1, y: tile.y };
    expect(cache.has({ layers: [SITES], ...other })).toBe(false);
    await binary(server, `/api/tiles/${SITES}/${other.z}/${other.x}/${other.y}.mvt`).set(ip(3)).expect(200);
    expect(cache.has({ layers: [SITES], ...other })).toBe(true);

    // conditional GET from the cache: 304 without a body
    const notModified = await request(server).get(url).set(ip(2)).set('If-None-Match', hit.headers.etag!).expect(304);
    expect(notModified.headers.etag).toBe(hit.headers.etag);

    // gzip only for clients that take it
    const gz = await binary(server, url).set(ip(2)).set('Accept-Encoding', 'gzip').expect(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    // (the client library inflates it)
    expect(gz.body).toEqual(viaKoa.body);
    const plain = await binary(server, url).set(ip(2)).set('Accept-Encoding', 'gzip;q=0, identity').expect(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toEqual(viaKoa.body);

    // HEAD: headers only
    const head = await request(server).head(url).set(ip(3)).expect(200);
    expect(head.headers['content-length']).toBe(String((viaKoa.body as Buffer).length));

    // the sixth request of one client within a minute is refused by the shared limiter, as a problem
    for (let i = 0; i < 2; i++) await request(server).get(url).set(ip(2)).expect(200);
    const limited = await request(server).get(url).set(ip(2)).expect(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(JSON.parse(limited.text)).toMatchObject({ status: 429, title: 'Too Many Requests', instance: url });
    // Koa refuses the same client's next request alike
    const koaLimited = await request(server).get(koaUrl).set(ip(2)).expect(429);
    expect(limited.headers['content-type']).toBe(koaLimited.headers['content-type']);
    expect(Object.keys(comparable(limited.headers as Record<string, string>)).sort()).toEqual(Object.keys(comparable(koaLimited.headers as Record<string, string>)).sort());
  });

  it('tiles of non-public layers never leave through the fast path, even when cached', async () => {
    const user = await createUser(database.db, `fast-path-${backend}@example.org`, null, { role: 'admin' });
    const { token } = await createApiToken(database.db, user.id, 'fast path test');
    const t = tileFor(13.4134, 50.4605, 14);
    const cameras = `/api/tiles/kamery/${t.z}/${t.x}/${t.y}.mvt`;
    const staff = await request(server).get(cameras).set('X-Forwarded-For', '198.51.100.1').set('Authorization', `Bearer ${token}`).expect(200);
    expect(staff.headers['cache-control']).toBe('private, max-age=60');
    expect(cache.has({ layers: ['kamery'], ...t })).toBe(true);
    const anonymous = await request(server).get(cameras).set('X-Forwarded-For', '198.51.100.2').expect(404);
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
