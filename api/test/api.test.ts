import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import type { Server } from 'node:http';
import { testBackends } from '../../sql/testing.ts';
import { openHarness } from './conformance/harness.ts';
import type { Database } from '../../sql/connection.ts';
import { binary, decodeTile, tileFor } from './decode-tile.ts';
import { getLayer, layers } from '../../schemas/index.ts';
import { featureProperties } from '../features/properties.ts';

const SITES = 'stanoviste-trideneho-odpadu';

describe.each(testBackends())('API on %s', (backend) => {
  let database: Database;
  let server: Server;
  const api = () => request(server);

  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => ({ database, server, close } = await openHarness(backend)));
  afterAll(() => close?.());

  it('serves an OGC API landing page, conformance and collections', async () => {
    const landing = await api().get('/api').expect(200);
    const rels = landing.body.links.map((l: { rel: string }) => l.rel);
    expect(rels).toEqual(expect.arrayContaining(['self', 'conformance', 'data']));
    const conf = await api().get('/api/conformance').expect(200);
    expect(conf.body.conformsTo).toContain('http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core');
    const cols = await api().get('/api/collections').expect(200);
    expect(cols.body.collections.map((c: { id: string }) => c.id)).toEqual(layers.filter((l) => l.public !== false).map((l) => l.id));
    // when the layer last changed: its seed import (the test database is a copy of one seeded at the start of the run)
    const updated = Date.parse(cols.body.collections[0].updated);
    const seeded = (await sql<{ finished_at: Date }>`SELECT max(finished_at) AS finished_at FROM etl_run WHERE layer_id = ${cols.body.collections[0].id} AND status = 'succeeded'`.execute(database.db)).rows[0]!.finished_at;
    expect(Math.abs(updated - new Date(seeded).getTime())).toBeLessThan(60_000);
    const [minx, miny, maxx, maxy] = cols.body.collections[0].extent.spatial.bbox[0];
    // ORP Chomutov
    expect(minx).toBeGreaterThan(13.1);
    expect(maxx).toBeLessThan(13.7);
    expect(miny).toBeGreaterThan(50.3);
    expect(maxy).toBeLessThan(50.7);
  });

  it('pages through items with stable next links and no duplicates or gaps', async () => {
    const seen: number[] = [];
    let url: string | undefined = '/api/collections/obce/items?limit=7';
    let pages = 0;
    while (url) {
      const res: request.Response = await api().get(url).expect(200).expect('Content-Type', /application\/geo\+json/);
      expect(res.body.numberMatched).toBe(25);
      expect(res.body.numberReturned).toBe(res.body.features.length);
      seen.push(...res.body.features.map((f: { id: number }) => f.id));
      const next: { href: string } | undefined = res.body.links.find((l: { rel: string }) => l.rel === 'next');
      url = next ? new URL(next.href).pathname + new URL(next.href).search : undefined;
      pages++;
    }
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(25);
    const db = await sql<{ fid: number }>`SELECT fid FROM layer_obce ORDER BY fid`.execute(database.db);
    expect(seen).toEqual(db.rows.map((r) => r.fid));
  });

  it('filters by bbox and returns GeoJSON features with schema attributes', async () => {
    const bbox = [13.38, 50.44, 13.44, 50.48];
    const res = await api().get(`/api/collections/${SITES}/items?bbox=${bbox.join(',')}&limit=1000`).expect(200);
    expect(res.body.features.length).toBeGreaterThan(20);
    for (const f of res.body.features) {
      const [x, y] = f.geometry.coordinates;
      expect(x).toBeGreaterThanOrEqual(bbox[0]!);
      expect(x).toBeLessThanOrEqual(bbox[2]!);
      expect(y).toBeGreaterThanOrEqual(bbox[1]!);
      expect(y).toBeLessThanOrEqual(bbox[3]!);
      expect(Object.keys(f.properties)).toEqual(featureProperties(getLayer(SITES)!).map((p) => p.name));
    }
    const inDb = await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_stanoviste_trideneho_odpadu
      WHERE geom && ST_MakeEnvelope(13.38, 50.44, 13.44, 50.48, 4326)`.execute(database.db);
    expect(res.body.numberMatched).toBe(inDb.rows[0]!.n);
    const one = res.body.features[0];
    const single = await api().get(`/api/collections/${SITES}/items/${one.id}`).expect(200);
    expect(single.body.properties).toEqual(one.properties);
    expect(single.body.links.find((l: { rel: string }) => l.rel === 'collection')).toBeTruthy();
  });

  it('answers mistakes with problem+json naming the parameter', async () => {
    const unknown = await api().get('/api/collections/nope/items').expect(404).expect('Content-Type', /application\/problem\+json/);
    expect(unknown.body).toMatchObject({ status: 404, title: 'Not Found', detail: expect.stringContaining('nope') });
    await api().get('/api/collections/obce/items/123456789').expect(404).expect('Content-Type', /problem\+json/);
    await api().get('/api/collections/obce/items/abc').expect(404);
    for (const [q, param] of [
      ['limit=0', 'limit'],
      // a limit above the maximum is clamped, not refused (issue #15; api/test/conformance/limit.test.ts)
      ['limit=1.5', 'limit'],
      ['limit=ten', 'limit'],
      ['bbox=1,2,3', 'bbox'],
      ['bbox=a,b,c,d', 'bbox'],
      ['bbox=13,50,14,200', 'bbox'],
      ['cursor=-1', 'cursor'],
      ['limit=1&limit=2', 'limit'],
    ]) {
      const r = await api().get(`/api/collections/obce/items?${q}`).expect(400).expect('Content-Type', /problem\+json/);
      expect(r.body.parameter).toBe(param);
    }
    await api().get('/api/no/such/thing').expect(404).expect('Content-Type', /problem\+json/);
  });

  it('serves vector tiles whose features are the stored ones', async () => {
    const t = tileFor(13.4134, 50.4605, 13);
    const res = await api().get(`/api/tiles/${SITES}/${t.z}/${t.x}/${t.y}.mvt`).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
    const layers = decodeTile(res.body as Buffer);
    const features = layers[SITES]!;
    const inside = await sql<{ fid: number }>`SELECT fid FROM layer_stanoviste_trideneho_odpadu
      WHERE ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope(${t.z}, ${t.x}, ${t.y})) ORDER BY fid`.execute(database.db);
    expect(inside.rows.length).toBeGreaterThan(0);
    // the tile also carries the buffer zone: every feature inside the tile must be there
    const ids = features.map((f) => f.id);
    for (const r of inside.rows) expect(ids).toContain(r.fid);
    const f = features[0]!;
    expect(f.type).toBe(1);
    expect(Object.keys(f.properties).sort()).toEqual(['cislo_stanoviste', 'nazev', 'obec_kod', 'pocet_kontejneru', 'pristup', 'stav']);

    const etag = res.headers.etag;
    await api().get(`/api/tiles/${SITES}/${t.z}/${t.x}/${t.y}.mvt`).set('If-None-Match', etag!).expect(304);
    const both = await api().get(`/api/tiles/obce,${SITES}/${t.z}/${t.x}/${t.y}.mvt`).buffer(true).parse(binary).expect(200);
    expect(Object.keys(decodeTile(both.body as Buffer)).sort()).toEqual(['obce', SITES]);
  });

  it('treats empty and out-of-range tiles correctly', async () => {
    const far = tileFor(-70, -40, 12);
    const empty = await api().get(`/api/tiles/${SITES}/${far.z}/${far.x}/${far.y}.mvt`).buffer(true).parse(binary).expect(200);
    expect((empty.body as Buffer).length).toBe(0);
    // below the layer's minimum zoom nothing is sent
    const low = await api().get(`/api/tiles/${SITES}/5/17/10.mvt`).buffer(true).parse(binary).expect(200);
    expect((low.body as Buffer).length).toBe(0);
    for (const path of ['3/8/1', '3/1/8', '25/0/0', 'a/0/0', '-1/0/0']) {
      await api().get(`/api/tiles/${SITES}/${path}.mvt`).expect((r) => expect([400, 404]).toContain(r.status)).expect('Content-Type', /problem\+json/);
    }
    await api().get(`/api/tiles/nope/10/0/0.mvt`).expect(404);
  });

  it('describes tiles with TileJSON 3.0 derived from the schemas', async () => {
    const res = await api().get(`/api/tiles/obce,${SITES}.json`).expect(200);
    expect(res.body.tilejson).toBe('3.0.0');
    expect(res.body.tiles[0]).toMatch(new RegExp(`/api/tiles/obce,${SITES}/\\{z\\}/\\{x\\}/\\{y\\}\\.mvt$`));
    const sites = res.body.vector_layers.find((l: { id: string }) => l.id === SITES);
    expect(sites.minzoom).toBe(10);
    expect(Object.keys(sites.fields)).toEqual(['cislo_stanoviste', 'nazev', 'pristup', 'pocet_kontejneru', 'stav', 'obec_kod']);
  });

  it('reports database health', async () => {
    const res = await api().get('/api/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', database: { backend, reachable: true, tileEncoder: backend === 'postgres' ? 'postgis' : 'js' } });
  });
});

