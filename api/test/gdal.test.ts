import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { layers, tableName } from '../../schemas/index.ts';
import { createApp } from '../app.ts';

/**
 * Third-party reads: GDAL's own OGC API – Features driver (Debian gdal-bin)
 * against a running API. Missing ogrinfo skips with a message, except in CI.
 */
const run = promisify(execFile);
function hasOgrinfo(): boolean {
  try {
    execFileSync('ogrinfo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const available = hasOgrinfo();
if (!available) {
  if (process.env.CI === 'true') throw new Error('ogrinfo (gdal-bin) is required in CI');
  console.warn('gdal.test.ts: ogrinfo not found (apt-get install gdal-bin); GDAL reads skipped');
}
const backend = testBackends().at(-1)!;

describe.runIf(available)(`GDAL reads the API (${backend})`, () => {
  let database: Database;
  let server: Server;
  let base: string;
  const requested: string[] = [];
  const ogrinfo = async (...args: string[]) => (await run('ogrinfo', ['-ro', '--config', 'GDAL_HTTP_TIMEOUT', '60', ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout;

  beforeAll(async () => {
    database = await openTestDatabase(backend, { seeded: true });
    server = createApp({
      database,
      extra: [
        async (ctx, next) => {
          requested.push(ctx.url);
          await next();
        },
      ],
    }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  afterAll(async () => {
    server?.close();
    await database?.close();
  });

  it('lists every collection and counts its features as stored', async () => {
    const list = await ogrinfo(`OAPIF:${base}`);
    const open = layers.filter((l) => l.public !== false);
    for (const l of open) expect(list).toContain(`: ${l.id} `);
    for (const l of layers.filter((x) => x.public === false)) expect(list).not.toContain(`: ${l.id} `);
    for (const l of open) {
      const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(tableName(l))}`.execute(database.db)).rows[0]!.n;
      const out = await ogrinfo('-so', `OAPIF:${base}`, l.id);
      expect(out, l.id).toContain(`Feature Count: ${n}`);
    }
  });

  it('reads every public collection completely, with and without a bbox, as ST_Intersects counts', async () => {
    // a box over part of ORP Chomutov: it cuts municipalities, so envelopes alone would count more
    const box = [13.3, 50.4, 13.42, 50.47];
    for (const l of layers.filter((x) => x.public !== false)) {
      const t = sql.raw(tableName(l));
      const all = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${t}`.execute(database.db)).rows[0]!.n;
      const inBox = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${t}
        WHERE ST_Intersects(geom, ST_MakeEnvelope(${box[0]}, ${box[1]}, ${box[2]}, ${box[3]}, 4326))`.execute(database.db)).rows[0]!.n;
      const features = (out: string) => out.match(new RegExp(`^OGRFeature\\(${l.id}\\)`, 'gm'))?.length ?? 0;
      expect(features(await ogrinfo('-q', '-oo', 'PAGE_SIZE=500', `OAPIF:${base}`, l.id)), l.id).toBe(all);
      requested.length = 0;
      const spat = await ogrinfo('-q', '-oo', 'PAGE_SIZE=500', '-spat', ...box.map(String), `OAPIF:${base}`, l.id);
      expect(features(spat), `${l.id} bbox`).toBe(inBox);
      // the bbox went to the server, which answered exactly those features
      const asked = requested.filter((u) => u.includes(`/collections/${l.id}/items`) && u.includes('bbox='));
      expect(asked.length, l.id).toBeGreaterThan(0);
    }
  });

  it('reads all features of a collection, page by page', async () => {
    const out = await ogrinfo('-q', '-oo', 'PAGE_SIZE=7', `OAPIF:${base}`, 'obce');
    expect(out.match(/^OGRFeature\(obce\)/gm)?.length).toBe(25);
    expect(out).toContain('nazev (String) = Chomutov');
    expect(requested.some((u) => u.includes('/collections/obce/items') && u.includes('cursor='))).toBe(true);
  });

  it('sends an attribute filter to the server as CQL2', async () => {
    requested.length = 0;
    const out = await ogrinfo('-q', `OAPIF:${base}`, 'obce', '-where', "nazev = 'Chomutov'");
    expect(out.match(/^OGRFeature\(obce\)/gm)?.length).toBe(1);
    expect(out).toContain('nazev (String) = Chomutov');
    const filtered = requested.filter((u) => u.includes('/collections/obce/items') && u.includes('filter='));
    expect(filtered.length).toBeGreaterThan(0);
  });

  it('reads features in S-JTSK (crs=EPSG:5514)', async () => {
    // GDAL 3.6's OAPIF driver has no CRS option (added in 3.7): read the items URL with the crs parameter
    const url = `${base}/collections/obce/items?limit=100&crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/5514')}`;
    const out = await ogrinfo('-so', '-al', `GeoJSON:${url}`);
    expect(out).toContain('Feature Count: 25');
    const m = /Extent: \((-?[\d.]+), (-?[\d.]+)\) - \((-?[\d.]+), (-?[\d.]+)\)/.exec(out);
    expect(m).toBeTruthy();
    const [x1, y1] = [Number(m![1]), Number(m![2])];
    // S-JTSK coordinates of ORP Chomutov: around X −800 km, Y −990 km
    expect(x1).toBeLessThan(-780_000);
    expect(x1).toBeGreaterThan(-840_000);
    expect(y1).toBeLessThan(-960_000);
    expect(y1).toBeGreaterThan(-1_020_000);
  });
});
