import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { testBackends } from '../../../sql/testing.ts';
import { getLayer, tableName } from '../../../schemas/index.ts';
import { openHarness, walkIds, type Harness } from './harness.ts';

/**
 * OGC API Features Part 1, Req /req/core/fc-bbox-response: only features whose geometry intersects
 * the bbox; a bbox whose west edge is east of its east edge spans the antimeridian (7.15.3).
 */
describe.each(testBackends())('bbox conformance on %s', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(backend);
  });
  afterAll(async () => h?.close());

  async function intersecting(layerId: string, b: number[]): Promise<number[]> {
    const r = await sql<{ fid: number }>`SELECT fid FROM ${sql.raw(tableName(getLayer(layerId)!))}
      WHERE ST_Intersects(geom, ST_MakeEnvelope(${b[0]}::float8, ${b[1]}::float8, ${b[2]}::float8, ${b[3]}::float8, 4326)) ORDER BY fid`.execute(h.database.db);
    return r.rows.map((x) => Number(x.fid));
  }

  /** small boxes at the envelope corners of the municipalities: inside the envelope, mostly outside the polygon */
  async function cornerBoxes(): Promise<number[][]> {
    const r = await sql<{ x: number; y: number }>`SELECT ST_XMin(geom) + 0.0005 AS x, ST_YMin(geom) + 0.0005 AS y FROM ${sql.raw(tableName(getLayer('obce')!))}
      UNION ALL SELECT ST_XMax(geom) - 0.0015, ST_YMax(geom) - 0.0015 FROM ${sql.raw(tableName(getLayer('obce')!))}`.execute(h.database.db);
    return r.rows.map((p) => [p.x, p.y, p.x + 0.001, p.y + 0.001]);
  }

  it('answers only the polygons whose geometry intersects the bbox (items and GeoJSON downloads)', async () => {
    const boxes = [...(await cornerBoxes()), [13.3, 50.4, 13.5, 50.5]];
    let envelopeOnly = 0;
    for (const b of boxes) {
      const want = await intersecting('obce', b);
      const res = await h.api().get(`/api/collections/obce/items?limit=1000&bbox=${b.join(',')}`).expect(200);
      expect((res.body.features as { id: number }[]).map((f) => f.id).sort((a, c) => a - c), b.join(',')).toEqual(want);
      expect(res.body.numberMatched).toBe(want.length);
      const dl = await h.api().get(`/api/downloads/obce.geojson?bbox=${b.join(',')}`).expect(200);
      const fc = JSON.parse(Buffer.isBuffer(dl.body) ? dl.body.toString('utf8') : dl.text) as { features: { id: number }[] };
      expect(fc.features.map((f) => f.id).sort((a, c) => a - c), `download ${b.join(',')}`).toEqual(want);
      const envelopes = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(tableName(getLayer('obce')!))}
        WHERE geom && ST_MakeEnvelope(${b[0]}::float8, ${b[1]}::float8, ${b[2]}::float8, ${b[3]}::float8, 4326)`.execute(h.database.db);
      if (envelopes.rows[0]!.n > want.length) envelopeOnly++;
    }
    // the boxes do exercise the difference between the envelope test and the exact one
    expect(envelopeOnly).toBeGreaterThan(0);
  });

  it('answers a bbox across the antimeridian as the two boxes it is', async () => {
    for (const layer of ['obce', 'stanoviste-trideneho-odpadu']) {
      // 10°E eastwards over 180° to 170°W: contains the whole ORP Chomutov
      const across = await walkIds(h, `/api/collections/${layer}/items?limit=500&bbox=10,50,-170,51`);
      const want = [...new Set([...(await intersecting(layer, [10, 50, 180, 51])), ...(await intersecting(layer, [-180, 50, -170, 51]))])].sort((a, b) => a - b);
      expect(want.length).toBeGreaterThan(0);
      expect(across.sort((a, b) => a - b), layer).toEqual(want);
      // the same box in EPSG:4326 (lat,lon)
      const latLon = await walkIds(h, `/api/collections/${layer}/items?limit=500&bbox=50,10,51,-170&bbox-crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/4326')}`);
      expect(latLon.sort((a, b) => a - b), `${layer} EPSG:4326`).toEqual(want);
      // a box across the antimeridian that misses Europe answers nothing
      const none = await h.api().get(`/api/collections/${layer}/items?bbox=170,50,-170,51`).expect(200);
      expect(none.body.numberMatched).toBe(0);
    }
    const dl = await h.api().get('/api/downloads/obce.geojson?bbox=10,50,-170,51').expect(200);
    const fc = JSON.parse(Buffer.isBuffer(dl.body) ? dl.body.toString('utf8') : dl.text) as { features: unknown[] };
    expect(fc.features.length).toBe((await intersecting('obce', [10, 50, 180, 51])).length);
  });

  it('still refuses a bbox whose south edge is north of its north edge', async () => {
    const res = await h.api().get('/api/collections/obce/items?bbox=13,51,14,50').expect(400);
    expect(res.body.parameter).toBe('bbox');
  });
});
