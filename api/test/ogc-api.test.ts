import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import type { Server } from 'node:http';
import { testBackends } from '../../sql/testing.ts';
import { openHarness } from './conformance/harness.ts';
import type { Database } from '../../sql/connection.ts';
import { getLayer, layers } from '../../schemas/index.ts';
import { createApp } from '../app.ts';
import { randomUUID } from 'node:crypto';
import { createUser } from '../auth/users.ts';
import { createApiToken } from '../auth/sessions.ts';
import { featureProperties } from '../features/properties.ts';
import { binary, decodeTile, tileFor } from './decode-tile.ts';

const SITES = 'stanoviste-trideneho-odpadu';
type Link = { rel: string; href: string; type?: string; templated?: boolean };
const rel = (links: Link[], r: string) => links.find((l) => l.rel === r);
const local = (href: string) => new URL(href).pathname + new URL(href).search;

describe.each(testBackends())('OGC API on %s', (backend) => {
  let database: Database;
  let server: Server;
  const api = () => request(server);

  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => ({ database, server, close } = await openHarness(backend)));
  afterAll(() => close?.());

  it('links the landing page to the OpenAPI document, docs, conformance and data', async () => {
    const res = await api().get('/api').expect(200).expect('Content-Type', /application\/json/);
    const links = res.body.links as Link[];
    expect(rel(links, 'service-desc')!.type).toBe('application/vnd.oai.openapi+json;version=3.0');
    for (const r of ['self', 'service-doc', 'conformance', 'data']) expect(rel(links, r), r).toBeTruthy();
    const doc = await api().get(local(rel(links, 'service-desc')!.href)).expect(200);
    expect(doc.headers['content-type']).toMatch(/^application\/vnd\.oai\.openapi\+json;\s*version=3\.0/);
    const body = JSON.parse(doc.text);
    expect(body.openapi).toMatch(/^3\.0/);
    // generated from the routes and schemas: generic and per-collection paths, with the CQL2 languages
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/', '/conformance', '/collections', '/collections/{collectionId}/items', '/search', '/tiles/{collectionIds}/{z}/{x}/{y}.mvt']));
    // only the collections this (anonymous) caller may read (issue #15; api/test/conformance/openapi.test.ts)
    for (const l of layers) expect(Boolean(body.paths[`/collections/${l.id}/items`]), l.id).toBe(l.public !== false);
    const sitesItems = body.paths[`/collections/${SITES}/items`].get;
    expect(sitesItems.parameters.find((p: { name: string }) => p.name === 'filter-lang').schema.enum).toContain('cql2-text');
    const featureSchema = body.components.schemas.Feature_stanoviste_trideneho_odpadu;
    expect(Object.keys(featureSchema.properties.properties.properties)).toEqual(featureProperties(getLayer(SITES)!).map((p) => p.name));
    const html = await api().get(local(rel(links, 'service-doc')!.href)).expect(200).expect('Content-Type', /text\/html/);
    for (const m of html.text.matchAll(/(?:src|href)="(docs\/[^"]+)"/g)) await api().get(`/api/${m[1]}`).expect(200);
  });

  it('negotiates by f and Accept', async () => {
    await api().get('/api/collections').set('Accept', 'application/json').expect(200).expect('Content-Type', /application\/json/);
    await api().get('/api/collections/obce/items?limit=1').set('Accept', 'application/json').expect(200).expect('Content-Type', /application\/geo\+json/);
    await api().get('/api/collections/obce/items?limit=1&f=geojson').expect(200).expect('Content-Type', /application\/geo\+json/);
    const bad = await api().get('/api/collections?f=xml').expect(400).expect('Content-Type', /problem\+json/);
    expect(bad.body.parameter).toBe('f');
    await api().get('/api/conformance').set('Accept', 'text/csv').expect(406).expect('Content-Type', /problem\+json/);
    const conf = await api().get('/api/conformance').expect(200);
    expect(conf.body.conformsTo).toEqual(expect.arrayContaining([
      'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
      'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
      'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
    ]));
  });

  async function walk(start: string, dir: 'next' | 'prev'): Promise<{ pages: number[][]; last: request.Response }> {
    const pages: number[][] = [];
    let url: string | undefined = start;
    let last!: request.Response;
    while (url) {
      last = await api().get(url).expect(200);
      pages.push(last.body.features.map((f: { id: number }) => f.id));
      const l = rel(last.body.links, dir);
      url = l ? local(l.href) : undefined;
      if (pages.length > 200) throw new Error('paging does not end');
    }
    return { pages, last };
  }

  it.each([
    ['+nazev', sql`nazev ASC NULLS LAST, fid`],
    ['-pocet_kontejneru,nazev', sql`pocet_kontejneru DESC NULLS LAST, nazev ASC NULLS LAST, fid`],
    ['-poznamka', sql`poznamka DESC NULLS LAST, fid`],
  ])('pages by sortby=%s with next and prev links, stable and complete', async (sortby, order) => {
    const expected = (await sql<{ fid: number }>`SELECT fid FROM layer_stanoviste_trideneho_odpadu ORDER BY ${order}`.execute(database.db)).rows.map((r) => r.fid);
    expect(expected.length).toBeGreaterThan(40);
    const fwd = await walk(`/api/collections/${SITES}/items?limit=17&sortby=${encodeURIComponent(sortby)}&properties=nazev`, 'next');
    expect(fwd.pages.flat()).toEqual(expected);
    expect(fwd.last.body.numberMatched).toBe(expected.length);
    // and back again from the last page: the same pages in reverse
    const back = await walk(local(rel(fwd.last.body.links, 'self')!.href), 'prev');
    expect(back.pages.reverse()).toEqual(fwd.pages);
  });

  it('selects properties and refuses unknown ones, naming them', async () => {
    const res = await api().get(`/api/collections/${SITES}/items?limit=3&properties=stav,nazev`).expect(200);
    for (const f of res.body.features) expect(Object.keys(f.properties)).toEqual(['stav', 'nazev']);
    const bad = await api().get(`/api/collections/${SITES}/items?properties=nazev,heslo`).expect(400);
    expect(bad.body).toMatchObject({ parameter: 'properties', detail: expect.stringContaining('heslo') });
    const badSort = await api().get(`/api/collections/${SITES}/items?sortby=nazev;drop`).expect(400);
    expect(badSort.body.parameter).toBe('sortby');
  });

  it('answers in CRS84, EPSG:4326 (lat/lon), S-JTSK and Web Mercator, with Content-Crs', async () => {
    const one = (await api().get('/api/collections/obce/items?limit=1&filter=nazev%3D%27Chomutov%27').expect(200)).body.features[0];
    const fid = one.id as number;
    const ref = (await sql<{ x: number; y: number; sx: number; sy: number; mx: number; my: number }>`
      SELECT ST_X(p) AS x, ST_Y(p) AS y, ST_X(ST_Transform(p, 5514)) AS sx, ST_Y(ST_Transform(p, 5514)) AS sy,
             ST_X(ST_Transform(p, 3857)) AS mx, ST_Y(ST_Transform(p, 3857)) AS my
      FROM (SELECT ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1) AS p FROM layer_obce WHERE fid = ${fid}) q`.execute(database.db)).rows[0]!;
    const first = async (crs: string) => {
      const r = await api().get(`/api/collections/obce/items/${fid}?crs=${encodeURIComponent(crs)}`).expect(200);
      expect(r.headers['content-crs']).toBe(`<${crs}>`);
      return r.body.geometry.coordinates[0][0][0] as [number, number];
    };
    const crs84 = await first('http://www.opengis.net/def/crs/OGC/1.3/CRS84');
    expect(crs84[0]).toBeCloseTo(ref.x, 6);
    expect(crs84[1]).toBeCloseTo(ref.y, 6);
    const epsg4326 = await first('http://www.opengis.net/def/crs/EPSG/0/4326');
    expect(epsg4326).toEqual([crs84[1], crs84[0]]);
    const sjtsk = await first('http://www.opengis.net/def/crs/EPSG/0/5514');
    expect(sjtsk[0]).toBeCloseTo(ref.sx, 2);
    expect(sjtsk[1]).toBeCloseTo(ref.sy, 2);
    expect(sjtsk[0]).toBeLessThan(-700_000);
    const merc = await first('http://www.opengis.net/def/crs/EPSG/0/3857');
    expect(merc[0]).toBeCloseTo(ref.mx, 2);
    expect(merc[1]).toBeCloseTo(ref.my, 2);

    const col = await api().get('/api/collections/obce').expect(200);
    expect(col.body.storageCrs).toBe('http://www.opengis.net/def/crs/OGC/1.3/CRS84');
    expect(col.body.crs).toContain('http://www.opengis.net/def/crs/EPSG/0/5514');
    const bad = await api().get('/api/collections/obce/items?crs=EPSG:9999').expect(400);
    expect(bad.body.parameter).toBe('crs');
  });

  it('filters by bbox given in another CRS (bbox-crs)', async () => {
    const count = async (q: string) => (await api().get(`/api/collections/${SITES}/items?limit=1&${q}`).expect(200)).body.numberMatched as number;
    const inCrs84 = await count('bbox=13.38,50.44,13.44,50.48');
    expect(inCrs84).toBeGreaterThan(0);
    expect(await count('bbox=50.44,13.38,50.48,13.44&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326')).toBe(inCrs84);
    const box = (await sql<{ x1: number; y1: number; x2: number; y2: number }>`
      SELECT ST_XMin(b) AS x1, ST_YMin(b) AS y1, ST_XMax(b) AS x2, ST_YMax(b) AS y2
      FROM (SELECT ST_Transform(ST_MakeEnvelope(13.38, 50.44, 13.44, 50.48, 4326), 5514)::box2d::geometry AS b) q`.execute(database.db)).rows[0]!;
    // the S-JTSK box around the lon/lat box holds at least as many sites
    expect(await count(`bbox=${box.x1},${box.y1},${box.x2},${box.y2}&bbox-crs=EPSG:5514`)).toBeGreaterThanOrEqual(inCrs84);
    expect((await api().get('/api/collections/obce/items?bbox=1,2,3,4&bbox-crs=EPSG:1').expect(400)).body.parameter).toBe('bbox-crs');
  });

  it('filters with CQL2 text and JSON compiled to the same SQL results', async () => {
    const ids = async (filter: string, lang = 'cql2-text', extra = '') => {
      const r = await api().get(`/api/collections/obce/items?limit=100&filter-lang=${lang}&filter=${encodeURIComponent(filter)}${extra}`).expect(200);
      return (r.body.features as { id: number }[]).map((f) => f.id).sort((a, b) => a - b);
    };
    const db = async (where: ReturnType<typeof sql>) => (await sql<{ fid: number }>`SELECT fid FROM layer_obce t WHERE ${where} ORDER BY fid`.execute(database.db)).rows.map((r) => r.fid);
    expect(await ids("nazev LIKE 'Ch%'")).toEqual(await db(sql`nazev LIKE 'Ch%'`));
    expect(await ids('obyvatel BETWEEN 300 AND 2000 AND NOT kod IN (562971, 563099)')).toEqual(await db(sql`obyvatel BETWEEN 300 AND 2000 AND kod NOT IN (562971, 563099)`));
    expect(await ids('obyvatel > 10000 OR obyvatel IS NULL')).toEqual(await db(sql`obyvatel > 10000 OR obyvatel IS NULL`));
    const chomutov = await db(sql`nazev = 'Chomutov'`);
    expect(chomutov).toHaveLength(1);
    expect(await ids('S_INTERSECTS(geometry, POINT(13.4134 50.4605))')).toEqual(chomutov);
    expect(await ids(JSON.stringify({ op: 's_intersects', args: [{ property: 'geometry' }, { type: 'Point', coordinates: [13.4134, 50.4605] }] }), 'cql2-json')).toEqual(chomutov);
    expect(await ids(JSON.stringify({ op: 'and', args: [{ op: '=', args: [{ property: 'nazev' }, 'Chomutov'] }, { op: '>', args: [{ property: 'obyvatel' }, 1] }] }), 'cql2-json')).toEqual(chomutov);
    expect(await ids("ACCENTI(CASEI(nazev)) = ACCENTI(CASEI('CHOMUTOV'))")).toEqual(chomutov);
    expect(await ids('S_INTERSECTS(geometry, BBOX(13.41, 50.46, 13.42, 50.47))')).toEqual(await db(sql`ST_Intersects(geom, ST_MakeEnvelope(13.41, 50.46, 13.42, 50.47, 4326))`));
    const sp = (await sql<{ x: number; y: number }>`SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT ST_Transform(ST_SetSRID(ST_Point(13.4134, 50.4605), 4326), 5514) AS p) q`.execute(database.db)).rows[0]!;
    expect(await ids(`S_INTERSECTS(geometry, POINT(${sp.x} ${sp.y}))`, 'cql2-text', '&filter-crs=EPSG:5514')).toEqual(chomutov);
    // quotes are data, not SQL
    expect(await ids("nazev = 'x'' OR 1=1 --'")).toEqual([]);

    for (const [filter, word] of [
      ['heslo = 1', 'heslo'],
      ['EVAL(nazev) = 1', 'eval'],
      ["nazev = 'x'; DROP TABLE layer_obce", ';'],
      ['obyvatel = \'many\'', 'number'],
      ['S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))', 'polygon'],
    ]) {
      const r = await api().get(`/api/collections/obce/items?filter=${encodeURIComponent(filter!)}`).expect(400).expect('Content-Type', /problem\+json/);
      expect(r.body.parameter).toBe('filter');
      expect(r.body.detail.toLowerCase()).toContain(word);
    }
    expect((await db(sql`true`)).length).toBe(25);
  });

  it('answers datetime and temporal CQL2 on a time-bearing layer, and tiles show only what is valid now', async () => {
    const INFO = 'verejne-informace';
    const info = getLayer(INFO)!;
    expect(info.temporal).toEqual({ start: 'platnost_od', end: 'platnost_do' });
    const ins = async (name: string, od: string, ddo: string | null) =>
      (await sql<{ fid: number }>`INSERT INTO layer_verejne_informace (source_id, municipality_code, nazev, platnost_od, platnost_do, geom, content_hash)
        VALUES (${'t-' + name}, 563099, ${name}, ${od}::date, ${ddo}::date, ST_SetSRID(ST_Point(13.20011, 50.35011), 4326), 'x') RETURNING fid`.execute(database.db)).rows[0]!.fid;
    const past = await ins('minulé', '2020-01-01', '2020-12-31');
    const now = await ins('platné', '2024-01-01', null);
    const future = await ins('budoucí', '2999-01-01', '2999-12-31');
    const ids = async (q: string) =>
      ((await api().get(`/api/collections/${INFO}/items?bbox=13.2,50.35,13.2002,50.3502&${q}`).expect(200)).body.features as { id: number }[]).map((f) => f.id).sort((a, b) => a - b);
    expect(await ids('datetime=2020-06-01')).toEqual([past]);
    expect(await ids('datetime=2025-01-01T00:00:00Z/..')).toEqual([now, future].sort((a, b) => a - b));
    expect(await ids('datetime=../2019-12-31')).toEqual([]);
    const f = (t: string) => `filter=${encodeURIComponent(t)}`;
    expect(await ids(f("T_INTERSECTS(INTERVAL(platnost_od, platnost_do), INTERVAL('2020-06-01', '2020-07-01'))"))).toEqual([past]);
    expect(await ids(f("T_AFTER(platnost_od, DATE('2500-01-01'))"))).toEqual([future]);
    expect(await ids(f("platnost_do < TIMESTAMP('2021-01-01T00:00:00Z')"))).toEqual([past]);
    expect(await ids(f("T_DURING(INTERVAL(platnost_od, platnost_do), INTERVAL('2023-01-01', '..'))"))).toEqual([future]);
    const col = await api().get(`/api/collections/${INFO}`).expect(200);
    expect(col.body.extent.temporal.interval[0][1]).toBeNull();
    const t = tileFor(13.20011, 50.35011, 15);
    const tile = await api().get(`/api/tiles/${INFO}/${t.z}/${t.x}/${t.y}.mvt`).buffer(true).parse(binary).expect(200);
    const drawn = decodeTile(tile.body as Buffer)[INFO]!;
    expect(drawn.map((x) => x.id)).toEqual([now]);
    // dates reach the map as ISO dates from either encoder, not as serialised Date objects
    expect(drawn[0]!.properties.platnost_od).toBe('2024-01-01');
  });

  it('publishes queryables generated from the schema', async () => {
    const res = await api().get(`/api/collections/${SITES}/queryables`).expect(200).expect('Content-Type', /application\/schema\+json/);
    expect(Object.keys(res.body.properties)).toEqual(['geometry', ...featureProperties(getLayer(SITES)!).map((p) => p.name), 'zmeneno']);
    expect(res.body.properties.stav.enum).toEqual(['1', '2', '3', '4', '5']);
    expect(res.body.properties.geometry['x-ogc-role']).toBe('primary-geometry');
    expect(res.body.properties.zmeneno).toMatchObject({ type: 'string', format: 'date-time', readOnly: true });
  });

  it('filters by the time of the last write (zmeneno), the editor\'s "last changed" filter (issue 18.3)', async () => {
    const t = 'layer_stanoviste_trideneho_odpadu';
    const [old, recent] = (await sql<{ fid: number }>`SELECT fid FROM ${sql.raw(t)} ORDER BY fid LIMIT 2`.execute(database.db)).rows.map((r) => r.fid);
    await sql`UPDATE ${sql.raw(t)} SET updated_at = now() - interval '400 days'`.execute(database.db);
    await sql`UPDATE ${sql.raw(t)} SET updated_at = now() - interval '2 days' WHERE fid = ${recent}`.execute(database.db);
    const since = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const res = await api().get(`/api/collections/${SITES}/items?filter-lang=cql2-text&filter=${encodeURIComponent(`zmeneno >= TIMESTAMP('${since}')`)}`).expect(200);
    expect(res.body.features.map((f: { id: number }) => f.id)).toEqual([recent]);
    // queryable, not returned: the feature's properties stay those of the schema
    expect(Object.keys(res.body.features[0].properties)).not.toContain('zmeneno');
    const before = await api().get(`/api/collections/${SITES}/items?limit=1000&filter-lang=cql2-text&filter=${encodeURIComponent(`zmeneno < TIMESTAMP('${since}')`)}`).expect(200);
    expect(before.body.features.map((f: { id: number }) => f.id)).toContain(old);
    expect((await api().get(`/api/collections/${SITES}/items?filter-lang=cql2-text&filter=${encodeURIComponent("zmeneno >= 'včera'")}`).expect(400)).body.parameter).toBe('filter');
  });

  it('links OGC API – Tiles tilesets from each collection, whose template serves the same tiles', async () => {
    const col = await api().get(`/api/collections/${SITES}`).expect(200);
    const sets = await api().get(local(rel(col.body.links, 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector')!.href)).expect(200);
    const ts = sets.body.tilesets[0];
    expect(ts.tileMatrixSetURI).toBe('http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad');
    const template = rel(ts.links, 'item')!.href;
    const t = tileFor(13.4134, 50.4605, 14);
    const url = local(template.replace('{tileMatrix}', String(t.z)).replace('{tileRow}', String(t.y)).replace('{tileCol}', String(t.x)));
    const viaOgc = await api().get(url).buffer(true).parse(binary).expect(200);
    const viaXyz = await api().get(`/api/tiles/${SITES}/${t.z}/${t.x}/${t.y}.mvt`).buffer(true).parse(binary).expect(200);
    expect(decodeTile(viaOgc.body as Buffer)[SITES]!.length).toBeGreaterThan(0);
    expect(decodeTile(viaOgc.body as Buffer)).toEqual(decodeTile(viaXyz.body as Buffer));
    // gzip on the wire
    const gz = await api().get(`/api/tiles/${SITES}/${t.z}/${t.x}/${t.y}.mvt`).set('Accept-Encoding', 'gzip').buffer(true).parse(binary).expect(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
  });

  it('searches names and municipalities ignoring case and accents, ranked', async () => {
    for (const q of ['chomutov', 'CHOMUTOV', 'Chomutov']) {
      const res = await api().get(`/api/search?q=${q}`).expect(200);
      expect(res.body.hits[0]).toMatchObject({ layer: 'obce', title: 'Chomutov', municipality: 'Chomutov', rank: 0 });
      expect(res.body.hits[0].point[0]).toBeGreaterThan(13.2);
    }
    const vs = await api().get('/api/search?q=vsestudy').expect(200);
    expect(vs.body.hits[0]).toMatchObject({ layer: 'obce', title: 'Všestudy' });
    const site = (await sql<{ fid: number; nazev: string }>`SELECT fid, nazev FROM layer_stanoviste_trideneho_odpadu
      WHERE nazev ~ '[áčďéěíňóřšťúůýž]' ORDER BY fid LIMIT 1`.execute(database.db)).rows[0]!;
    const plain = site.nazev.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toUpperCase();
    const hits = (await api().get(`/api/search?q=${encodeURIComponent(plain)}&limit=50`).expect(200)).body.hits as { layer: string; id: number; municipality: string | null }[];
    const hit = hits.find((h) => h.layer === SITES && h.id === site.fid);
    expect(hit).toBeTruthy();
    expect(hit!.municipality).toBeTruthy();
    expect((await api().get('/api/search?q=a').expect(400)).body.parameter).toBe('q');
  });

  it('hides non-public layers from anonymous readers in items, collections, queryables and tiles', async () => {
    const hidden = layers.filter((l) => l.public === false);
    expect(hidden.length).toBeGreaterThan(0);
    const cols = await api().get('/api/collections').expect(200);
    for (const l of hidden) {
      expect(cols.body.collections.map((c: { id: string }) => c.id)).not.toContain(l.id);
      await api().get(`/api/collections/${l.id}/items`).expect(404);
      await api().get(`/api/collections/${l.id}/queryables`).expect(404);
      await api().get(`/api/tiles/obce,${l.id}/12/2200/1380.mvt`).expect(404);
      await api().get(`/api/collections/${l.id}/tiles`).expect(404);
    }
  });

  it('opens public reads to other origins (CORS) but not writes', async () => {
    const r = await api().get('/api/collections').set('Origin', 'https://example.org').expect(200);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    const pre = await api().options('/api/collections/obce/items').set('Origin', 'https://example.org').set('Access-Control-Request-Method', 'GET');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-methods']).not.toMatch(/POST|DELETE/);
  });

  it('limits requests per client with 429 and Retry-After', async () => {
    const limited = createApp({ database, rateLimit: { perMinute: 3, limitLoopback: true } }).listen(0);
    try {
      for (let i = 0; i < 3; i++) await request(limited).get('/api/conformance').expect(200);
      const r = await request(limited).get('/api/conformance').expect(429).expect('Content-Type', /problem\+json/);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      limited.close();
    }
  });

  it('answers hostile input with 4xx, never 5xx (fuzz)', async () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const junk = () => {
      const alphabet = "abcXYZ019 -+.,;:'\"()[]{}%_\\/*=<>!@#$&|~`?\u0000\u00e1\u017e";
      return Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    };
    const fixed = [
      '/api/collections/obce/items?bbox=1,2,3,4,5',
      '/api/collections/obce/items?bbox=NaN,0,1,1',
      '/api/collections/obce/items?bbox=1e400,0,1,1',
      '/api/collections/obce/items?limit=99999999999999999999',
      '/api/collections/obce/items?limit=-5',
      '/api/collections/obce/items?crs=EPSG:4326x',
      '/api/collections/obce/items?bbox-crs=urn:ogc:def:crs:EPSG::9',
      '/api/collections/obce/items?filter=' + encodeURIComponent("nazev = '1' UNION SELECT * FROM pg_user --"),
      '/api/collections/obce/items?filter=' + encodeURIComponent('((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((nazev=1'),
      '/api/collections/obce/items?filter=' + encodeURIComponent('NOT '.repeat(500) + 'TRUE'),
      '/api/collections/obce/items?filter=' + encodeURIComponent('S_INTERSECTS(geometry, POINT(1e999 0))'),
      '/api/collections/obce/items?filter=' + encodeURIComponent('S_INTERSECTS(geometry, LINESTRING(1 1))'),
      '/api/collections/obce/items?filter-lang=cql2-json&filter=' + encodeURIComponent('{"op":"=","args":[{"property":"nazev; DROP"},1]}'),
      '/api/collections/obce/items?filter-lang=cql2-json&filter=' + encodeURIComponent('{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[0,0],[1,1]]]}]}'),
      '/api/collections/obce/items?filter=' + encodeURIComponent("T_INTERSECTS(nazev, DATE('2024-02-30'))"),
      '/api/collections/obce/items?datetime=2024-13-01',
      '/api/collections/obce/items?datetime=2024-01-01/2023-01-01',
      '/api/collections/obce/items?sortby=%2Bnazev&cursor=' + Buffer.from('["n",1,"x\'"]').toString('base64url'),
      '/api/collections/obce/items?sortby=%2Bobyvatel&cursor=' + Buffer.from('["n",1,"abc"]').toString('base64url'),
      '/api/collections/obce/items?cursor=' + 'A'.repeat(5000),
      '/api/collections/obce/items/99999999999999999999',
      '/api/tiles/obce/30/0/0.mvt',
      '/api/tiles/obce/3/9/0.mvt',
      '/api/tiles/obce/99999999999/0/0.mvt',
      '/api/tiles/' + 'obce,'.repeat(30) + 'obce/1/0/0.mvt',
      '/api/collections/obce/tiles/WebMercatorQuad/5/99/0',
      '/api/search?q=' + 'x'.repeat(500),
      '/api/search?q=%25%25&limit=1000',
      '/api/collections/obce/items?filter=' + 'a'.repeat(30_000),
      '/api/' + 'x'.repeat(70_000),
    ];
    const params = ['bbox', 'limit', 'crs', 'bbox-crs', 'filter', 'filter-lang', 'filter-crs', 'datetime', 'sortby', 'properties', 'cursor', 'f'];
    const random = Array.from({ length: 150 }, () => `/api/collections/${rnd() < 0.5 ? 'obce' : SITES}/items?${params[Math.floor(rnd() * params.length)]}=${encodeURIComponent(junk())}`);
    const tiles = Array.from({ length: 30 }, () => `/api/tiles/obce/${encodeURIComponent(junk())}/${Math.floor(rnd() * 1e6)}/${Math.floor(rnd() * 1e6)}.mvt`);
    for (const url of [...fixed, ...random, ...tiles]) {
      const r = await api().get(url);
      expect(r.status, url.slice(0, 200)).toBeLessThan(500);
      if (r.status >= 400 && r.status !== 431 && r.status !== 414) expect(r.headers['content-type'], url.slice(0, 200)).toMatch(/problem\+json/);
    }
  });

  it('answers NUL bytes, bad UTF-8, lone surrogates and out-of-range numbers with 400 problem+json on every route family (fuzz)', async () => {
    const admin = await createUser(database.db, `fuzz-${randomUUID()}@chomutov.test`, 'fuzz-admin-heslo-2024', { role: 'admin' });
    const { token } = await createApiToken(database.db, admin.id, 'fuzz');
    const bearer = { Authorization: `Bearer ${token}` };
    // NUL, a lone surrogate sent as (invalid) UTF-8, an overlong encoding, a stray %
    const badText = ['%00', 'a%00b', '%ED%A0%80', 'x%ED%B0%80', '%C0%80', '%E2%82', '%'];
    // in places that take integers
    const badNumber = ['99999999999999999999', '2147483648', '-2147483649', '9'.repeat(400), '1e309', '0x10', '1.5', '%00'];
    const textPlaces = [
      (v: string) => `/api/sensors/${v}`,
      (v: string) => `/api/sensors/${v}/observations`,
      (v: string) => `/api/sensors/municipalities/${v}`,
      (v: string) => `/api/search?q=${v}`,
      (v: string) => `/api/alerts?sensor=${v}`,
      (v: string) => `/api/sensors?quantity=${v}`,
      (v: string) => `/api/collections/${v}`,
      (v: string) => `/api/collections/${v}/items`,
      (v: string) => `/api/collections/obce/items?nazev=${v}`,
      (v: string) => `/api/collections/obce/items?filter=nazev%3D'${v}'`,
      (v: string) => `/api/collections/obce/items?f=${v}`,
      (v: string) => `/api/collections/obce/queryables?x=${v}`,
      (v: string) => `/api/tiles/${v}/0/0/0.mvt`,
      (v: string) => `/api/catalog/datasets/${v}`,
      (v: string) => `/api/catalog/portal/${v}`,
      (v: string) => `/api/downloads/${v}`,
      (v: string) => `/api/downloads/obce.geojson?x=${v}`,
      (v: string) => `/api/landuse/${v}/versions`,
      (v: string) => `/api/etl/runs?layer=${v}`,
      (v: string) => `/api/etl/sources?x=${v}`,
      (v: string) => `/api/health?x=${v}`,
      (v: string) => `/api/openapi?x=${v}`,
      (v: string) => `/api/attachments/${v}`,
      (v: string) => `/api/auth/me?x=${v}`,
      (v: string) => `/api/${v}`,
    ];
    const numberPlaces = [
      (v: string) => `/api/sensors?municipality=${v}`,
      (v: string) => `/api/sensors/municipalities/${v}`,
      // items?limit= is not here: OGC API Features (/req/core/fc-limit-response) answers a limit above the
      // maximum with the maximum, not an error (api/test/conformance tests hold that)
      (v: string) => `/api/catalog/datasets/obce/obec/${v}`,
      (v: string) => `/api/downloads/obec/${v}/stanoviste-trideneho-odpadu.geojson`,
      (v: string) => `/api/landuse/${v}/versions`,
      (v: string) => `/api/landuse/563099/versions/${v}/x`,
      (v: string) => `/api/etl/runs/${v}`,
      (v: string) => `/api/etl/runs?limit=${v}`,
      (v: string) => `/api/tiles/obce/${v}/0/0.mvt`,
    ];
    // integer query parameters: a bad value is the client's error, whatever the resource
    const integerParameters = /[?&](municipality|limit|cursor)=/;
    // feature ids are bigint: 2^31 is a fine id there, 2^63 is not
    const badBigint = ['9223372036854775808', '-1', ...badNumber.filter((n) => n.length > 11 || !/^-?\d+$/.test(n))];
    const bigintPlaces = [
      (v: string) => `/api/collections/obce/items/${v}`,
      (v: string) => `/api/collections/obce/items/${v}/history`,
      (v: string) => `/api/collections/obce/items/${v}/attachments`,
      (v: string) => `/api/collections/obce/items?asOf=2024-01-01T00:00:00Z&cursor=${v}`,
    ];
    const get: string[] = [...textPlaces.flatMap((p) => badText.map(p)), ...numberPlaces.flatMap((p) => badNumber.map(p)), ...bigintPlaces.flatMap((p) => badBigint.map(p))];
    const failures: string[] = [];
    for (const url of get) {
      const r = await api().get(url).set(bearer);
      if (r.status >= 500) failures.push(`${r.status} GET ${url}`);
      // a number that is not an id in a path may also be "no such resource"
      else if (r.status !== 400 && !(r.status === 404 && !integerParameters.test(url) && !badText.some((t) => url.includes(t)))) failures.push(`${r.status} (not 400) GET ${url}`);
      else if (!/problem\+json/.test(r.headers['content-type'] ?? '')) failures.push(`not problem+json: GET ${url}`);
    }
    // the same bad text inside JSON bodies: NUL, lone surrogates (both halves), in values and keys
    const badJson = ['a\\u0000b', '\\ud800', 'x\\udc00y', '\\udbff'];
    const sites = `/api/collections/${SITES}/items`;
    const site = (await api().get(`${sites}?limit=1`).expect(200)).body.features[0] as { id: number; geometry: unknown };
    const etag = (await api().get(`${sites}/${site.id}`).expect(200)).headers.etag as string;
    for (const bad of badJson) {
      const bodies: { method: 'post' | 'patch'; url: string; body: string; headers?: Record<string, string> }[] = [
        { method: 'post', url: '/api/auth/login', body: `{"email":"${bad}@x.test","password":"whatever-long-enough"}` },
        { method: 'post', url: '/api/auth/login', body: `{"email":"a@x.test","password":"${bad}"}` },
        { method: 'post', url: '/api/auth/tokens', body: `{"name":"${bad}"}`, headers: bearer },
        { method: 'post', url: '/api/admin/users', body: `{"email":"${bad}@x.test","role":"reader","password":"dlouhe-heslo-${bad}"}`, headers: bearer },
        { method: 'post', url: sites, body: `{"type":"Feature","geometry":${JSON.stringify(site.geometry)},"properties":{"nazev":"${bad}","pristup":"volne"}}`, headers: bearer },
        { method: 'patch', url: `${sites}/${site.id}`, body: `{"properties":{"poznamka":"${bad}"}}`, headers: { ...bearer, 'If-Match': etag } },
        { method: 'patch', url: `${sites}/${site.id}`, body: `{"properties":{"${bad}":"x"}}`, headers: { ...bearer, 'If-Match': etag } },
      ];
      for (const b of bodies) {
        const r = await api()[b.method](b.url).set({ 'Content-Type': 'application/json', ...(b.headers ?? {}) }).send(b.body);
        if (r.status !== 400 || !/problem\+json/.test(r.headers['content-type'] ?? '')) failures.push(`${r.status} ${b.method.toUpperCase()} ${b.url} ${b.body.slice(0, 80)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

