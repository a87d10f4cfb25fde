import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { importFile } from '../../import.ts';
import { loadMapping } from '../../mapping.ts';
import { deliverUap, uapScope } from '../deliver.ts';
import { listDeliveries, uapState } from '../state.ts';
import { gdalAvailable, HIDDEN_NAME, SYNTHETIC_HIDDEN_PROVIDER, SYNTHETIC_PROVIDER, writeSyntheticDelivery, type SyntheticFiles } from './synthetic-delivery.ts';

const ETL = join(import.meta.dirname, '../..');
const CHOMUTOV = 562971;

describe.runIf(gdalAvailable()).each(testBackends())('ÚAP deliveries through the ETL on %s', (backend) => {
  let database: Database;
  let dir: string;
  let files: SyntheticFiles;
  const count = async (table: string, where = sql``) =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(table)} ${where}`.execute(database.db)).rows[0]!.n;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    dir = mkdtempSync(join(tmpdir(), 'geoportal-uap-'));
    files = writeSyntheticDelivery(dir);
    await importFile(database.db, { path: join(ETL, 'samples/data/obce_orp_chomutov.geojson'), layerId: 'obce', mapping: loadMapping(join(ETL, 'mappings/obce-ruian.json')) });
  }, 240_000);
  afterAll(async () => {
    await database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('takes a delivery of three jevy from a Shapefile (windows-1250, S-JTSK) and a GeoPackage into the layers of their geometry', async () => {
    const r = await deliverUap(database.db, {
      provider: SYNTHETIC_PROVIDER,
      deliveredOn: '2026-11-20',
      isPublic: true,
      actor: 'test',
      synthetic: true,
      parts: [
        { jev: 73, path: files.vedeniShpZip },
        { jev: 72, path: files.gpkg, sourceLayer: 'stanice' },
        { jev: 50, path: files.gpkg, sourceLayer: 'zaplavy' },
      ],
    });
    expect(r.parts.map((p) => [p.jev, p.layer, p.run.status, p.run.inserted, p.run.rejected])).toEqual([
      [73, 'uap-linie', 'succeeded', 2, 0],
      [72, 'uap-body', 'succeeded', 3, 0],
      [50, 'uap-plochy', 'succeeded', 1, 0],
    ]);
    expect(r.featureCount).toBe(6);
    expect(r.municipalities).toContain(CHOMUTOV);
    // windows-1250 text read right, the delivery's jev, provider, number and date on every feature
    const lines = (await sql<{ nazev: string; jev: string; poskytovatel: string; dodavka: number; datum_predani: string; x: number }>`
      SELECT nazev, jev, poskytovatel, dodavka, to_char(datum_predani, 'YYYY-MM-DD') AS datum_predani, ST_X(ST_StartPoint(ST_GeometryN(geom, 1))) AS x
      FROM layer_uap_linie ORDER BY nazev`.execute(database.db)).rows;
    expect(lines.map((l) => l.nazev)).toEqual(['Syntetické kabelové vedení NN – Žižkovo nám.', 'Syntetické vedení VN 22 kV – Přečaply']);
    expect(lines.every((l) => l.jev === '73' && l.poskytovatel === SYNTHETIC_PROVIDER && Number(l.dodavka) === r.deliveryId && l.datum_predani === '2026-11-20')).toBe(true);
    // S-JTSK transformed to WGS 84: Chomutov lies near 13.4° E
    expect(lines[0]!.x).toBeGreaterThan(13.3);
    expect(lines[0]!.x).toBeLessThan(13.5);
    const extent = (await sql<{ ok: boolean }>`SELECT extent IS NOT NULL AND ST_Intersects(extent, ST_SetSRID(ST_MakePoint(13.4175, 50.4603), 4326)) AS ok FROM uap_delivery WHERE id = ${r.deliveryId}`.execute(database.db)).rows[0]!;
    expect(extent.ok).toBe(true);

    const state = await uapState(database.db, CHOMUTOV, 'Chomutov');
    const byJev = new Map(state.jevy.map((j) => [j.cislo, j]));
    for (const j of [73, 72, 50]) {
      expect(byJev.get(j)!.status, `jev ${j}`).toBe('delivered');
      expect(byJev.get(j)!.deliveries[0]).toMatchObject({ id: r.deliveryId, provider: SYNTHETIC_PROVIDER, deliveredOn: '2026-11-20', isPublic: true, synthetic: true });
    }
    expect(byJev.get(1)!.status).toBe('missing');
    expect(state.counts.delivered).toBe(3);
    expect(state.counts.missing).toBe(116);
    // older than the update period: stale
    const later = await uapState(database.db, CHOMUTOV, 'Chomutov', { staleAfterDays: 30, now: new Date('2027-06-01T00:00:00Z') });
    expect(later.jevy.find((j) => j.cislo === 73)!.status).toBe('stale');
  });

  it('a new delivery replaces the provider’s earlier data of those jevy only, and keeps the earlier one as history', async () => {
    const before = await count('layer_uap_body');
    const first = (await listDeliveries(database.db))[0]!;
    // the provider delivers jev 73 again, now only one line (the GeoPackage's area layer stands in for nothing: use the shapefile subset)
    const r = await deliverUap(database.db, {
      provider: SYNTHETIC_PROVIDER,
      deliveredOn: '2026-11-28',
      isPublic: true,
      actor: 'test',
      synthetic: true,
      parts: [{ jev: 73, path: files.hiddenGpkg }],
    });
    expect(r.parts[0]!.run.inserted).toBe(1);
    expect(r.parts[0]!.run.deleted).toBe(2);
    const scope = uapScope(SYNTHETIC_PROVIDER, 73);
    expect(await count('layer_uap_linie', sql`WHERE left(source_id, ${scope.length}::integer) = ${scope}`)).toBe(1);
    // jev 72 of the first delivery is untouched
    expect(await count('layer_uap_body')).toBe(before);
    const list = await listDeliveries(database.db);
    expect(list[0]!.id).toBe(r.deliveryId);
    expect(list.find((d) => d.id === first.id)!.superseded).toEqual([73]);
    // the replaced features are in the history (system-versioned: their last version, ended by the delivery's run)
    const hist = await sql<{ n: number }>`SELECT count(*)::int AS n FROM feature_history WHERE layer_id = 'uap-linie' AND ended = 'delete' AND ended_by = ${`etl:run:${r.parts[0]!.run.runId}`}`.execute(database.db);
    expect(hist.rows[0]!.n).toBe(2);
    const state = await uapState(database.db, CHOMUTOV, 'Chomutov');
    expect(state.jevy.find((j) => j.cislo === 73)!.deliveries.map((d) => d.id)).toEqual([r.deliveryId]);
  });

  it('a jev delivered again as not public leaves the public layer; a bad delivery changes nothing', async () => {
    const r = await deliverUap(database.db, {
      provider: SYNTHETIC_PROVIDER,
      deliveredOn: '2026-11-29',
      isPublic: false,
      actor: 'test',
      parts: [{ jev: 73, path: files.vedeniShpZip }],
    });
    expect(r.parts[0]!.layer).toBe('uap-linie-neverejne');
    const scope = uapScope(SYNTHETIC_PROVIDER, 73);
    expect(await count('layer_uap_linie', sql`WHERE left(source_id, ${scope.length}::integer) = ${scope}`)).toBe(0);
    expect(await count('layer_uap_linie_neverejne', sql`WHERE left(source_id, ${scope.length}::integer) = ${scope}`)).toBe(2);

    const deliveries = (await listDeliveries(database.db)).length;
    const body = await count('layer_uap_body');
    // the second part names a layer the GeoPackage does not have: the whole delivery is refused
    await expect(
      deliverUap(database.db, { provider: SYNTHETIC_HIDDEN_PROVIDER, deliveredOn: '2026-11-30', isPublic: false, actor: 'test', parts: [{ jev: 72, path: files.gpkg, sourceLayer: 'stanice' }, { jev: 68, path: files.gpkg, sourceLayer: 'neni' }] }),
    ).rejects.toThrow(/no layer "neni"/);
    await expect(deliverUap(database.db, { provider: 'X', deliveredOn: '2026-11-30', isPublic: true, actor: 'test', parts: [{ jev: 120, path: files.gpkg }] })).rejects.toThrow(/not in the register/);
    await expect(deliverUap(database.db, { provider: 'X', deliveredOn: '2999-01-01', isPublic: true, actor: 'test', parts: [{ jev: 1, path: files.gpkg }] })).rejects.toThrow(/future/);
    expect((await listDeliveries(database.db)).length).toBe(deliveries);
    expect(await count('layer_uap_body')).toBe(body);
    expect(await count('layer_uap_linie_neverejne', sql`WHERE nazev = ${HIDDEN_NAME}`)).toBe(0);
  });

  it('a declared extent counts a jev as delivered (empty) in a covered municipality without features', async () => {
    const other = (await sql<{ kod: number }>`SELECT kod FROM layer_obce WHERE kod <> ${CHOMUTOV} ORDER BY kod LIMIT 1`.execute(database.db)).rows[0]!.kod;
    await deliverUap(database.db, { provider: 'SYNTETICKÁ DATA – Povodí', deliveredOn: '2026-11-30', isPublic: true, actor: 'test', synthetic: true, municipalities: [CHOMUTOV, Number(other)], parts: [{ jev: 51, path: files.gpkg, sourceLayer: 'zaplavy' }] });
    const state = await uapState(database.db, Number(other), 'jiná obec');
    const j = state.jevy.find((x) => x.cislo === 51)!;
    expect(j.status).toBe('delivered');
    expect(j.deliveries[0]!.features).toBe(0);
    await expect(deliverUap(database.db, { provider: 'X', deliveredOn: '2026-11-30', isPublic: true, actor: 'test', municipalities: [999999], parts: [{ jev: 51, path: files.gpkg, sourceLayer: 'zaplavy' }] })).rejects.toThrow(/not municipalities/);
  });
});
