import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Server } from 'node:http';
import { sql } from 'kysely';
import { testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { createApp } from '../app.ts';
import { createUser } from '../auth/users.ts';
import { DEFAULT_AUTH } from '../auth/config.ts';
import { nearestAddress } from '../search/address.ts';
import { openHarness } from './conformance/harness.ts';
import { layers } from '../../schemas/index.ts';
import { hasNearestAddress, NEAREST_ADDRESS_MAX_METRES } from '../../schemas/derived.ts';

const LAYER = 'stanoviste-trideneho-odpadu';
const ITEMS = `/api/collections/${LAYER}/items`;
const PASSWORD = 'správné-heslo-123';

interface Feature {
  id: number;
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: Record<string, unknown>;
}

/**
 * Issue 17.5: every point pasport feature carries its nearest RÚIAN address (code and text) as
 * derived, read-only attributes, refreshed on import and edit and when addresses change, and shown
 * in items, downloads and the catalogue.
 */
describe.each(testBackends())('nearest address of point features on %s', (backend) => {
  let database: Database;
  let server: Server;
  let close: (() => Promise<void>) | undefined;
  let admin: { agent: request.Agent; csrf: string };

  const feature = async (fid: number) => (await request(server).get(`${ITEMS}/${fid}`).expect(200)).body as Feature;
  /** what `/api/search/reverse` answers for a point: the address text and the address point's RÚIAN code */
  const expected = async (lon: number, lat: number) => {
    const hit = await nearestAddress(database.db, lon, lat, NEAREST_ADDRESS_MAX_METRES);
    if (!hit) return null;
    const r = await sql<{ kod: number }>`SELECT kod FROM layer_adresni_mista WHERE fid = ${hit.id}`.execute(database.db);
    return { code: r.rows[0]!.kod, text: hit.title };
  };
  const husova12 = async () => {
    const r = await request(server).get(`/api/search?q=${encodeURIComponent('Husova 1234/12')}`).expect(200);
    return r.body.hits[0] as { title: string; point: [number, number] };
  };

  beforeAll(async () => {
    let app: Server;
    ({ database, server: app, close } = await openHarness(backend));
    app.close();
    await createUser(database.db, 'admin-adresy@chomutov.test', PASSWORD, { role: 'admin' });
    server = createApp({ database, auth: { ...DEFAULT_AUTH, loginRateLimit: 1000 } }).listen(0);
    const agent = request.agent(server);
    const res = await agent.post('/api/auth/login').send({ email: 'admin-adresy@chomutov.test', password: PASSWORD }).expect(200);
    admin = { agent, csrf: res.body.csrfToken as string };
  });
  afterAll(async () => {
    server?.close();
    await close?.();
  });

  it('derives the attributes for the point layers of pasports only', () => {
    const derived = layers.filter(hasNearestAddress).map((l) => l.id);
    expect(derived).toContain(LAYER);
    expect(derived).toContain('stromy');
    expect(derived).not.toContain('adresni-mista');
    expect(layers.filter((l) => l.geometryType !== 'Point' && hasNearestAddress(l))).toEqual([]);
  });

  it('gives every seeded point feature the address the reverse lookup finds, or none beyond reach', async () => {
    const res = await request(server).get(`${ITEMS}?limit=1000`).expect(200);
    const features = res.body.features as Feature[];
    expect(features.length).toBeGreaterThan(5);
    let withAddress = 0;
    for (const f of features) {
      const [lon, lat] = f.geometry.coordinates;
      const near = await expected(lon, lat);
      expect({ code: f.properties.adresni_misto_kod, text: f.properties.adresni_misto }, `feature ${f.id}`)
        .toEqual(near ?? { code: null, text: null });
      if (near) withAddress++;
    }
    // the synthetic addresses cover a few streets of Chomutov: some sites are by one, some not
    expect(withAddress).toBeGreaterThan(0);
  });

  it('derives it when staff place a feature, keeps it on attribute edits, re-derives it on a move, and ignores attempts to set it', async () => {
    const target = await husova12();
    const [lon, lat] = target.point;
    const created = await admin.agent.post(ITEMS).set('x-csrf-token', admin.csrf)
      .send({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon + 0.00002, lat] }, properties: { nazev: 'U Husovy', pristup: 'volne', adresni_misto: 'Falešná 1' } })
      .expect(201);
    const fid = created.body.id as number;
    let f = await feature(fid);
    expect(f.properties.adresni_misto).toBe('Husova 1234/12, Chomutov');
    const code = f.properties.adresni_misto_kod as number;
    expect(code).toBe((await expected(lon + 0.00002, lat))!.code);

    // an attribute edit: same address, same geometry; a try to overwrite the derived value is ignored
    let etag = (await request(server).get(`${ITEMS}/${fid}`)).headers.etag as string;
    await admin.agent.patch(`${ITEMS}/${fid}`).set('x-csrf-token', admin.csrf).set('If-Match', etag)
      .send({ properties: { nazev: 'U Husovy 12', adresni_misto_kod: 1 } }).expect(200);
    f = await feature(fid);
    expect(f.properties).toMatchObject({ nazev: 'U Husovy 12', adresni_misto: 'Husova 1234/12, Chomutov', adresni_misto_kod: code });

    // moved beyond reach of every address: no nearest address
    etag = (await request(server).get(`${ITEMS}/${fid}`)).headers.etag as string;
    // next to a seeded site of Chomutov that no address point is near
    const lonely = await sql<{ x: number; y: number }>`SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM layer_stanoviste_trideneho_odpadu
      WHERE municipality_code = 562971 AND adresni_misto_kod IS NULL ORDER BY fid LIMIT 1`.execute(database.db);
    const far: [number, number] = [lonely.rows[0]!.x + 0.00001, lonely.rows[0]!.y];
    expect(await expected(...far)).toBeNull();
    await admin.agent.patch(`${ITEMS}/${fid}`).set('x-csrf-token', admin.csrf).set('If-Match', etag)
      .send({ geometry: { type: 'Point', coordinates: far } }).expect(200);
    f = await feature(fid);
    expect(f.properties.adresni_misto).toBeNull();
    expect(f.properties.adresni_misto_kod).toBeNull();
  });

  it('re-derives features near address points that change, without a new version or history row', async () => {
    const { db } = database;
    const target = await husova12();
    const [lon, lat] = target.point;
    // a feature 60 m east of Husova 12, then a new address point put right next to it
    const created = await admin.agent.post(ITEMS).set('x-csrf-token', admin.csrf)
      .send({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon + 0.00085, lat] }, properties: { nazev: 'Za rohem', pristup: 'volne' } })
      .expect(201);
    const fid = created.body.id as number;
    const before = await feature(fid);
    const version = async () => (await sql<{ version: number }>`SELECT version FROM layer_stanoviste_trideneho_odpadu WHERE fid = ${fid}`.execute(db)).rows[0]!.version;
    const history = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM feature_history WHERE layer_id = ${LAYER} AND fid = ${fid}`.execute(db)).rows[0]!.n;
    const v0 = await version();
    const h0 = await history();
    const modified = async () => (await sql<{ m: string }>`SELECT modified_at::text AS m FROM layer_state WHERE layer_id = ${LAYER}`.execute(db)).rows[0]!.m;
    const m0 = await modified();

    // as an import writes them: one statement on the address table
    await sql`INSERT INTO layer_adresni_mista (source_id, municipality_code, kod, adresa, cislo, typ_so, cislo_domovni, obec, geom, content_hash)
      VALUES ('test:999000001', 562971, 999000001, 'Zkušební 1, Chomutov', '1', 'cp', 1, 'Chomutov',
              ST_SetSRID(ST_MakePoint(${lon + 0.00086}, ${lat}), 4326), 'x')`.execute(db);
    const after = await feature(fid);
    expect(before.properties.adresni_misto).not.toBe('Zkušební 1, Chomutov');
    expect(after.properties).toMatchObject({ adresni_misto_kod: 999000001, adresni_misto: 'Zkušební 1, Chomutov' });
    expect(await version()).toBe(v0);
    expect(await history()).toBe(h0);
    // caches and the catalogue learn of it as of any other change of the layer
    expect(await modified()).not.toBe(m0);

    // the address is withdrawn: back to the one before
    await sql`DELETE FROM layer_adresni_mista WHERE kod = 999000001`.execute(db);
    expect((await feature(fid)).properties.adresni_misto_kod).toBe(before.properties.adresni_misto_kod);
  });

  it('publishes the attributes in downloads and the catalogue schema as read-only', async () => {
    const csv = await request(server).get(`/api/downloads/${LAYER}.csv`).buffer(true).parse((res, cb) => {
      let s = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (s += c));
      res.on('end', () => cb(null, s));
    }).expect(200);
    const header = (csv.body as string).replace(/^\uFEFF/, '').split(/\r?\n/)[0]!.split(/[;,]/);
    expect(header).toEqual(expect.arrayContaining(['adresni_misto_kod', 'adresni_misto']));
    expect(csv.body as string).toContain('Husova 1234/12');

    const schema = await request(server).get(`/api/collections/${LAYER}/schema`).expect(200);
    expect(schema.body.properties.adresni_misto).toMatchObject({ type: 'string', readOnly: true });
    expect(schema.body.properties.adresni_misto_kod).toMatchObject({ readOnly: true });
  });
});
