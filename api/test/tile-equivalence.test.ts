import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { getLayer } from '../../schemas/index.ts';
import { encodeWithJs } from '../tiles/encode-js.ts';
import { encodeWithPostgis } from '../tiles/encode-postgis.ts';
import { decodeTile, tileFor, type DecodedFeature } from './decode-tile.ts';

/**
 * The embedded database encodes tiles in JS, the server with ST_AsMVT. Both
 * must give a map client the same features. Needs the real server (PGlite
 * cannot run ST_AsMVT), so it runs where TEST_DATABASE_URL is set.
 */
describe.runIf(process.env.TEST_DATABASE_URL)('tile encoders are equivalent', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase('postgres', { seeded: true });
  });
  afterAll(async () => {
    await database?.close();
  });

  const cases = [
    { layers: ['obce'], tile: tileFor(13.41, 50.46, 8) },
    { layers: ['obce'], tile: tileFor(13.41, 50.46, 11) },
    { layers: ['obce', 'stanoviste-trideneho-odpadu'], tile: tileFor(13.41, 50.46, 13) },
    // around seed site 546062-0001 (Pesvice)
    { layers: ['stanoviste-trideneho-odpadu'], tile: tileFor(13.4916448, 50.4674691, 16) },
    { layers: ['stanoviste-trideneho-odpadu'], tile: tileFor(13.41, 50.46, 12) },
    // the RÚIAN basemap of the synthetic Chomutov sample: building polygons, street lines, house-number points
    { layers: ['stavebni-objekty', 'ulice', 'casti-obci', 'adresni-mista'], tile: tileFor(13.4178, 50.4605, 16) },
  ];

  it.each(cases)('$layers at $tile.z/$tile.x/$tile.y', async ({ layers, tile }) => {
    const schemas = layers.map((id) => getLayer(id)!);
    const fromPostgis = decodeTile(await encodeWithPostgis(database.db, schemas, tile));
    const fromJs = decodeTile(await encodeWithJs(database.db, schemas, tile));
    expect(Object.keys(fromJs).sort()).toEqual(Object.keys(fromPostgis).sort());
    let compared = 0;
    for (const name of Object.keys(fromPostgis)) {
      const a = fromPostgis[name]!;
      const b = fromJs[name]!;
      expect(b.map((f) => f.id)).toEqual(a.map((f) => f.id));
      for (let i = 0; i < a.length; i++) {
        expect(b[i]!.type).toBe(a[i]!.type);
        expect(b[i]!.properties).toEqual(a[i]!.properties);
        expectSameShape(a[i]!, b[i]!);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(0);
  });
});

/** Same geometry up to encoder rounding and clipping details: bounding boxes within 2 tile units (of 4096). */
function expectSameShape(a: DecodedFeature, b: DecodedFeature): void {
  const box = (f: DecodedFeature) => {
    const pts = f.geometry.flat().map((p) => ({ x: Math.max(-64, Math.min(4160, p.x)), y: Math.max(-64, Math.min(4160, p.y)) }));
    return [Math.min(...pts.map((p) => p.x)), Math.min(...pts.map((p) => p.y)), Math.max(...pts.map((p) => p.x)), Math.max(...pts.map((p) => p.y))];
  };
  const ba = box(a);
  const bb = box(b);
  for (let i = 0; i < 4; i++) expect(Math.abs(ba[i]! - bb[i]!), `feature ${a.id} bbox[${i}]`).toBeLessThanOrEqual(2);
}
