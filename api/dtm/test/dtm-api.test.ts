import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { getLayer } from '../../../schemas/index.ts';
import { importFile } from '../../../etl/import.ts';
import { loadMapping } from '../../../etl/mapping.ts';
import { sampleFeatureCollection } from '../../../etl/test/sample-feature.ts';
import { readJvf } from '../../../etl/dtm/reader.ts';
import { validateJvf } from '../../../etl/dtm/validate.ts';
import { createApp } from '../../app.ts';
import { DEFAULT_AUTH } from '../../auth/config.ts';
import { createUser } from '../../auth/users.ts';

const ETL = join(import.meta.dirname, '../../../etl');
const PASSWORD = 'správné-heslo-123';
const CHOMUTOV = 562971;
const URL = `/api/dtm/${CHOMUTOV}.xml`;

describe.each(testBackends())('/api/dtm on %s', (backend) => {
  let database: Database;
  let server: Server;
  let dir: string;
  let other: number;

  async function login(email: string) {
    const agent = request.agent(server);
    const res = await agent.post('/api/auth/login').send({ email, password: PASSWORD }).expect(200);
    return { agent, csrf: res.body.csrfToken as string };
  }

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const { db } = database;
    dir = mkdtempSync(join(tmpdir(), 'geoportal-dtm-api-'));
    await importFile(db, { path: join(ETL, 'samples/data/obce_orp_chomutov.geojson'), layerId: 'obce', mapping: loadMapping(join(ETL, 'mappings/obce-ruian.json')) });
    const layer = getLayer('svetelne-body')!;
    const path = join(dir, 'svetelne-body.geojson');
    writeFileSync(path, JSON.stringify(sampleFeatureCollection(layer, 3)));
    await importFile(db, { path, layerId: layer.id, municipality: CHOMUTOV });
    other = (await sql<{ kod: number }>`SELECT kod FROM layer_obce WHERE kod <> ${CHOMUTOV} ORDER BY kod LIMIT 1`.execute(db)).rows[0]!.kod;
    await createUser(db, 'admin@chomutov.test', PASSWORD, { role: 'admin' });
    await createUser(db, 'editor@chomutov.test', PASSWORD, { role: 'municipality_editor', municipalityCode: CHOMUTOV });
    await createUser(db, 'editor@jinde.test', PASSWORD, { role: 'municipality_editor', municipalityCode: other });
    await createUser(db, 'odbor@chomutov.test', PASSWORD, { role: 'department_editor', layers: ['svetelne-body'] });
    await createUser(db, 'ctenar@chomutov.test', PASSWORD, { role: 'reader' });
    server = createApp({ database, auth: { ...DEFAULT_AUTH, loginRateLimit: 1000 } }).listen(0);
  }, 240_000);

  afterAll(async () => {
    server?.close();
    await database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is for staff only: 401 anonymous, 403 readers, department editors and other municipalities’ editors', async () => {
    await request(server).get(URL).expect(401).expect('Content-Type', /problem\+json/);
    for (const email of ['ctenar@chomutov.test', 'odbor@chomutov.test', 'editor@jinde.test']) {
      const { agent, csrf } = await login(email);
      await agent.get(URL).expect(403).expect('Content-Type', /problem\+json/);
      await agent.post(URL).set('x-csrf-token', csrf).expect(403);
    }
  });

  it('answers bad paths and parameters with 400, an unknown municipality with 404', async () => {
    const { agent } = await login('admin@chomutov.test');
    await agent.get('/api/dtm/chomutov.xml').expect(400).expect('Content-Type', /problem\+json/);
    await agent.get(`${URL}?changes=snad`).expect(400).expect((r) => expect(r.body.parameter).toBe('changes'));
    await agent.get('/api/dtm/999999.xml').expect(404).expect('Content-Type', /problem\+json/);
  });

  it('the municipality’s editor previews (GET, not recorded) and delivers (POST, recorded) valid JVF DTM files', async () => {
    const { agent, csrf } = await login('editor@chomutov.test');
    const preview = await agent.get(URL).expect(200).expect('Content-Type', /application\/xml/);
    expect(preview.headers['x-dtm-delivery']).toBeUndefined();
    expect((await validateJvf(preview.text)).valid).toBe(true);
    expect(readJvf(preview.text).records).toHaveLength(3);
    const report = await agent.get(`/api/dtm/${CHOMUTOV}.json`).expect(200);
    expect(report.body).toMatchObject({ kind: 'complete', records: { i: 3, u: 0, d: 0 }, valid: true, unmapped: [] });
    // a write needs the session's CSRF token
    await agent.post(URL).expect(403);
    const delivered = await agent.post(URL).set('x-csrf-token', csrf).expect(200);
    expect(delivered.headers['content-disposition']).toMatch(new RegExp(`attachment; filename="dtm-${CHOMUTOV}-kompletni-`));
    expect(delivered.headers['x-dtm-delivery']).toMatch(/^\d+$/);
    expect(readJvf(delivered.text).kind).toBe('kompletní zápis');
    // after one edit the change delivery holds just that one
    await sql`UPDATE layer_svetelne_body SET prikon = 42 WHERE fid = (SELECT min(fid) FROM layer_svetelne_body)`.execute(database.db);
    const changes = await agent.post(`${URL}?changes=true`).set('x-csrf-token', csrf).expect(200);
    expect(changes.headers['x-dtm-kind']).toBe('changes');
    const jvf = readJvf(changes.text);
    expect(jvf.kind).toBe('změnové věty');
    expect(jvf.records.map((r) => r.op)).toEqual(['u']);
    expect((await validateJvf(changes.text)).valid).toBe(true);
  });

  it('a fibre-network chamber entered in the editor is in the next change delivery (new layer type: editable and exportable)', async () => {
    const { agent, csrf } = await login('editor@chomutov.test');
    const at = (await sql<{ x: number; y: number }>`SELECT ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y FROM layer_obce WHERE kod = ${CHOMUTOV}`.execute(database.db)).rows[0]!;
    const created = await agent
      .post('/api/collections/opticka-sit-komory/items')
      .set('x-csrf-token', csrf)
      .set('content-type', 'application/geo+json')
      .send({ type: 'Feature', geometry: { type: 'Point', coordinates: [at.x, at.y] }, properties: { oznaceni: 'KK-01', druh: 'kabelova-komora', provoz: 'provozovano' } })
      .expect(201);
    const changes = await agent.post(`${URL}?changes=true`).set('x-csrf-token', csrf).expect(200);
    const records = readJvf(changes.text).records;
    expect(records.map((r) => `${r.op} ${r.element} ${r.attributes.get('IDExterni')}`)).toEqual([`i SdilenyObjektTI opticka-sit-komory/${created.body.id}`]);
    expect(records[0]!.attributes.get('TypSdilenehoObjektuTI')).toBe('10');
    expect(records[0]!.attributes.get('EvidencniCisloObjektu')).toBe('KK-01');
    expect((await validateJvf(changes.text)).valid).toBe(true);
  });

  it('an administrator may export any municipality', async () => {
    const { agent } = await login('admin@chomutov.test');
    const r = await agent.get(`/api/dtm/${other}.xml`).expect(200);
    expect(readJvf(r.text).records).toEqual([]);
  });
});
