import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { importFile, type RunReport } from './import.ts';
import { loadMapping } from './mapping.ts';
import { findPlanVersions, importPlanVersion } from './landuse.ts';
import { fromRoot } from '../schemas/paths.ts';
import { CITY_LAND_LAYER, importCityLand } from './ruian/city-land.ts';

const here = fromRoot('etl');

const RUIAN_SAMPLE = join(here, 'samples/data/chomutov_ruian_synthetic_UKSH.xml');

/** Sample data shipped in the repo, loaded on first start through the ordinary import. Order matters: municipalities first. */
export const SEED_SOURCES = [
  { layer: 'obce', path: join(here, 'samples/data/obce_orp_chomutov.geojson'), mapping: join(here, 'mappings/obce-ruian.json') },
  { layer: 'stanoviste-trideneho-odpadu', path: join(here, 'samples/data/chomutov_stanoviste_synthetic_sjtsk.geojson') },
  { layer: 'senzory', path: join(here, 'sensors/samples/chomutov_senzory_synthetic.geojson') },
  // RÚIAN basemap and addresses of a few Chomutov streets (synthetic, etl/samples/generate-ruian-chomutov.ts),
  // scoped to Chomutov as the monthly ČÚZK source imports each municipality's file (etl/ruian/monthly.ts)
  { layer: 'stavebni-objekty', path: RUIAN_SAMPLE, sourceLayer: 'StavebniObjekty', municipality: 562971 },
  { layer: 'ulice', path: RUIAN_SAMPLE, sourceLayer: 'Ulice', municipality: 562971 },
  { layer: 'casti-obci', path: RUIAN_SAMPLE, sourceLayer: 'CastiObci', municipality: 562971 },
  { layer: 'adresni-mista', path: RUIAN_SAMPLE, sourceLayer: 'AdresniMista', municipality: 562971 },
] as const;

/** Imports each sample whose layer has never been imported. A second start finds them done and does nothing. */
export async function seedIfEmpty(db: Kysely<any>, log: (msg: string) => void = () => {}): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  for (const s of SEED_SOURCES) {
    const state = await sql<{ last_run_id: number | null }>`SELECT last_run_id FROM layer_state WHERE layer_id = ${s.layer}`.execute(db);
    if (state.rows[0]?.last_run_id != null) continue;
    const mapping = 'mapping' in s ? loadMapping(s.mapping) : undefined;
    const r = await importFile(db, {
      path: s.path,
      layerId: s.layer,
      mapping,
      sourceLayer: 'sourceLayer' in s ? s.sourceLayer : undefined,
      municipality: 'municipality' in s ? s.municipality : undefined,
    });
    log(`seed: ${s.layer}: ${r.inserted} features imported (run ${r.runId})`);
    reports.push(r);
  }
  reports.push(...(await seedCityLand(db, log)));
  reports.push(...(await seedLandUse(db, log)));
  reports.push(...(await seedPublicInformation(db, log)));
  return reports;
}

const CLOSURES_SAMPLE = join(here, 'samples/data/chomutov_uzavirky_synthetic.geojson');
/** geometry type of each closures/events layer (schemas/layers/_verejne-informace.ts) */
const CLOSURE_LAYERS: Record<string, string> = { 'verejne-informace': 'Point', 'verejne-informace-useky': 'MultiLineString', 'verejne-informace-plochy': 'MultiPolygon' };

/** YYYY-MM-DD of `today + days` (calendar days, UTC arithmetic on the date). */
function dayOffset(today: string, days: number): string {
  return new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Synthetic closures and events (labelled "ukázka" in every title): the sample gives validity as days
 * relative to the seed day, so a fresh start always has current, planned and past items in each of
 * the three geometries. Each layer is seeded through the ordinary import, once.
 */
export async function seedPublicInformation(db: Kysely<any>, log: (msg: string) => void = () => {}, today = new Date().toISOString().slice(0, 10)): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  const sample = JSON.parse(readFileSync(CLOSURES_SAMPLE, 'utf8')) as { features: { geometry: { type: string }; properties: Record<string, unknown> }[] };
  const dir = mkdtempSync(join(tmpdir(), 'geoportal-seed-'));
  try {
    for (const [layer, type] of Object.entries(CLOSURE_LAYERS)) {
      const state = await sql<{ last_run_id: number | null }>`SELECT last_run_id FROM layer_state WHERE layer_id = ${layer}`.execute(db);
      if (state.rows[0]?.last_run_id != null) continue;
      const features = sample.features
        .filter((f) => f.geometry.type === type)
        .map(({ properties: { od_dni, do_dni, ...rest }, ...f }) => ({
          ...f,
          properties: { ...rest, platnost_od: dayOffset(today, Number(od_dni)), platnost_do: do_dni === null || do_dni === undefined ? null : dayOffset(today, Number(do_dni)) },
        }));
      const path = join(dir, `${layer}.geojson`);
      writeFileSync(path, JSON.stringify({ type: 'FeatureCollection', features }));
      const r = await importFile(db, { path, layerId: layer, srid: 4326 });
      log(`seed: ${layer}: ${r.inserted} synthetic closures/events imported (run ${r.runId})`);
      reports.push(r);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return reports;
}

/** City-owned land: the synthetic parcels of the RÚIAN sample joined with a synthetic property list. */
async function seedCityLand(db: Kysely<any>, log: (msg: string) => void): Promise<RunReport[]> {
  const state = await sql<{ last_run_id: number | null }>`SELECT last_run_id FROM layer_state WHERE layer_id = ${CITY_LAND_LAYER}`.execute(db);
  if (state.rows[0]?.last_run_id != null) return [];
  const r = await importCityLand(db, { parcels: RUIAN_SAMPLE, list: join(here, 'samples/data/chomutov_majetek_mesta_synthetic.csv'), municipality: 562971, trigger: 'seed' });
  log(`seed: ${CITY_LAND_LAYER}: ${r.inserted} parcels imported, ${r.rejected} list lines rejected (run ${r.runId})`);
  return [r];
}

/** Synthetic JSÚPD land-use plans (etl/samples/landuse): each version not yet imported, oldest first. */
export async function seedLandUse(db: Kysely<any>, log: (msg: string) => void = () => {}): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  for (const { dir, manifest: m } of findPlanVersions(join(here, 'samples/landuse'))) {
    const done = await sql`SELECT 1 FROM landuse_plan_version
      WHERE municipality_code = ${m.municipality} AND label = ${m.label} AND effective_from = ${m.effectiveFrom}::date`.execute(db);
    if (done.rows.length > 0) continue;
    const v = await importPlanVersion(db, dir, { manifest: m });
    log(`seed: land-use plan ${m.municipality} "${m.label}" (${m.effectiveFrom}, synthetic): ${v.runs.reduce((n, r) => n + r.inserted, 0)} features`);
    reports.push(...v.runs);
  }
  return reports;
}
