import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { importFile } from '../../../etl/import.ts';
import { loadMapping } from '../../../etl/mapping.ts';
import { createApp } from '../../app.ts';
import { DEFAULT_AUTH } from '../../auth/config.ts';
import { createUser } from '../../auth/users.ts';

const PASSWORD = 'správné-heslo-123';
const etl = join(import.meta.dirname, '../../../etl');
const SITES = 'stanoviste-trideneho-odpadu';

/**
 * Issue 18.2: saving only attributes must not move the feature. The API hands
 * out coordinates with 7 decimals; a client that sends that geometry back (or a
 * PATCH without geometry, which the server merges with the 7-decimal document)
 * used to rewrite the stored geometry rounded, and history recorded a location
 * change nobody made.
 */
describe.each(testBackends())('attribute-only edits keep the stored geometry on %s', (backend) => {
  let database: Database;
  let server: Server;
  let dataDir: string;
  let agent: ReturnType<typeof request.agent>;
  let csrf: string;

  async function ewkb(table: string, fid: number): Promise<string> {
    const r = await sql<{ hex: string }>`SELECT encode(ST_AsEWKB(geom), 'hex') AS hex FROM ${sql.table(table)} WHERE fid = ${fid}`.execute(database.db);
    return r.rows[0]!.hex;
  }

  async function lastHistory(layerId: string, fid: number): Promise<{ op: string; before: Record<string, unknown>; after: Record<string, unknown> }> {
    const h = await agent.get(`/api/collections/${layerId}/items/${fid}/history`).expect(200);
    return h.body.versions.at(-1);
  }

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const { db } = database;
    await importFile(db, { path: join(etl, 'samples/data/obce_orp_chomutov.geojson'), layerId: 'obce', mapping: loadMapping(join(etl, 'mappings/obce-ruian.json')) });
    // S-JTSK source: transformed to WGS 84 by PostGIS, so stored coordinates have far more than 7 decimals
    await importFile(db, { path: join(etl, 'samples/data/chomutov_stanoviste_synthetic_sjtsk.geojson'), layerId: SITES });
    await createUser(db, 'admin@chomutov.test', PASSWORD, { role: 'admin' });
    dataDir = mkdtempSync(join(tmpdir(), 'geoportal-geom-'));
    server = createApp({ database, dataDir, auth: { ...DEFAULT_AUTH, loginRateLimit: 1000 } }).listen(0);
    agent = request.agent(server);
    csrf = (await agent.post('/api/auth/login').send({ email: 'admin@chomutov.test', password: PASSWORD }).expect(200)).body.csrfToken;
  }, 120_000);

  afterAll(async () => {
    server?.close();
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['point', SITES, 'layer_stanoviste_trideneho_odpadu', { poznamka: 'jen atribut' }],
    ['multipolygon', 'obce', 'layer_obce', { obyvatel: 12345 }],
  ] as const)('PATCH of attributes only leaves the %s bytes and history geometry untouched', async (_kind, layerId, table, props) => {
    const fid = (await sql<{ fid: number }>`SELECT min(fid) AS fid FROM ${sql.table(table)}`.execute(database.db)).rows[0]!.fid;
    const before = await ewkb(table, fid);
    const got = await agent.get(`/api/collections/${layerId}/items/${fid}`).expect(200);
    await agent.patch(`/api/collections/${layerId}/items/${fid}`).set('x-csrf-token', csrf).set('If-Match', got.headers.etag as string)
      .set('content-type', 'application/merge-patch+json').send({ properties: props }).expect(200);
    expect(await ewkb(table, fid)).toBe(before);
    const h = await lastHistory(layerId, fid);
    expect(h.op).toBe('update');
    for (const [k, v] of Object.entries(props)) expect(h.after[k]).toBe(v);
    expect(h.after.geom).toEqual(h.before.geom);
  });

  it('PUT of the document as served (7-decimal coordinates) with a changed attribute keeps the stored geometry', async () => {
    const fid = (await sql<{ fid: number }>`SELECT max(fid) AS fid FROM layer_stanoviste_trideneho_odpadu`.execute(database.db)).rows[0]!.fid;
    const before = await ewkb('layer_stanoviste_trideneho_odpadu', fid);
    const got = await agent.get(`/api/collections/${SITES}/items/${fid}`).expect(200);
    const doc = { type: 'Feature', geometry: got.body.geometry, properties: { ...got.body.properties, nazev: 'Přejmenováno' } };
    await agent.put(`/api/collections/${SITES}/items/${fid}`).set('x-csrf-token', csrf).set('If-Match', got.headers.etag as string).send(doc).expect(200);
    expect(await ewkb('layer_stanoviste_trideneho_odpadu', fid)).toBe(before);
    const h = await lastHistory(SITES, fid);
    expect(h.after.nazev).toBe('Přejmenováno');
    expect(h.after.geom).toEqual(h.before.geom);
  });

  it('a real move (a few metres) is still written and recorded', async () => {
    const fid = (await sql<{ fid: number }>`SELECT max(fid) AS fid FROM layer_stanoviste_trideneho_odpadu`.execute(database.db)).rows[0]!.fid;
    const before = await ewkb('layer_stanoviste_trideneho_odpadu', fid);
    const got = await agent.get(`/api/collections/${SITES}/items/${fid}`).expect(200);
    const [x, y] = got.body.geometry.coordinates as [number, number];
    const moved = { type: 'Point', coordinates: [x + 0.00003, y] };
    const res = await agent.patch(`/api/collections/${SITES}/items/${fid}`).set('x-csrf-token', csrf).set('If-Match', got.headers.etag as string)
      .set('content-type', 'application/merge-patch+json').send({ geometry: moved }).expect(200);
    expect(res.body.geometry.coordinates[0]).toBeCloseTo(x + 0.00003, 7);
    expect(await ewkb('layer_stanoviste_trideneho_odpadu', fid)).not.toBe(before);
    const h = await lastHistory(SITES, fid);
    expect(h.after.geom).not.toEqual(h.before.geom);
  });
});
