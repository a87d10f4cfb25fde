import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { createApp } from '../../app.ts';
import { DEFAULT_AUTH } from '../../auth/config.ts';
import { createUser } from '../../auth/users.ts';
import { TileCache } from '../../cache/tile-cache.ts';
import { startTileInvalidation } from '../../cache/invalidation.ts';
import { decodeTile, tileFor } from '../../test/decode-tile.ts';

const PASSWORD = 'správné-heslo-123';
const SITES = 'stanoviste-trideneho-odpadu';
const Z = 14;

function tileOf(server: Server, path: string) {
  return request(server).get(path).buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}

const pause = () => new Promise((r) => setTimeout(r, 1100));

/**
 * Issue 18.9: tiles as of an instant, from the live rows and feature_history, by both encoders
 * (ST_AsMVT on PostgreSQL, the JS encoder on PGlite); cached per instant, the cache emptied where
 * an edit lands; the moments a layer changed and the changes between two instants.
 */
describe.each(testBackends())('time travel: tiles and changes as of an instant on %s', (backend) => {
  let database: Database;
  let server: Server;
  let stopInvalidation: () => Promise<void>;
  let agent: ReturnType<typeof request.agent>;
  let csrf: string;
  let dataDir: string;
  const cache = new TileCache();

  beforeAll(async () => {
    database = await openTestDatabase(backend, { seeded: true });
    await createUser(database.db, 'planner@chomutov.test', PASSWORD, { role: 'admin' });
    dataDir = mkdtempSync(join(tmpdir(), 'geoportal-timetravel-'));
    stopInvalidation = await startTileInvalidation(database, cache);
    server = createApp({ database, dataDir, tileCache: cache, auth: { ...DEFAULT_AUTH, loginRateLimit: 1000 } }).listen(0);
    agent = request.agent(server);
    csrf = (await agent.post('/api/auth/login').send({ email: 'planner@chomutov.test', password: PASSWORD }).expect(200)).body.csrfToken;
  }, 300_000);
  afterAll(async () => {
    server?.close();
    await stopInvalidation?.();
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('a tile as of before an edit shows the old geometry and attributes, after it the new; the cache follows the edit', async () => {
    const site = (await sql<{ fid: number; x: number; y: number; nazev: string }>`SELECT fid::int AS fid, ST_X(geom) AS x, ST_Y(geom) AS y, nazev
      FROM layer_stanoviste_trideneho_odpadu ORDER BY fid LIMIT 1`.execute(database.db)).rows[0]!;
    const t = tileFor(site.x, site.y, Z);
    const url = (at: Date) => `/api/tiles/${SITES}/${t.z}/${t.x}/${t.y}.mvt?asOf=${encodeURIComponent(at.toISOString())}`;
    const read = async (at: Date) => {
      const res = await tileOf(server, url(at)).expect(200);
      return { res, feature: decodeTile(res.body as Buffer)[SITES]?.find((f) => f.id === site.fid) };
    };

    await pause();
    const before = new Date();
    const old = await read(before);
    expect(old.feature?.properties.nazev).toBe(site.nazev);
    expect(old.res.headers['cache-control']).toBe('public, max-age=60');
    expect(old.res.headers.etag).toMatch(/^"/);
    // kept per instant: asked again, the cache answers and the validator holds
    const hits = cache.stats.hits;
    await tileOf(server, url(before)).set('If-None-Match', old.res.headers.etag as string).expect(304);
    expect(cache.stats.hits).toBe(hits + 1);
    // an instant long past is settled: browsers may keep it a day
    const past = await tileOf(server, url(new Date(Date.now() - 2 * 86_400_000))).expect(200);
    expect(past.headers['cache-control']).toBe('public, max-age=86400');
    const future = new Date(Date.now() + 86_400_000);
    expect((await read(future)).feature?.properties.nazev).toBe(site.nazev);

    // an edit through the API: a new name, moved about 40 m east
    await pause();
    const got = await agent.get(`/api/collections/${SITES}/items/${site.fid}`).expect(200);
    const [x, y] = got.body.geometry.coordinates as [number, number];
    await agent.patch(`/api/collections/${SITES}/items/${site.fid}`).set('x-csrf-token', csrf).set('If-Match', got.headers.etag as string)
      .set('content-type', 'application/merge-patch+json').send({ properties: { nazev: 'Po úpravě (časová osa)' }, geometry: { type: 'Point', coordinates: [x + 0.0006, y] } }).expect(200);
    // the future instant's cached tile showed what is now replaced: dropped
    await until(() => !cache.has({ layers: [SITES], ...t, variant: `asof:${future.toISOString()}` }), 'invalidation of the tile as of the future');
    await pause();
    const after = new Date();

    const then = await read(before);
    const now = await read(after);
    expect(then.feature?.properties.nazev).toBe(site.nazev);
    expect(now.feature?.properties.nazev).toBe('Po úpravě (časová osa)');
    expect((await read(future)).feature?.properties.nazev).toBe('Po úpravě (časová osa)');
    // the geometry: the point moved east in tile space (0.0006° at zoom 14 is about 7 of 4096 units)
    const px = (f: typeof then.feature) => f!.geometry[0]![0]!.x;
    expect(px(now.feature) - px(then.feature)).toBeGreaterThanOrEqual(5);
    // the whole tile as of before the edit reads as it did before it (the edited feature now comes from
    // its history document, geometry kept to 9 decimals: the same tile coordinates within one unit)
    const all = (res: typeof old.res) => decodeTile(res.body as Buffer)[SITES]!;
    const a = all(old.res);
    const b = all(then.res);
    expect(b.map((f) => [f.id, f.properties])).toEqual(a.map((f) => [f.id, f.properties]));
    b.forEach((f, i) => {
      const p = f.geometry[0]![0]!;
      const q = a[i]!.geometry[0]![0]!;
      expect(Math.abs(p.x - q.x) + Math.abs(p.y - q.y), `feature ${f.id}`).toBeLessThanOrEqual(2);
    });
    // a bad instant is a problem, not a tile
    const bad = await request(server).get(`/api/tiles/${SITES}/${t.z}/${t.x}/${t.y}.mvt?asOf=yesterday`).expect(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);

    // the timeline has the edit as its last moment; the changes between the two instants list it
    const tl = (await request(server).get(`/api/collections/${SITES}/timeline`).expect(200)).body as { moments: { at: string; changes: number }[] };
    const last = tl.moments.at(-1)!;
    expect(new Date(last.at).getTime()).toBeGreaterThan(before.getTime());
    expect(new Date(last.at).getTime()).toBeLessThanOrEqual(after.getTime());
    expect((await read(new Date(last.at))).feature?.properties.nazev).toBe('Po úpravě (časová osa)');
    const previous = tl.moments.at(-2)!;
    expect((await read(new Date(previous.at))).feature?.properties.nazev).toBe(site.nazev);

    const ch = (await request(server).get(`/api/collections/${SITES}/changes?from=${encodeURIComponent(before.toISOString())}&to=${encodeURIComponent(after.toISOString())}`).expect(200)).body;
    expect(ch.counts).toEqual({ added: 0, changed: 1, removed: 0 });
    expect(ch.features).toHaveLength(1);
    expect(ch.features[0]).toMatchObject({ id: site.fid, properties: { change: 'changed', label: 'Po úpravě (časová osa)' } });
    expect(ch.features[0].geometry.coordinates[0]).toBeCloseTo(x + 0.0006, 6);
  }, 120_000);

  it('added and removed features: as of before they exist or after they are gone', async () => {
    const site = (await sql<{ fid: number; x: number; y: number }>`SELECT fid::int AS fid, ST_X(geom) AS x, ST_Y(geom) AS y
      FROM layer_stanoviste_trideneho_odpadu ORDER BY fid DESC LIMIT 1`.execute(database.db)).rows[0]!;
    const t = tileFor(site.x, site.y, Z);
    const ids = async (at: Date) => {
      const res = await tileOf(server, `/api/tiles/${SITES}/${t.z}/${t.x}/${t.y}.mvt?asOf=${encodeURIComponent(at.toISOString())}`).expect(200);
      return (decodeTile(res.body as Buffer)[SITES] ?? []).map((f) => f.id);
    };
    await pause();
    const start = new Date();
    const created = await agent.post(`/api/collections/${SITES}/items`).set('x-csrf-token', csrf).set('content-type', 'application/geo+json')
      .send({ type: 'Feature', geometry: { type: 'Point', coordinates: [site.x + 0.0003, site.y + 0.0003] }, properties: { nazev: 'Nové stanoviště (časová osa)' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const newFid = Number(created.body.id);
    const got = await agent.get(`/api/collections/${SITES}/items/${site.fid}`).expect(200);
    await agent.delete(`/api/collections/${SITES}/items/${site.fid}`).set('x-csrf-token', csrf).set('If-Match', got.headers.etag as string).expect(204);
    await pause();
    const end = new Date();

    const then = await ids(start);
    const now = await ids(end);
    expect(then).toContain(site.fid);
    expect(then).not.toContain(newFid);
    expect(now).toContain(newFid);
    expect(now).not.toContain(site.fid);

    const ch = (await request(server).get(`/api/collections/${SITES}/changes?from=${encodeURIComponent(start.toISOString())}&to=${encodeURIComponent(end.toISOString())}`).expect(200)).body;
    expect(ch.counts).toEqual({ added: 1, changed: 0, removed: 1 });
    const kinds = Object.fromEntries((ch.features as { id: number; properties: { change: string } }[]).map((f) => [f.id, f.properties.change]));
    expect(kinds).toEqual({ [newFid]: 'added', [site.fid]: 'removed' });
  }, 120_000);
});
