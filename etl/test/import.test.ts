import { mkdtempSync, copyFileSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { importFile } from '../import.ts';
import { loadMapping } from '../mapping.ts';
import { seedIfEmpty, SEED_SOURCES } from '../seed.ts';
import { InputError } from '../errors.ts';
import { getLayer } from '../../schemas/index.ts';
import { sampleFeatureCollection } from './sample-feature.ts';

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const mappings = new URL('../mappings/', import.meta.url).pathname;
const PRAHA = join(fixtures, 'praha_ipr_kontejnery_stanoviste_ZPK_O_Kont_TOstan_b_sjtsk.geojson');
const LAYER = 'stanoviste-trideneho-odpadu';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'geoportal-etl-'));
}

describe.each(testBackends())('ETL import on %s', (backend) => {
  let database: Database;
  const count = async (table: string) =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(table)}`.execute(database.db)).rows[0]!.n;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('seeds the 25 municipalities and the sample pasport through the real import', async () => {
    const reports = await seedIfEmpty(database.db);
    expect(reports.slice(0, SEED_SOURCES.length).map((r) => r.layerId)).toEqual(SEED_SOURCES.map((s) => s.layer));
    // then the city-owned land (RÚIAN parcels joined with the property list), the synthetic land-use plans
    // (one run per JSÚPD layer and plan version) and the closures and events (one layer per geometry)
    expect(new Set(reports.slice(SEED_SOURCES.length).map((r) => r.layerId))).toEqual(new Set(['pozemky-mesta',
      'up-zastavene-uzemi', 'up-plochy-rzv', 'up-plochy-zmen', 'up-koridory', 'up-vps-vpo', 'up-vps-vpo-linie',
      'verejne-informace', 'verejne-informace-useky', 'verejne-informace-plochy']));
    expect(await count('layer_obce')).toBe(25);
    const names = (await sql<{ nazev: string }>`SELECT nazev FROM layer_obce ORDER BY nazev`.execute(database.db)).rows.map((r) => r.nazev);
    expect(names).toContain('Hora Svatého Šebestiána');
    expect(names).toContain('Chomutov');
    const sites = reports[1]!;
    expect(sites.inserted).toBeGreaterThan(600);
    expect(sites.rejected).toBe(0);
    // synthetic sites were generated inside municipalities: every one gets its municipality by location
    const unassigned = await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_stanoviste_trideneho_odpadu WHERE municipality_code IS NULL`.execute(database.db);
    expect(unassigned.rows[0]!.n).toBe(0);
    expect(await seedIfEmpty(database.db)).toEqual([]);
  });

  it('a re-import keeps features staff created in the editor', async () => {
    await sql`INSERT INTO layer_stanoviste_trideneho_odpadu (source_id, municipality_code, nazev, geom, content_hash)
      VALUES ('edit:test-1', 562971, 'Nové stanoviště', ST_SetSRID(ST_Point(13.41, 50.46), 4326), 'x')`.execute(database.db);
    const r = await importFile(database.db, { path: SEED_SOURCES[1].path, layerId: LAYER });
    expect(r.deleted).toBe(0);
    const kept = await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_stanoviste_trideneho_odpadu WHERE source_id = 'edit:test-1'`.execute(database.db);
    expect(kept.rows[0]!.n).toBe(1);
    await sql`DELETE FROM layer_stanoviste_trideneho_odpadu WHERE source_id = 'edit:test-1'`.execute(database.db);
  });

  it('re-importing the same file changes nothing', async () => {
    const before = (await sql<{ modified_at: Date }>`SELECT modified_at FROM layer_state WHERE layer_id = ${LAYER}`.execute(database.db)).rows[0]!.modified_at;
    const r = await importFile(database.db, { path: SEED_SOURCES[1].path, layerId: LAYER });
    expect(r).toMatchObject({ status: 'succeeded', inserted: 0, updated: 0, deleted: 0, rejected: 0 });
    expect(r.unchanged).toBe(r.read);
    const after = (await sql<{ modified_at: Date }>`SELECT modified_at FROM layer_state WHERE layer_id = ${LAYER}`.execute(database.db)).rows[0]!.modified_at;
    expect(new Date(after).getTime()).toBe(new Date(before).getTime());
  });

  it('transforms S-JTSK (EPSG:5514) with PostGIS and keeps the real Prague attributes', async () => {
    const r = await importFile(database.db, { path: PRAHA, layerId: LAYER, mapping: loadMapping(join(mappings, 'praha-ipr-kontejnery.json')), dryRun: true });
    expect(r.status).toBe('dry-run');
    expect(r.read).toBe(5534);
    expect(r.rejected).toBe(0);
    expect(r.warnings.join()).toMatch(/outside/);
    // the dry run left the published layer alone
    expect(await count('layer_stanoviste_trideneho_odpadu')).toBe(SEED_SOURCES.length && (await seedCount()));
  });

  async function seedCount(): Promise<number> {
    const doc = JSON.parse(readFileSync(SEED_SOURCES[1].path, 'utf8')) as { features: unknown[] };
    return doc.features.length;
  }

  it('reads a windows-1250 shapefile with S-JTSK .prj into the right place', async () => {
    const dir = tmp();
    for (const f of readdirSync(join(fixtures, 'kontejnery_cp1250'))) copyFileSync(join(fixtures, 'kontejnery_cp1250', f), join(dir, f));
    const r = await importFile(database.db, {
      path: join(dir, 'kontejnery.shp'),
      layerId: LAYER,
      mapping: loadMapping(join(mappings, 'praha-ipr-kontejnery-shp.json')),
      // the Prague file replaces the synthetic Chomutov sites: a withdrawal the operator states (issue 13.2)
      allowWithdraw: true,
    });
    expect(r).toMatchObject({ read: 200, inserted: 200, rejected: 0 });
    const row = (
      await sql<{ nazev: string; pristup: string; x: number; y: number; sx: number; sy: number }>`
        SELECT nazev, pristup, ST_X(geom) AS x, ST_Y(geom) AS y,
          ST_X(ST_Transform(ST_SetSRID(ST_Point(-742784.9999562949, -1043789.0000025257), 5514), 4326)) AS sx,
          ST_Y(ST_Transform(ST_SetSRID(ST_Point(-742784.9999562949, -1043789.0000025257), 5514), 4326)) AS sy
        FROM layer_stanoviste_trideneho_odpadu WHERE source_id = '3620'`.execute(database.db)
    ).rows[0]!;
    expect(row.nazev).toBe('Jungmannova 737/16');
    expect(row.pristup).toBe('obyvatelum-domu');
    // Jungmannova street, Praha 1
    expect(row.x).toBeCloseTo(14.4226, 2);
    expect(row.y).toBeCloseTo(50.0817, 2);
    expect(Math.abs(row.x - row.sx)).toBeLessThan(1e-9);
    expect(Math.abs(row.y - row.sy)).toBeLessThan(1e-9);
    // Czech letters survive the windows-1250 DBF
    const accented = await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_stanoviste_trideneho_odpadu WHERE nazev ~ '[ěščřžýáíéůúňťď]'`.execute(database.db);
    expect(accented.rows[0]!.n).toBeGreaterThan(10);
    // the shapefile replaced the whole layer (no --municipality): the seed sites were withdrawn
    expect(r.deleted).toBeGreaterThan(600);
    expect(await count('layer_stanoviste_trideneho_odpadu')).toBe(200);
  });

  it('rejects bad records by file, record and field, and keeps their published versions', async () => {
    const dir = tmp();
    const doc = JSON.parse(readFileSync(PRAHA, 'utf8')) as { features: { properties: Record<string, unknown>; geometry: unknown }[] };
    const features = doc.features.slice(0, 200);
    features[4]!.properties.PRISTUP = 'jen pro VIP';
    features[9]!.geometry = null;
    features[14]!.properties.ID = features[13]!.properties.ID;
    features[19]!.properties.STATIONNAME = '<img src=x onerror=alert(1)>';
    writeFileSync(join(dir, 'bad.geojson'), JSON.stringify({ ...doc, features }));
    const r = await importFile(database.db, { path: join(dir, 'bad.geojson'), layerId: LAYER, mapping: loadMapping(join(mappings, 'praha-ipr-kontejnery.json')) });
    expect(r.rejects).toEqual([
      { file: 'bad.geojson', record: 5, field: 'pristup', reason: expect.stringMatching(/not in the code list/) },
      { file: 'bad.geojson', record: 10, field: 'geometry', reason: 'geometry is missing' },
      { file: 'bad.geojson', record: 15, field: 'ID', reason: expect.stringMatching(/duplicate source id/) },
    ]);
    // record 15 took record 14's id, so its own id left the file: that one feature is withdrawn
    expect(r).toMatchObject({ status: 'succeeded', rejected: 3, updated: 1, deleted: 1 });
    // the rejected records' previous versions are still published
    expect(await count('layer_stanoviste_trideneho_odpadu')).toBe(199);
    const stored = await sql<{ nazev: string }>`SELECT nazev FROM layer_stanoviste_trideneho_odpadu WHERE source_id = ${String(features[19]!.properties.ID)}`.execute(database.db);
    expect(stored.rows[0]!.nazev).toBe('<img src=x onerror=alert(1)>');
    const saved = await sql<{ n: number }>`SELECT count(*)::int AS n FROM etl_reject WHERE run_id = ${r.runId}`.execute(database.db);
    expect(saved.rows[0]!.n).toBe(3);
  });

  it('withdraws the features a file no longer has, also when every record of it is rejected', async () => {
    const dir = tmp();
    const layer = getLayer('mobiliar')!;
    const table = 'layer_mobiliar';
    writeFileSync(join(dir, 'three.geojson'), JSON.stringify(sampleFeatureCollection(layer, 3)));
    expect(await importFile(database.db, { path: join(dir, 'three.geojson'), layerId: layer.id })).toMatchObject({ inserted: 3, deleted: 0 });
    // a file holding only one new feature, and that one is rejected: the three are no longer in the source
    const one = JSON.parse(JSON.stringify(sampleFeatureCollection(layer, 4))) as { features: { geometry: unknown }[] };
    one.features = one.features.slice(3).map((f) => ({ ...f, geometry: null }));
    writeFileSync(join(dir, 'one-bad.geojson'), JSON.stringify(one));
    const r = await importFile(database.db, { path: join(dir, 'one-bad.geojson'), layerId: layer.id, allowWithdraw: true });
    expect(r).toMatchObject({ read: 1, rejected: 1, inserted: 0, deleted: 3 });
    expect(await count(table)).toBe(0);
  });

  it('a run that breaks half-way leaves the published data intact', async () => {
    const dir = tmp();
    for (const f of readdirSync(join(fixtures, 'kontejnery_cp1250'))) copyFileSync(join(fixtures, 'kontejnery_cp1250', f), join(dir, f));
    const shp = readFileSync(join(dir, 'kontejnery.shp'));
    writeFileSync(join(dir, 'kontejnery.shp'), shp.subarray(0, 3000));
    const before = await sql<{ source_id: string; nazev: string }>`SELECT source_id, nazev FROM layer_stanoviste_trideneho_odpadu ORDER BY source_id`.execute(database.db);
    const err = await importFile(database.db, {
      path: join(dir, 'kontejnery.shp'),
      layerId: LAYER,
      mapping: loadMapping(join(mappings, 'praha-ipr-kontejnery-shp.json')),
      batchSize: 10,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/damaged after record \d+/);
    const after = await sql<{ source_id: string; nazev: string }>`SELECT source_id, nazev FROM layer_stanoviste_trideneho_odpadu ORDER BY source_id`.execute(database.db);
    expect(after.rows).toEqual(before.rows);
    const run = await sql<{ status: string; error: string }>`SELECT status, error FROM etl_run ORDER BY id DESC LIMIT 1`.execute(database.db);
    expect(run.rows[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/damaged/) });
  });

  it('refuses unreadable input as a whole', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'empty.geojson'), '');
    writeFileSync(join(dir, 'broken.geojson'), '{"type":"FeatureCollection","features":[');
    writeFileSync(join(dir, 'mars.geojson'), JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'IAU:49900' } }, features: [] }));
    writeFileSync(join(dir, 'none.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [] }));
    writeFileSync(join(dir, 'lonely.shp'), Buffer.alloc(100));
    const attempt = (f: string) => importFile(database.db, { path: join(dir, f), layerId: LAYER }).then(() => 'imported', (e: Error) => e.message);
    expect(await attempt('empty.geojson')).toBe('file is empty');
    expect(await attempt('broken.geojson')).toMatch(/not valid JSON/);
    expect(await attempt('mars.geojson')).toMatch(/unknown CRS "IAU:49900"/);
    expect(await attempt('none.geojson')).toBe('the source holds no features');
    expect(await attempt('lonely.shp')).toMatch(/\.dbf file .* missing/);
    expect(await importFile(database.db, { path: PRAHA, layerId: 'no-such-layer' }).catch((e: Error) => e.message)).toMatch(/unknown layer/);
    expect(await importFile(database.db, { path: PRAHA, layerId: LAYER, srid: 99999 }).catch((e: Error) => e.message)).toBe('unknown CRS EPSG:99999');
    expect(await count('layer_stanoviste_trideneho_odpadu')).toBe(199);
  });
});
