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
import { runAdminCli } from '../../auth/cli.ts';
import { bridgeMiddleware, runThroughServer } from '../../local-bridge.ts';

const LAYER = 'stanoviste-trideneho-odpadu';
const ITEMS = `/api/collections/${LAYER}/items`;
const PASSWORD = 'správné-heslo-123';
const samples = join(import.meta.dirname, '../../../etl');

interface Feature {
  id: number;
  type: 'Feature';
  geometry: { type: string; coordinates: number[] };
  properties: Record<string, unknown>;
}

describe.each(testBackends())('editing, accounts and history on %s', (backend) => {
  let database: Database;
  let server: Server;
  let dataDir: string;
  const api = () => request(server);
  let codeA: number;
  let codeB: number;
  let pointA: [number, number];
  let pointA2: [number, number];
  let pointB: [number, number];
  let featureA: number;
  let featureB: number;

  async function login(email: string, password = PASSWORD) {
    const agent = request.agent(server);
    const res = await agent.post('/api/auth/login').send({ email, password }).expect(200);
    return { agent, csrf: res.body.csrfToken as string, res };
  }

  async function etag(fid: number): Promise<string> {
    const res = await api().get(`${ITEMS}/${fid}`).expect(200);
    expect(res.headers.etag).toMatch(/^"\d+"$/);
    return res.headers.etag as string;
  }

  function newSite(at: [number, number], props: Record<string, unknown> = {}) {
    return { type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties: { nazev: 'Nové stanoviště', pristup: 'volne', ...props } };
  }

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const { db } = database;
    await importFile(db, { path: join(samples, 'samples/data/obce_orp_chomutov.geojson'), layerId: 'obce', mapping: loadMapping(join(samples, 'mappings/obce-ruian.json')) });
    await importFile(db, { path: join(samples, 'samples/data/chomutov_stanoviste_synthetic_sjtsk.geojson'), layerId: LAYER });
    // two municipalities that both have sites: A with at least two
    const pick = await sql<{ code: number; n: number }>`SELECT municipality_code AS code, count(*)::int AS n FROM layer_stanoviste_trideneho_odpadu
      GROUP BY municipality_code HAVING count(*) >= 2 ORDER BY count(*) DESC LIMIT 2`.execute(db);
    codeA = pick.rows[0]!.code;
    codeB = pick.rows[1]!.code;
    const pts = await sql<{ kod: number; x: number; y: number; x2: number; y2: number }>`SELECT kod,
        ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y,
        ST_X(ST_ClosestPoint(geom, ST_Centroid(geom))) AS x2, ST_Y(ST_ClosestPoint(geom, ST_Centroid(geom))) AS y2
      FROM layer_obce WHERE kod IN (${codeA}, ${codeB})`.execute(db);
    const a = pts.rows.find((r) => r.kod === codeA)!;
    const b = pts.rows.find((r) => r.kod === codeB)!;
    pointA = [a.x, a.y];
    pointA2 = [a.x2, a.y2];
    pointB = [b.x, b.y];
    const fa = await sql<{ fid: number }>`SELECT t.fid FROM layer_stanoviste_trideneho_odpadu t JOIN layer_obce o ON o.kod = t.municipality_code
      WHERE t.municipality_code = ${codeA} AND ST_CoveredBy(t.geom, o.geom) ORDER BY t.fid LIMIT 1`.execute(db);
    const fb = await sql<{ fid: number }>`SELECT fid FROM layer_stanoviste_trideneho_odpadu WHERE municipality_code = ${codeB} ORDER BY fid LIMIT 1`.execute(db);
    featureA = fa.rows[0]!.fid;
    featureB = fb.rows[0]!.fid;
    await createUser(db, 'admin@chomutov.test', PASSWORD, { role: 'admin' });
    await createUser(db, 'editor-a@obec.test', PASSWORD, { role: 'municipality_editor', municipalityCode: codeA });
    await createUser(db, 'odbor@chomutov.test', PASSWORD, { role: 'department_editor', layers: ['obce'] });
    await createUser(db, 'ctenar@chomutov.test', PASSWORD, { role: 'reader' });
    await createUser(db, 'lockme@chomutov.test', PASSWORD, { role: 'reader' });
    await createUser(db, 'zamek@chomutov.test', PASSWORD, { role: 'reader' });
    dataDir = mkdtempSync(join(tmpdir(), 'geoportal-att-'));
    server = createApp({ database, dataDir, auth: { ...DEFAULT_AUTH, loginRateLimit: 1000 } }).listen(0);
  }, 120_000);

  afterAll(async () => {
    server?.close();
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses anonymous writes with 401 and readers with 403', async () => {
    await api().post(ITEMS).send(newSite(pointA)).expect(401).expect('Content-Type', /problem\+json/);
    await api().patch(`${ITEMS}/${featureA}`).set('If-Match', await etag(featureA)).send({ properties: { nazev: 'x' } }).expect(401);
    await api().delete(`${ITEMS}/${featureA}`).set('If-Match', '*').expect(401);
    const reader = await login('ctenar@chomutov.test');
    await reader.agent.post(ITEMS).set('x-csrf-token', reader.csrf).send(newSite(pointA)).expect(403);
    // a department editor only edits their layers
    const dept = await login('odbor@chomutov.test');
    await dept.agent.post(ITEMS).set('x-csrf-token', dept.csrf).send(newSite(pointA)).expect(403);
  });

  it('sets an HttpOnly SameSite session cookie, Secure when configured, and rejects writes without the CSRF token', async () => {
    const { agent, csrf, res } = await login('editor-a@obec.test');
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    const session = cookies.find((c) => c.startsWith('geoportal_session='))!;
    expect(session).toMatch(/httponly/i);
    expect(session).toMatch(/samesite=lax/i);
    expect(session).not.toMatch(/;\s*secure/i);
    await agent.post(ITEMS).send(newSite(pointA)).expect(403).expect((r) => expect(r.body.detail).toMatch(/CSRF/));
    await agent.post(ITEMS).set('x-csrf-token', 'wrong').send(newSite(pointA)).expect(403);
    const me = await agent.get('/api/auth/me').expect(200);
    expect(me.body.user.email).toBe('editor-a@obec.test');
    expect(me.body.csrfToken).toBe(csrf);
    const secureApp = createApp({ database, dataDir, auth: { ...DEFAULT_AUTH, cookieSecure: true } }).listen(0);
    try {
      const r = await request(secureApp).post('/api/auth/login').send({ email: 'ctenar@chomutov.test', password: PASSWORD }).expect(200);
      expect(([] as string[]).concat(r.headers['set-cookie'] ?? []).find((c) => c.startsWith('geoportal_session='))).toMatch(/;\s*secure/i);
    } finally {
      secureApp.close();
    }
    await agent.post('/api/auth/logout').set('x-csrf-token', csrf).expect(204);
    expect((await agent.get('/api/auth/me').expect(200)).body.user).toBeNull();
    await agent.post(ITEMS).set('x-csrf-token', csrf).send(newSite(pointA)).expect(401);
  });

  it('lets a municipality editor create and edit inside their municipality only (403 elsewhere or when moving out)', async () => {
    const { agent, csrf } = await login('editor-a@obec.test');
    const created = await agent.post(ITEMS).set('x-csrf-token', csrf).set('Content-Type', 'application/geo+json').send(JSON.stringify(newSite(pointA))).expect(201);
    expect(created.headers.etag).toMatch(/^"\d+"$/);
    expect(created.headers.location).toMatch(new RegExp(`${ITEMS}/${created.body.id}$`));
    expect(created.body.properties.obec_kod).toBe(codeA);
    // visible to everyone at once
    const read = await api().get(`${ITEMS}/${created.body.id}`).expect(200);
    expect(read.body.properties.nazev).toBe('Nové stanoviště');
    expect(read.headers.etag).toBe(created.headers.etag);

    // B's feature: 403, nothing changed
    const beforeB = (await api().get(`${ITEMS}/${featureB}`).expect(200)).body;
    await agent.patch(`${ITEMS}/${featureB}`).set('x-csrf-token', csrf).set('If-Match', await etag(featureB)).send({ properties: { nazev: 'cizí' } }).expect(403);
    await agent.delete(`${ITEMS}/${featureB}`).set('x-csrf-token', csrf).set('If-Match', await etag(featureB)).expect(403);
    expect((await api().get(`${ITEMS}/${featureB}`).expect(200)).body).toEqual(beforeB);
    // creating in B, claiming B, or moving own feature to B: 403
    await agent.post(ITEMS).set('x-csrf-token', csrf).send(newSite(pointB)).expect(403);
    await agent.post(ITEMS).set('x-csrf-token', csrf).send(newSite(pointA, { obec_kod: codeB })).expect(403);
    await agent
      .patch(`${ITEMS}/${created.body.id}`)
      .set('x-csrf-token', csrf)
      .set('If-Match', created.headers.etag as string)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ geometry: { type: 'Point', coordinates: pointB } }))
      .expect(403);
    // moving within A is fine
    const moved = await agent
      .patch(`${ITEMS}/${created.body.id}`)
      .set('x-csrf-token', csrf)
      .set('If-Match', created.headers.etag as string)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ geometry: { type: 'Point', coordinates: pointA2 }, properties: { pocet_kontejneru: 3 } }))
      .expect(200);
    expect(moved.body.geometry.coordinates[0]).toBeCloseTo(pointA2[0], 6);
    expect(moved.body.properties).toMatchObject({ nazev: 'Nové stanoviště', pristup: 'volne', pocet_kontejneru: 3, obec_kod: codeA });
  });

  it('answers invalid content with 422 listing every invalid field', async () => {
    const admin = await login('admin@chomutov.test');
    const bad = await admin.agent
      .post(ITEMS)
      .set('x-csrf-token', admin.csrf)
      .send({ type: 'Feature', geometry: { type: 'LineString', coordinates: [pointA, pointA2] }, properties: { pristup: 'nikdy', pocet_kontejneru: -1, barva: 'modrá', stav: 3 } })
      .expect(422)
      .expect('Content-Type', /problem\+json/);
    const fields = bad.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['barva', 'geometry', 'nazev', 'pocet_kontejneru', 'pristup', 'stav']);
    // a geometry outside the municipality it claims
    const outside = await admin.agent.post(ITEMS).set('x-csrf-token', admin.csrf).send(newSite(pointB, { obec_kod: codeA })).expect(422);
    expect(outside.body.errors).toEqual([{ field: 'geometry', reason: expect.stringContaining(String(codeA)) }]);
    // malformed geometry is a 422, not a 500
    await admin.agent.post(ITEMS).set('x-csrf-token', admin.csrf).send({ type: 'Feature', geometry: { type: 'Point', coordinates: ['x', 1] }, properties: { nazev: 'a' } }).expect(422);
    // an admin without obec_kod gets it from the location
    const located = await admin.agent.post(ITEMS).set('x-csrf-token', admin.csrf).send(newSite(pointB)).expect(201);
    expect(located.body.properties.obec_kod).toBe(codeB);
  });

  it('requires If-Match (428) and refuses a stale one (412) leaving the newer data intact', async () => {
    const { agent, csrf } = await login('editor-a@obec.test');
    const url = `${ITEMS}/${featureA}`;
    await agent.patch(url).set('x-csrf-token', csrf).send({ properties: { poznamka: 'bez verze' } }).expect(428);
    await agent.put(url).set('x-csrf-token', csrf).send(newSite(pointA)).expect(428);
    await agent.delete(url).set('x-csrf-token', csrf).expect(428);
    const old = await etag(featureA);
    const first = await agent.patch(url).set('x-csrf-token', csrf).set('If-Match', old).send({ properties: { poznamka: 'první' } }).expect(200);
    expect(first.headers.etag).not.toBe(old);
    await agent.patch(url).set('x-csrf-token', csrf).set('If-Match', old).send({ properties: { poznamka: 'přepsáno' } }).expect(412);
    await agent.put(url).set('x-csrf-token', csrf).set('If-Match', old).send(newSite(pointA, { nazev: 'přepsáno' })).expect(412);
    await agent.delete(url).set('x-csrf-token', csrf).set('If-Match', old).expect(412);
    const now = await api().get(url).expect(200);
    expect(now.body.properties.poznamka).toBe('první');
    expect(now.headers.etag).toBe(first.headers.etag);
    // weak tags never match (strong comparison)
    await agent.patch(url).set('x-csrf-token', csrf).set('If-Match', `W/${first.headers.etag}`).send({ properties: { poznamka: 'slabá' } }).expect(412);
  });

  it('applies 50 concurrent PATCHes in order or rejects them with 412; none is lost and history is complete', async () => {
    const { agent, csrf } = await login('editor-a@obec.test');
    const url = `${ITEMS}/${featureA}`;
    // read through the history API (its contract), whatever the storage behind it
    type Change = { version: number; actor: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null };
    const changes = async (): Promise<Change[]> => (await agent.get(`${url}/history`).expect(200)).body.versions as Change[];
    const maxVersion = async () => Math.max(...(await changes()).map((c) => c.version));

    // 50 writers race with the same If-Match: exactly one is applied, the others are refused, nothing is half-written
    const tag = (await api().get(url).expect(200)).headers.etag as string;
    const v0 = await maxVersion();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        agent.patch(url).set('x-csrf-token', csrf).set('If-Match', tag).send({ properties: { poznamka: `zápis ${i}`, pocet_kontejneru: 0 } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(49);
    const winner = results.find((r) => r.status === 200)!;
    const now = await api().get(url).expect(200);
    expect(now.body.properties.poznamka).toBe(winner.body.properties.poznamka);
    const raced = (await changes()).filter((c) => c.version > v0);
    expect(raced.map((r) => r.after!.poznamka)).toEqual([winner.body.properties.poznamka]);

    // 10 writers each add one, re-reading after a 412: every increment lands, in order, each in the history
    const v1 = await maxVersion();
    let rejected = 0;
    const client = async () => {
      for (;;) {
        const cur = await api().get(url).expect(200);
        const res = await agent
          .patch(url)
          .set('x-csrf-token', csrf)
          .set('If-Match', cur.headers.etag as string)
          .send({ properties: { pocet_kontejneru: (cur.body.properties.pocet_kontejneru as number) + 1 } });
        if (res.status === 200) return;
        expect(res.status).toBe(412);
        rejected++;
      }
    };
    await Promise.all(Array.from({ length: 10 }, client));
    expect((await api().get(url).expect(200)).body.properties.pocet_kontejneru).toBe(10);
    const hist = (await changes()).filter((c) => c.version > v1);
    expect(hist).toHaveLength(10);
    hist.forEach((h, i) => {
      expect(h.before!.pocet_kontejneru).toBe(i);
      expect(h.after!.pocet_kontejneru).toBe(i + 1);
      expect(h.actor).toMatch(/^user:\d+$/);
    });
    expect(rejected).toBeGreaterThan(0);
  });

  it('round-trips XSS payloads and SQL metacharacters verbatim', async () => {
    const admin = await login('admin@chomutov.test');
    const nasty = `<script>alert("x")</script><img src=x onerror=alert(1)>'; DROP TABLE app_user; -- "\\ %_ $1 ${'${x}'}`;
    const created = await admin.agent.post(ITEMS).set('x-csrf-token', admin.csrf).send(newSite(pointA, { nazev: nasty, poznamka: "O'Brien \"\" ;--" })).expect(201);
    const read = await api().get(`${ITEMS}/${created.body.id}`).expect(200);
    expect(read.body.properties.nazev).toBe(nasty);
    expect(read.body.properties.poznamka).toBe("O'Brien \"\" ;--");
    const users = await sql<{ n: number }>`SELECT count(*)::int AS n FROM app_user`.execute(database.db);
    expect(users.rows[0]!.n).toBeGreaterThanOrEqual(5);
  });

  it('issues API tokens scoped like the user, exempt from CSRF, and refuses revoked ones with 401', async () => {
    const { agent, csrf } = await login('editor-a@obec.test');
    const t = await agent.post('/api/auth/tokens').set('x-csrf-token', csrf).send({ name: 'skript' }).expect(201);
    expect(t.body.token).toMatch(/^gpt_/);
    const stored = await sql<{ token_hash: string }>`SELECT token_hash FROM api_token WHERE id = ${t.body.id}`.execute(database.db);
    expect(stored.rows[0]!.token_hash).not.toContain(t.body.token);
    const bearer = `Bearer ${t.body.token}`;
    const created = await api().post(ITEMS).set('Authorization', bearer).send(newSite(pointA, { nazev: 'ze skriptu' })).expect(201);
    // scoped like the user: B stays out of reach
    await api().patch(`${ITEMS}/${featureB}`).set('Authorization', bearer).set('If-Match', await etag(featureB)).send({ properties: { nazev: 'x' } }).expect(403);
    const list = await agent.get('/api/auth/tokens').expect(200);
    expect(list.body.tokens.map((x: { name: string }) => x.name)).toContain('skript');
    await agent.delete(`/api/auth/tokens/${t.body.id}`).set('x-csrf-token', csrf).expect(204);
    await api().patch(`${ITEMS}/${created.body.id}`).set('Authorization', bearer).set('If-Match', created.headers.etag as string).send({ properties: { nazev: 'y' } }).expect(401);
    await api().get('/api/auth/tokens').set('Authorization', 'Bearer gpt_nonsense').expect(401);
  });

  it('records every change with author, before and after; restores deleted features; reads a layer as of a time', async () => {
    const { agent, csrf } = await login('editor-a@obec.test');
    const created = await agent.post(ITEMS).set('x-csrf-token', csrf).send(newSite(pointA, { nazev: 'Historie' })).expect(201);
    const fid = created.body.id as number;
    const t1 = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const edited = await agent.patch(`${ITEMS}/${fid}`).set('x-csrf-token', csrf).set('If-Match', created.headers.etag as string).send({ properties: { nazev: 'Historie 2' } }).expect(200);
    await agent.delete(`${ITEMS}/${fid}`).set('x-csrf-token', csrf).set('If-Match', edited.headers.etag as string).expect(204);
    await api().get(`${ITEMS}/${fid}`).expect(404);
    await api().get(`${ITEMS}/${fid}/history`).expect(401);
    const h = await agent.get(`${ITEMS}/${fid}/history`).expect(200);
    expect(h.body.versions.map((v: { op: string }) => v.op)).toEqual(['insert', 'update', 'delete']);
    for (const v of h.body.versions) expect(v.actorEmail).toBe('editor-a@obec.test');
    expect(h.body.versions[1].before.nazev).toBe('Historie');
    expect(h.body.versions[1].after.nazev).toBe('Historie 2');
    expect(h.body.versions[1].after.geom.type).toBe('Point');
    expect(h.body.versions[2].after).toBeNull();

    // as of t1 the feature existed with its first name; now it is gone
    const asOf = await api().get(`${ITEMS}?asOf=${t1.toISOString()}&limit=10000`).expect(200);
    const then = asOf.body.features.find((f: Feature) => f.id === fid);
    expect(then.properties.nazev).toBe('Historie');
    const live = await api().get(`${ITEMS}?asOf=${new Date(Date.now() + 1000).toISOString()}&limit=10000`).expect(200);
    expect(live.body.features.some((f: Feature) => f.id === fid)).toBe(false);
    await api().get(`${ITEMS}?asOf=včera`).expect(400);

    // restoring the deleted state re-creates it (same id), as a new audited version
    const restored = await agent.post(`${ITEMS}/${fid}/history/3/restore`).set('x-csrf-token', csrf).expect(200);
    expect(restored.body.properties.nazev).toBe('Historie 2');
    expect((await api().get(`${ITEMS}/${fid}`).expect(200)).body.properties.nazev).toBe('Historie 2');
    // restoring version 1 over the live feature needs its ETag
    await agent.post(`${ITEMS}/${fid}/history/1/restore`).set('x-csrf-token', csrf).expect(412);
    const back = await agent.post(`${ITEMS}/${fid}/history/1/restore`).set('x-csrf-token', csrf).set('If-Match', restored.headers.etag as string).expect(200);
    expect(back.body.properties.nazev).toBe('Historie');
    const h2 = await agent.get(`${ITEMS}/${fid}/history`).expect(200);
    expect(h2.body.versions.map((v: { op: string }) => v.op)).toEqual(['insert', 'update', 'delete', 'insert', 'update']);
  });

  it('records ETL imports as versions: the live row names the run, a first import writes no history rows (issue 16.3)', async () => {
    const { agent } = await login('editor-a@obec.test');
    const live = await sql<{ n: number; runs: number }>`SELECT count(*)::int AS n, count(*) FILTER (WHERE changed_by LIKE 'etl:run:%' AND change_source = 'import')::int AS runs
      FROM layer_stanoviste_trideneho_odpadu WHERE source_id NOT LIKE 'edit:%' AND version = 1`.execute(database.db);
    expect(live.rows[0]!.n).toBeGreaterThan(10);
    expect(live.rows[0]!.runs).toBe(live.rows[0]!.n);
    // the imported versions still current are not copied into the history table
    const copies = await sql<{ n: number }>`SELECT count(*)::int AS n FROM feature_history h JOIN layer_stanoviste_trideneho_odpadu t
      ON h.layer_id = ${LAYER} AND h.fid = t.fid AND h.version = t.version`.execute(database.db);
    expect(copies.rows[0]!.n).toBe(0);
    // and the change log still says who inserted them
    const untouched = await sql<{ fid: number }>`SELECT fid FROM layer_stanoviste_trideneho_odpadu WHERE source_id NOT LIKE 'edit:%' AND version = 1 ORDER BY fid LIMIT 1`.execute(database.db);
    const h = await agent.get(`${ITEMS}/${untouched.rows[0]!.fid}/history`).expect(200);
    expect(h.body.versions).toMatchObject([{ version: 1, op: 'insert', actor: expect.stringMatching(/^etl:run:\d+$/), before: null }]);
    expect(h.body.versions[0].after.source_id).toBeTypeOf('string');
    expect(h.body.versions[0].after.geom.type).toBe('Point');
    expect(h.body.versions[0].after.version).toBeUndefined();
  });

  it('keeps the audit table append-only even for the database owner the app connects as', async () => {
    const { db } = database;
    // the earlier tests' edits ended versions: there are rows to refuse changing
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM feature_history`.execute(db)).rows[0]!.n).toBeGreaterThan(0);
    await expect(sql`UPDATE feature_history SET changed_by = 'someone else'`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM feature_history`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE feature_history`.execute(db)).rejects.toThrow(/append-only/);
    const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM feature_history WHERE changed_by = 'someone else'`.execute(db);
    expect(n.rows[0]!.n).toBe(0);
  });

  it('locks an account after repeated wrong passwords and limits attempts per address', async () => {
    for (let i = 0; i < DEFAULT_AUTH.maxFailedLogins; i++)
      await api().post('/api/auth/login').send({ email: 'lockme@chomutov.test', password: 'špatně' }).expect(401);
    const locked = await api().post('/api/auth/login').send({ email: 'lockme@chomutov.test', password: PASSWORD }).expect(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // two instances over one database share the per-address limit (counted in the database)
    await sql`DELETE FROM login_client_throttle`.execute(database.db);
    const strict = createApp({ database, dataDir, auth: { ...DEFAULT_AUTH, loginRateLimit: 2 } }).listen(0);
    const strict2 = createApp({ database, dataDir, auth: { ...DEFAULT_AUTH, loginRateLimit: 2 } }).listen(0);
    try {
      await request(strict).post('/api/auth/login').send({ email: 'nikdo@x.test', password: 'a' }).expect(401);
      await request(strict2).post('/api/auth/login').send({ email: 'nikdo@x.test', password: 'a' }).expect(401);
      const limited = await request(strict).post('/api/auth/login').send({ email: 'admin@chomutov.test', password: PASSWORD }).expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      await request(strict2).post('/api/auth/login').send({ email: 'admin@chomutov.test', password: PASSWORD }).expect(429);
      // the address is kept only as a hash
      const kept = await sql<{ client_hash: string }>`SELECT client_hash FROM login_client_throttle`.execute(database.db);
      expect(kept.rows.length).toBeGreaterThan(0);
      for (const r of kept.rows) expect(r.client_hash).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      strict.close();
      strict2.close();
      await sql`DELETE FROM login_client_throttle`.execute(database.db);
    }
  });

  it('locks an address without an account exactly as an account, so the lockout does not reveal which addresses exist', async () => {
    const tries = (email: string) => api().post('/api/auth/login').send({ email, password: 'špatně' });
    const statuses = { known: [] as number[], unknown: [] as number[] };
    for (let i = 0; i <= DEFAULT_AUTH.maxFailedLogins; i++) {
      statuses.known.push((await tries('zamek@chomutov.test')).status);
      statuses.unknown.push((await tries('Nikdo.Neexistuje@Chomutov.test ')).status);
    }
    expect(statuses.unknown).toEqual(statuses.known);
    expect(statuses.unknown.at(-1)).toBe(429);
    const known = await tries('zamek@chomutov.test');
    const unknown = await tries('nikdo.neexistuje@chomutov.test');
    expect(unknown.body.detail).toBe(known.body.detail);
    expect(Number(unknown.headers['retry-after'])).toBeGreaterThan(0);
    // the submitted address is not kept, only its hash
    const kept = await sql<{ n: number }>`SELECT count(*)::int AS n FROM login_throttle WHERE email_hash LIKE '%@%'`.execute(database.db);
    expect(kept.rows[0]!.n).toBe(0);
  });

  it('lets administrators manage users; others may not', async () => {
    const admin = await login('admin@chomutov.test');
    const bad = await admin.agent.post('/api/admin/users').set('x-csrf-token', admin.csrf).send({ email: 'x', role: 'municipality_editor', password: 'short' }).expect(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'password', 'role']);
    const made = await admin.agent
      .post('/api/admin/users')
      .set('x-csrf-token', admin.csrf)
      .send({ email: 'editor-b@obec.test', role: 'municipality_editor', municipalityCode: codeB, password: PASSWORD })
      .expect(201);
    expect(made.body.user).not.toHaveProperty('password_hash');
    const b = await login('editor-b@obec.test');
    await b.agent.patch(`${ITEMS}/${featureB}`).set('x-csrf-token', b.csrf).set('If-Match', await etag(featureB)).send({ properties: { poznamka: 'B smí' } }).expect(200);
    await admin.agent.patch(`/api/admin/users/${made.body.user.id}`).set('x-csrf-token', admin.csrf).send({ role: 'reader' }).expect(200);
    // the role change ended B's session
    expect((await b.agent.get('/api/auth/me').expect(200)).body.user).toBeNull();
    const editor = await login('editor-a@obec.test');
    await editor.agent.get('/api/admin/users').expect(403);
    const list = await admin.agent.get('/api/admin/users').expect(200);
    expect(list.body.users.map((u: { email: string }) => u.email)).toContain('editor-b@obec.test');
  });

  it('stores photo attachments with type and size limits and serves them back', async () => {
    const { agent, csrf } = await login('editor-a@obec.test');
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 7)]);
    const up = await agent.post(`${ITEMS}/${featureA}/attachments?name=${encodeURIComponent('foto <1>.png')}`).set('x-csrf-token', csrf).set('Content-Type', 'image/png').send(png).expect(201);
    expect(up.body.fileName).toBe('foto <1>.png');
    const got = await api().get(new URL(up.body.href).pathname).expect(200).expect('Content-Type', 'image/png').expect('X-Content-Type-Options', 'nosniff');
    expect(Buffer.compare(got.body as Buffer, png)).toBe(0);
    await agent.post(`${ITEMS}/${featureA}/attachments`).set('x-csrf-token', csrf).set('Content-Type', 'image/png').send(Buffer.from('<svg onload=alert(1)>')).expect(415);
    await agent.post(`${ITEMS}/${featureA}/attachments`).set('x-csrf-token', csrf).set('Content-Type', 'text/html').send('<b>x</b>').expect(415);
    await agent.post(`${ITEMS}/${featureB}/attachments`).set('x-csrf-token', csrf).set('Content-Type', 'image/png').send(png).expect(403);
    const list = await api().get(`${ITEMS}/${featureA}/attachments`).expect(200);
    expect(list.body.attachments).toHaveLength(1);
  });

  it('adds users from the admin CLI with the password from stdin, also through the running server', async () => {
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(`E ${l}`) };
    expect(await runAdminCli(['user', 'add', 'cli@chomutov.test', '--role', 'admin'], database.db, { ...io, input: 'krátké\n' })).toBe(1);
    expect(await runAdminCli(['user', 'add', 'cli@chomutov.test', '--role', 'admin'], database.db, { ...io, input: `${PASSWORD}\n` })).toBe(0);
    await login('cli@chomutov.test');
    // through the bridge: the client forwards the password; the output never contains it
    const lock = { pid: process.pid, port: 0, token: 'a'.repeat(64) };
    const bridged = createApp({ database, dataDir, extra: [bridgeMiddleware(lock, database.db, { admin: runAdminCli })] }).listen(0);
    try {
      const port = (bridged.address() as { port: number }).port;
      const lines: string[] = [];
      const code = await runThroughServer({ ...lock, port }, 'admin', ['user', 'add', 'most@chomutov.test', '--role', 'municipality_editor', '--municipality', String(codeA)], { out: (l) => lines.push(l), err: (l) => lines.push(l) }, `${PASSWORD}\n`);
      expect(code).toBe(0);
      expect(lines.join('\n')).not.toContain(PASSWORD);
      expect(await runThroughServer({ ...lock, port }, 'admin', ['user', 'set-role', 'most@chomutov.test', '--role', 'reader'], { out: (l) => lines.push(l), err: (l) => lines.push(l) })).toBe(0);
      expect(await runThroughServer({ ...lock, port }, 'admin', ['user', 'list'], { out: (l) => lines.push(l), err: (l) => lines.push(l) })).toBe(0);
      expect(lines.some((l) => /most@chomutov\.test\treader/.test(l))).toBe(true);
    } finally {
      bridged.close();
    }
    await login('most@chomutov.test');
  });
});
