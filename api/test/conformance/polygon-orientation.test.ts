import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { testBackends } from '../../../sql/testing.ts';
import { getLayer, tableName } from '../../../schemas/index.ts';
import { openHarness, type Harness } from './harness.ts';

type Ring = number[][];
type Geometry = { type: string; coordinates: unknown };

/** twice the signed area (shoelace): positive = counterclockwise */
function signedArea(ring: Ring): number {
  let a = 0;
  for (let i = 0; i < ring.length - 1; i++) a += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  return a;
}

function polygons(g: Geometry): Ring[][] {
  if (g.type === 'Polygon') return [g.coordinates as Ring[]];
  if (g.type === 'MultiPolygon') return g.coordinates as Ring[][];
  return [];
}

/** exterior rings counterclockwise, holes clockwise; returns the number of rings checked */
function expectRightHand(g: Geometry, what: string): number {
  let n = 0;
  for (const poly of polygons(g))
    poly.forEach((ring, i) => {
      n++;
      if (i === 0) expect(signedArea(ring), `${what}: exterior ring`).toBeGreaterThan(0);
      else expect(signedArea(ring), `${what}: hole`).toBeLessThan(0);
    });
  return n;
}

/** RFC 7946 §3.1.6: polygon rings follow the right-hand rule in every GeoJSON we give out. */
describe.each(testBackends())('GeoJSON polygon orientation on %s', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(backend);
    // one municipality stored clockwise with a clockwise-stored hole: orientation must not depend on the source
    const t = sql.raw(tableName(getLayer('obce')!));
    await sql`UPDATE ${t} SET geom = ST_Multi(ST_ForcePolygonCW(ST_Difference(geom, ST_Buffer(ST_PointOnSurface(geom), 0.001, 4))))
      WHERE fid = (SELECT min(fid) FROM ${t})`.execute(h.database.db);
  });
  afterAll(async () => h?.close());

  it('orients items, single features and GeoJSON downloads by the right-hand rule', async () => {
    let rings = 0;
    for (const crs of ['', '&crs=http://www.opengis.net/def/crs/EPSG/0/5514', '&crs=http://www.opengis.net/def/crs/EPSG/0/3857']) {
      const res = await h.api().get(`/api/collections/obce/items?limit=1000${crs}`).expect(200);
      for (const f of res.body.features as { id: number; geometry: Geometry }[]) rings += expectRightHand(f.geometry, `items ${f.id}${crs}`);
    }
    const first = (await h.api().get('/api/collections/obce/items?limit=1').expect(200)).body.features[0] as { id: number };
    const one = await h.api().get(`/api/collections/obce/items/${first.id}`).expect(200);
    expect(polygons(one.body.geometry)[0]!.length).toBeGreaterThan(1);
    rings += expectRightHand(one.body.geometry, 'single feature');
    const dl = await h.api().get('/api/downloads/obce.geojson').buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    for (const f of JSON.parse((dl.body as Buffer).toString('utf8')).features as { id: number; geometry: Geometry }[]) rings += expectRightHand(f.geometry, `download ${f.id}`);
    expect(rings).toBeGreaterThan(0);
  });
});
