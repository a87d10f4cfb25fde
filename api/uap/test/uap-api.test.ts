import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
import { gdalAvailable, SYNTHETIC_PROVIDER, writeSyntheticDelivery, type SyntheticFiles } from '../../../etl/uap/test/synthetic-delivery.ts';
import { createApp } from '../../app.ts';
import { DEFAULT_AUTH } from '../../auth/config.ts';
import { createUser } from '../../auth/users.ts';

const ETL = join(import.meta.dirname, '../../../etl');
const PASSWORD = 'správné-heslo-123';
const CHOMUTOV = 562971;

describe.runIf(gdalAvailable()).each(testBackends())('/api/uap on %s', (backend) => {
  let database: Database;
  let server: Server;
  let dir: string;
  let files: SyntheticFiles;

  async function login(email: string) {
    const agent = request.agent(server);
    const res = await agent.post('/api/auth/login').send({ email, password: PASSWORD }).expect(200);
    return { agent, csrf: res.body.csrfToken as string };
  }

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const { db } = database;
    dir = mkdtempSync(join(tmpdir(), 'geoportal-uap-api-'));
    files = writeSyntheticDelivery(dir);
    await importFile(db, { path: join(ETL, 'samples/data/obce_orp_chomutov.geojson'), layerId: 'obce', mapping: loadMapping(join(ETL, 'mappings/obce-ruian.json')) });
    await createUser(db, 'uup@chomutov.test', PASSWORD, { role: 'plan_admin' });
    await createUser(db, 'ctenar@chomutov.test', PASSWORD, { role: 'reader' });
    await createUser(db, 'editor@chomutov.test', PASSWORD, { role: 'municipality_editor', municipalityCode: CHOMUTOV });
    server = createApp({ database, auth: { ...DEFAULT_AUTH, loginRateLimit: 1000 } }).listen(0);
  }, 240_000);

  afterAll(async () => {
    server?.close();
    await database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the register of 119 jevy with its source', async () => {
    const r = await request(server).get('/api/uap/jevy').expect(200);
    expect(r.body.count).toBe(119);
    expect(r.body.jevy).toHaveLength(119);
    expect(r.body.source.cs).toContain('500/2006 Sb.');
  });

  it('keeps deliveries and the state to the planning department: 401 anonymous, 403 other roles and without the CSRF token', async () => {
    for (const url of ['/api/uap/deliveries', `/api/uap/${CHOMUTOV}`]) await request(server).get(url).expect(401).expect('Content-Type', /problem\+json/);
    await request(server).post('/api/uap/deliveries?provider=X&public=true&jev=73&name=a.zip').send(Buffer.from('x')).expect(401);
    for (const email of ['ctenar@chomutov.test', 'editor@chomutov.test']) {
      const { agent, csrf } = await login(email);
      await agent.get(`/api/uap/${CHOMUTOV}`).expect(403).expect('Content-Type', /problem\+json/);
      await agent.post('/api/uap/deliveries?provider=X&public=true&jev=73&name=a.zip').set('x-csrf-token', csrf).send(Buffer.from('x')).expect(403);
    }
    const { agent } = await login('uup@chomutov.test');
    await agent.post('/api/uap/deliveries?provider=X&public=true&jev=73&name=a.zip').send(Buffer.from('x')).expect(403);
  });

  it('answers bad parameters with 400, a refused file with 422, and records nothing', async () => {
    const { agent, csrf } = await login('uup@chomutov.test');
    const post = (q: string, body: Buffer = readFileSync(files.vedeniShpZip)) =>
      agent.post(`/api/uap/deliveries?${q}`).set('x-csrf-token', csrf).set('Content-Type', 'application/octet-stream').send(body);
    await agent.get('/api/uap/chomutov').expect(400);
    await agent.get('/api/uap/999999').expect(404);
    await post('public=true&jev=73&name=v.zip').expect(400).expect((r) => expect(r.body.parameter).toBe('provider'));
    await post('provider=X&jev=73&name=v.zip').expect(400).expect((r) => expect(r.body.parameter).toBe('public'));
    await post('provider=X&public=true&name=v.zip').expect(400).expect((r) => expect(r.body.parameter).toBe('jev'));
    await post('provider=X&public=true&jev=73&name=v.exe').expect(400).expect((r) => expect(r.body.parameter).toBe('name'));
    await post('provider=X&public=true&jev=tri&name=v.zip').expect(400);
    await post('provider=X&public=true&jev=120&name=v.zip').expect(422).expect('Content-Type', /problem\+json/);
    await post('provider=X&public=true&jev=73&name=v.zip', Buffer.from('not a zip')).expect(422).expect((r) => expect(r.body.detail).not.toContain(tmpdir()));
    const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM uap_delivery`.execute(database.db)).rows[0]!.n;
    expect(n).toBe(0);
  });

  it('the planning department uploads a Shapefile and a GeoPackage delivery; the state shows who delivered what and when', async () => {
    const { agent, csrf } = await login('uup@chomutov.test');
    const provider = encodeURIComponent(SYNTHETIC_PROVIDER);
    const a = await agent
      .post(`/api/uap/deliveries?provider=${provider}&deliveredOn=2026-11-20&public=true&jev=73&name=vedeni_es.shp.zip`)
      .set('x-csrf-token', csrf)
      .set('Content-Type', 'application/zip')
      .send(readFileSync(files.vedeniShpZip))
      .expect(201);
    expect(a.body.parts).toMatchObject([{ jev: 73, layer: 'uap-linie', inserted: 2, rejected: 0 }]);
    const b = await agent
      .post(`/api/uap/deliveries?provider=${provider}&deliveredOn=2026-11-21&public=true&jev=72:stanice&jev=50:zaplavy&name=ceznet_uap.gpkg&note=${encodeURIComponent('zkušební předání')}`)
      .set('x-csrf-token', csrf)
      .set('Content-Type', 'application/geopackage+sqlite3')
      .send(readFileSync(files.gpkg))
      .expect(201);
    expect(b.body.parts.map((p: { layer: string; inserted: number }) => [p.layer, p.inserted])).toEqual([['uap-body', 3], ['uap-plochy', 1]]);

    const state = (await agent.get(`/api/uap/${CHOMUTOV}`).expect(200)).body as { municipality: { nazev: string }; counts: Record<string, number>; jevy: { cislo: number; status: string; deliveries: { provider: string; deliveredOn: string; isPublic: boolean }[] }[] };
    expect(state.municipality.nazev).toBe('Chomutov');
    expect(state.counts).toMatchObject({ delivered: 3, missing: 116 });
    const j72 = state.jevy.find((j) => j.cislo === 72)!;
    expect(j72.status).toBe('delivered');
    expect(j72.deliveries[0]).toMatchObject({ provider: SYNTHETIC_PROVIDER, deliveredOn: '2026-11-21', isPublic: true });

    const list = (await agent.get('/api/uap/deliveries').expect(200)).body.deliveries as { id: number; jevy: number[]; actor: string; note: string | null }[];
    expect(list.map((d) => d.jevy)).toEqual([[72, 50], [73]]);
    expect(list[0]!.actor).toMatch(/^user:\d+$/);
    expect(list[0]!.note).toBe('zkušební předání');
    // the features are readable through the OGC API like any public layer
    const items = (await request(server).get('/api/collections/uap-body/items').expect(200)).body as { features: { properties: { jev: string; poskytovatel: string } }[] };
    expect(items.features).toHaveLength(3);
    expect(items.features.every((f) => f.properties.jev === '72' && f.properties.poskytovatel === SYNTHETIC_PROVIDER)).toBe(true);
  });

  it('ÚAP features are not edited through the editing API, not even by an administrator', async () => {
    await createUser(database.db, 'admin@chomutov.test', PASSWORD, { role: 'admin' });
    const { agent, csrf } = await login('admin@chomutov.test');
    await agent
      .post('/api/collections/uap-body/items')
      .set('x-csrf-token', csrf)
      .set('Content-Type', 'application/geo+json')
      .send({ type: 'Feature', geometry: { type: 'Point', coordinates: [13.4175, 50.4603] }, properties: { jev: '72', poskytovatel: 'X', dodavka: 1, datum_predani: '2026-01-01' } })
      .expect(403);
  });
});
