import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { createApp } from '../../app.ts';
import { createUser } from '../../auth/users.ts';
import { zipFiles } from '../../downloads/zip.ts';

const LAYER = 'stanoviste-trideneho-odpadu';
const TABLE = 'layer_stanoviste_trideneho_odpadu';
const PASSWORD = 'heslo-pro-import-123';
const FIXTURE = join(import.meta.dirname, '../../../etl/test/fixtures/kontejnery_cp1250');
const PARTS = ['kontejnery.shp', 'kontejnery.shx', 'kontejnery.dbf', 'kontejnery.prj', 'kontejnery.cpg'];
const MAX_BYTES = 1_000_000;

type Agent = ReturnType<typeof request.agent>;
interface Session {
  agent: Agent;
  csrf: string;
  userId: number;
}

/** SSE text as the events it holds */
function events(text: string): { event: string; data: Record<string, unknown> }[] {
  return text
    .split('\n\n')
    .map((block) => ({ event: /^event: (.+)$/m.exec(block)?.[1], data: /^data: (.+)$/m.exec(block)?.[1] }))
    .filter((e): e is { event: string; data: string } => !!e.event && !!e.data)
    .map((e) => ({ event: e.event, data: JSON.parse(e.data) as Record<string, unknown> }));
}

const asText = (res: request.Response, cb: (err: Error | null, body: string) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  let d = '';
  stream.on('data', (c: Buffer) => (d += c.toString('utf8')));
  stream.on('end', () => cb(null, d));
};

/** Issue 16.2: imports from the portal — upload, preview, confirm, live progress, report, saved mappings, scope by role. */
describe.each(testBackends())('imports from the portal (API) on %s', (backend) => {
  let database: Database;
  let server: Server;
  let dataDir: string;
  let admin: Session;
  let editor: Session;
  let reader: Session;
  let codeA: number;
  let codeB: number;
  let zip: string;

  async function login(email: string, userId: number): Promise<Session> {
    const agent = request.agent(server);
    const res = await agent.post('/api/auth/login').send({ email, password: PASSWORD }).expect(200);
    return { agent, csrf: res.body.csrfToken as string, userId };
  }

  async function upload(s: Session, files: { name: string; bytes: Buffer }[]): Promise<string> {
    const created = await s.agent.post('/api/etl/uploads').set('x-csrf-token', s.csrf).expect(201);
    const id = created.body.id as string;
    for (const f of files) await s.agent.put(`/api/etl/uploads/${id}/files/${encodeURIComponent(f.name)}`).set('x-csrf-token', s.csrf).type('application/octet-stream').send(f.bytes).expect(201);
    return id;
  }

  async function runToEnd(s: Session, id: string, body: Record<string, unknown>) {
    await s.agent.post(`/api/etl/uploads/${id}/run`).set('x-csrf-token', s.csrf).send(body).expect(202);
    const res = await s.agent.get(`/api/etl/uploads/${id}/events`).buffer(true).parse(asText).expect(200);
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    return events(res.body as string);
  }

  async function rowsOutside(code: number) {
    return (await sql<{ fid: string; content_hash: string }>`SELECT fid::text, content_hash FROM ${sql.raw(TABLE)} WHERE municipality_code IS DISTINCT FROM ${code} ORDER BY fid`.execute(database.db)).rows;
  }

  beforeAll(async () => {
    database = await openTestDatabase(backend, { seeded: true });
    dataDir = mkdtempSync(join(tmpdir(), 'geoportal-import-upload-'));
    server = createApp({ database, dataDir, importMaxBytes: MAX_BYTES }).listen(0);
    const { db } = database;
    const pick = await sql<{ code: number }>`SELECT municipality_code AS code FROM ${sql.raw(TABLE)} WHERE municipality_code IS NOT NULL
      GROUP BY municipality_code HAVING count(*) >= 3 ORDER BY count(*) DESC LIMIT 2`.execute(db);
    codeA = pick.rows[0]!.code;
    codeB = pick.rows[1]!.code;
    const a = await createUser(db, 'spravce@import.test', PASSWORD, { role: 'admin' });
    const e = await createUser(db, 'obec@import.test', PASSWORD, { role: 'municipality_editor', municipalityCode: codeA });
    const r = await createUser(db, 'ctenar@import.test', PASSWORD, { role: 'reader' });
    admin = await login('spravce@import.test', a.id);
    editor = await login('obec@import.test', e.id);
    reader = await login('ctenar@import.test', r.id);
    zip = join(dataDir, 'kontejnery.zip');
    await zipFiles(zip, PARTS.map((n) => ({ name: n, path: join(FIXTURE, n) })));
  }, 300_000);

  afterAll(async () => {
    server?.close();
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is for signed-in staff only, with the session CSRF token; errors are problem+json with a next step', async () => {
    await request(server).post('/api/etl/uploads').expect(401).expect('content-type', /problem\+json/);
    await reader.agent.post('/api/etl/uploads').set('x-csrf-token', reader.csrf).expect(403);
    await admin.agent.post('/api/etl/uploads').expect(403).expect((r) => expect(r.body.detail).toMatch(/CSRF/));
    const id = await upload(admin, []);
    // another clerk's upload does not exist for them
    await editor.agent.put(`/api/etl/uploads/${id}/files/a.geojson`).set('x-csrf-token', editor.csrf).send(Buffer.from('{}')).expect(404);
    const exe = await admin.agent.put(`/api/etl/uploads/${id}/files/virus.exe`).set('x-csrf-token', admin.csrf).type('application/octet-stream').send(Buffer.from('MZ')).expect(415);
    expect(exe.body.detail).toMatch(/Shapefile .*GeoPackage.*GeoJSON.*CSV/);
    const big = await admin.agent.put(`/api/etl/uploads/${id}/files/big.geojson`).set('x-csrf-token', admin.csrf).type('application/octet-stream').send(Buffer.alloc(MAX_BYTES + 10, 32)).expect(413);
    expect(big.body).toMatchObject({ status: 413, maxBytes: MAX_BYTES });
    expect(big.body.detail).toMatch(/limited to .* MB; split the file by municipality/);
    // a shapefile without its .dbf: refused at the preview, saying which part to add
    const shpOnly = await upload(admin, [{ name: 'kontejnery.shp', bytes: readFileSync(join(FIXTURE, 'kontejnery.shp')) }]);
    const noDbf = await admin.agent.post(`/api/etl/uploads/${shpOnly}/preview`).set('x-csrf-token', admin.csrf).send({ layer: LAYER }).expect(422);
    expect(noDbf.body.detail).toMatch(/lacks its \.dbf and \.shx part/);
    // no usable id: one message listing the candidates (16.1), no path of the server
    const fc = { type: 'FeatureCollection', features: [0, 1, 2].map((i) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [13.4, 50.46] }, properties: { ID: 1, OBJECTID: i === 1 ? '' : i, STATIONNAM: `S${i}` } })) };
    const noId = await upload(admin, [{ name: 'bez-id.geojson', bytes: Buffer.from(JSON.stringify(fc)) }]);
    const refused = await admin.agent.post(`/api/etl/uploads/${noId}/preview`).set('x-csrf-token', admin.csrf).send({ layer: LAYER }).expect(422);
    expect(refused.body.detail).toMatch(/^bez-id\.geojson: no column can serve as the stable source id.*candidates: ID \(value "1" repeats\), OBJECTID \(has empty values\)/);
    expect(refused.body.detail).not.toContain(dataDir);
    expect(refused.body.nextStep).toMatch(/sloupec s identifikátorem/);
  });

  it('a municipality editor imports only their municipality: rows elsewhere are rejected, other municipalities never change', async () => {
    const { db } = database;
    // synthetic: vendor columns of the Prague export, points in the editor's municipality A and one in B
    const pts = await sql<{ kod: number; x: number; y: number }>`SELECT kod, ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y FROM layer_obce WHERE kod IN (${codeA}, ${codeB})`.execute(db);
    const at = (kod: number, dx: number): [number, number] => {
      const p = pts.rows.find((r) => r.kod === kod)!;
      return [p.x + dx, p.y];
    };
    const vendor = (i: number, where: [number, number]) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: where },
      properties: { OBJECTID: 100 + i, ID: 9000 + i, STATIONNUM: `A/${i}`, STATIONNAM: `Synthetic site ${i}`, CITYDISTRI: 1, CITYDIST_1: 'Synthetic', PRISTUP: 'volně' },
    });
    const file = { type: 'FeatureCollection', name: 'SYNTHETIC test data', features: [vendor(1, at(codeA, 0)), vendor(2, at(codeA, 0.0001)), vendor(3, at(codeA, -0.0001)), vendor(4, at(codeB, 0))] };
    const before = await rowsOutside(codeA);
    const id = await upload(editor, [{ name: 'kontejnery-obec.geojson', bytes: Buffer.from(JSON.stringify(file)) }]);
    // a layer the role may not write, and another municipality asked for: refused / ignored
    await editor.agent.post(`/api/etl/uploads/${id}/preview`).set('x-csrf-token', editor.csrf).send({ layer: 'obce' }).expect(403);
    const p = await editor.agent.post(`/api/etl/uploads/${id}/preview`).set('x-csrf-token', editor.csrf).send({ layer: LAYER, municipality: codeB }).expect(200);
    expect(p.body).toMatchObject({ format: 'GeoJSON', municipality: codeA, idColumn: 'ID', mapping: { idField: 'ID', fields: { nazev: 'STATIONNAM', cislo_stanoviste: 'STATIONNUM', pristup: 'PRISTUP' } } });
    expect(p.body.features.features).toHaveLength(4);
    expect(p.body.dryRun).toMatchObject({ inserted: 3, rejected: 1 });
    expect(p.body.dryRun.rejects[0]).toMatchObject({ record: 4, field: 'geometry', reason: expect.stringMatching(/outside municipality/) });
    const existingA = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(TABLE)} WHERE municipality_code = ${codeA} AND source_id NOT LIKE 'edit:%'`.execute(db)).rows[0]!.n;
    expect(p.body.dryRun.withdrawn).toBe(existingA);
    expect(p.body.held).toMatch(/would withdraw \d+ of \d+ features/);
    // confirmed without accepting the withdrawal: the run is refused, nothing changes
    const refused = await runToEnd(editor, id, { layer: LAYER, mapping: p.body.mapping });
    expect(refused.at(-1)).toMatchObject({ event: 'failed', data: { detail: expect.stringMatching(/would withdraw/) } });
    expect(await rowsOutside(codeA)).toEqual(before);
    // accepted: A's features are the file's three, everything else untouched
    const done = await runToEnd(editor, id, { layer: LAYER, mapping: p.body.mapping, allowWithdraw: true });
    const last = done.at(-1)!;
    expect(last).toMatchObject({ event: 'done', data: { status: 'succeeded', counts: { inserted: 3, withdrawn: existingA, rejected: 1 } } });
    const runId = last.data.runId as number;
    const inA = await sql<{ source_id: string; nazev: string }>`SELECT source_id, nazev FROM ${sql.raw(TABLE)} WHERE municipality_code = ${codeA} AND source_id NOT LIKE 'edit:%' ORDER BY source_id`.execute(db);
    expect(inA.rows).toEqual([1, 2, 3].map((i) => ({ source_id: `${codeA}:${9000 + i}`, nazev: `Synthetic site ${i}` })));
    expect(await rowsOutside(codeA)).toEqual(before);
    // audited: who ran it
    const run = await request(server).get(`/api/etl/runs/${runId}`).expect(200);
    expect(run.body).toMatchObject({ trigger: `portal:user:${editor.userId}`, status: 'succeeded' });
    const audit = await sql<{ run_by: number; municipality_code: number }>`SELECT run_by::int AS run_by, municipality_code FROM import_upload WHERE run_id = ${runId}`.execute(db);
    expect(audit.rows).toEqual([{ run_by: editor.userId, municipality_code: codeA }]);
    // one run per upload
    await editor.agent.post(`/api/etl/uploads/${id}/run`).set('x-csrf-token', editor.csrf).send({ layer: LAYER, mapping: p.body.mapping }).expect(409);
  });

  it('an administrator imports the zipped Prague shapefile without a mapping file: ID detected, columns matched, hold, live progress, saved mapping', async () => {
    const id = await upload(admin, [{ name: 'kontejnery.zip', bytes: readFileSync(zip) }]);
    const p = await admin.agent.post(`/api/etl/uploads/${id}/preview`).set('x-csrf-token', admin.csrf).send({ layer: LAYER }).expect(200);
    expect(p.body).toMatchObject({ format: 'Shapefile (ZIP)', encoding: 'windows-1250', srid: 5514, idColumn: 'ID', count: 200, appliedMapping: null });
    expect(p.body.idSource).toMatch(/column ID \(chosen/);
    expect(p.body.mapping.fields).toMatchObject({ nazev: 'STATIONNAM', cislo_stanoviste: 'STATIONNUM', pristup: 'PRISTUP' });
    expect(p.body.suggestion.fields.map((f: { column: string }) => f.column)).toEqual(expect.arrayContaining(['STATIONNAM', 'STATIONNUM', 'PRISTUP']));
    expect(p.body.features.features).toHaveLength(20);
    const existing = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(TABLE)} WHERE source_id NOT LIKE 'edit:%'`.execute(database.db)).rows[0]!.n;
    expect(p.body.dryRun).toMatchObject({ read: 200, withdrawn: existing });
    expect(p.body.dryRun.inserted + p.body.dryRun.rejected).toBe(200);
    expect(p.body.held).toMatch(/it would empty the layer/);
    const ev = await runToEnd(admin, id, { layer: LAYER, mapping: p.body.mapping, allowWithdraw: true, saveMappingAs: 'IPR Praha – kontejnery', columns: p.body.columns });
    const progress = ev.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)!.data).toMatchObject({ read: 200, total: 200 });
    expect(ev.at(-1)).toMatchObject({ event: 'done', data: { status: 'succeeded', counts: { inserted: p.body.dryRun.inserted, withdrawn: existing } } });
    const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(TABLE)} WHERE source_id NOT LIKE 'edit:%'`.execute(database.db)).rows[0]!.n;
    expect(n).toBe(p.body.dryRun.inserted);

    // the next delivery of the same vendor file, as the shapefile's parts: the saved mapping is applied
    const again = await upload(admin, PARTS.map((name) => ({ name, bytes: readFileSync(join(FIXTURE, name)) })));
    const q = await admin.agent.post(`/api/etl/uploads/${again}/preview`).set('x-csrf-token', admin.csrf).send({ layer: LAYER }).expect(200);
    expect(q.body.format).toBe('Shapefile');
    expect(q.body.appliedMapping).toMatchObject({ name: 'IPR Praha – kontejnery' });
    expect(q.body.savedMappings[0]).toMatchObject({ name: 'IPR Praha – kontejnery', matches: true });
    expect(q.body.dryRun).toMatchObject({ inserted: 0, withdrawn: 0, unchanged: p.body.dryRun.inserted });
    expect(q.body.held).toBeNull();
    const list = await editor.agent.get(`/api/etl/mappings?layer=${LAYER}`).expect(200);
    expect(list.body.mappings.map((m: { name: string }) => m.name)).toContain('IPR Praha – kontejnery');
    // a mapping naming attributes the layer does not have is refused before anything runs
    const bad = await admin.agent.post(`/api/etl/uploads/${again}/preview`).set('x-csrf-token', admin.csrf).send({ layer: LAYER, mapping: { fields: { neexistuje: 'ID' } } }).expect(422);
    expect(bad.body).toMatchObject({ field: 'mapping', detail: expect.stringMatching(/no attribute neexistuje/) });
  });
});
