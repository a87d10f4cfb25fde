import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { importFile } from '../import.ts';
import { previewImport } from '../preview.ts';

const shp = join(import.meta.dirname, 'fixtures/kontejnery_cp1250/kontejnery.shp');
const LAYER = 'stanoviste-trideneho-odpadu';

/** Issue 16.2: the import preview — detection, suggested mapping, first features, dry-run outcome. */
describe.each(testBackends())('import preview on %s', (backend) => {
  let database: Database;
  const dir = mkdtempSync(join(tmpdir(), 'geoportal-preview-'));
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  }, 300_000);
  afterAll(async () => {
    await database?.close();
  });

  it('a vendor shapefile without a mapping file: format, encoding, CRS, id column ID, matched columns, features in WGS 84, dry-run counts', async () => {
    const p = await previewImport(database.db, { path: shp, layerId: LAYER });
    expect(p).toMatchObject({ format: 'Shapefile', encoding: 'windows-1250', srid: 5514, idColumn: 'ID', count: 200 });
    expect(p.idSource).toMatch(/column ID/);
    expect(p.mapping).toMatchObject({ idField: 'ID', fields: { cislo_stanoviste: 'STATIONNUM', nazev: 'STATIONNAM', pristup: 'PRISTUP' } });
    expect(p.features).toHaveLength(20);
    const [lon, lat] = (p.features[0]!.geometry as { coordinates: number[] }).coordinates;
    expect(lon).toBeGreaterThan(14.2);
    expect(lon).toBeLessThan(14.7);
    expect(lat).toBeGreaterThan(49.9);
    expect(lat).toBeLessThan(50.2);
    expect(p.dryRun).toMatchObject({ status: 'dry-run', read: 200, inserted: 200 - p.dryRun.rejected, deleted: 0 });
    expect(p.held).toBeNull();
    // a dry run publishes nothing
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_stanoviste_trideneho_odpadu`.execute(database.db)).rows[0]!.n).toBe(0);
  });

  it('a file that would withdraw most of the layer is held, with the reason', async () => {
    const first = await previewImport(database.db, { path: shp, layerId: LAYER });
    const loaded = await importFile(database.db, { path: shp, layerId: LAYER, mapping: first.mapping });
    expect(loaded.inserted).toBeGreaterThan(100);
    const few = join(dir, 'few.geojson');
    const fc = { type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:5514' } }, features: first.features.slice(0, 5).map((f) => f) };
    // back in S-JTSK: the preview's features are in WGS 84, so declare that instead
    writeFileSync(few, JSON.stringify({ ...fc, crs: undefined }));
    const p = await previewImport(database.db, { path: few, layerId: LAYER, mapping: first.mapping });
    expect(p.dryRun.deleted).toBe(loaded.inserted - 5);
    expect(p.held).toMatch(/would withdraw \d+ of \d+ features .* nothing was changed/);
    expect(p.held).toMatch(/nic nebylo změněno/);
  });
});
