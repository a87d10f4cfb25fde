import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { getLayer, tableName } from '../schemas/index.ts';
import { recordChange } from '../sql/changes.ts';
import { InputError } from './errors.ts';
import { finishImport, prepareImport, stageAndPublish, type PreparedImport, type RunReport } from './import.ts';
import { loadMapping } from './mapping.ts';
import { fromRoot } from '../schemas/paths.ts';

const mappings = fromRoot('etl', 'mappings');

/** JSÚPD shapefiles we publish, the layer each goes to and its mapping. */
export const JSUPD_LAYERS = [
  { file: 'ZastaveneUzemi_p', layer: 'up-zastavene-uzemi', mapping: 'jsupd-zastavene-uzemi.json', required: true },
  { file: 'PlochyRZV_p', layer: 'up-plochy-rzv', mapping: 'jsupd-plochy-rzv.json', required: true },
  { file: 'PlochyZmen_p', layer: 'up-plochy-zmen', mapping: 'jsupd-plochy-zmen.json', required: true },
  { file: 'KoridoryP_p', layer: 'up-koridory', mapping: 'jsupd-koridory.json', required: false },
  { file: 'VpsVpoAs_p', layer: 'up-vps-vpo', mapping: 'jsupd-vps-vpo.json', required: false },
  { file: 'VpsVpoAs_l', layer: 'up-vps-vpo-linie', mapping: 'jsupd-vps-vpo-linie.json', required: false },
] as const;

export const LANDUSE_LAYER_IDS: readonly string[] = JSUPD_LAYERS.map((l) => l.layer);

/** `plan.json` next to the shapefiles of one plan version. */
export interface PlanManifest {
  municipality: number;
  label: string;
  changeNumber?: number | null;
  effectiveFrom: string;
  synthetic?: boolean;
}

export interface PlanVersionReport {
  versionId: number;
  municipality: number;
  label: string;
  effectiveFrom: string;
  runs: RunReport[];
}

export function readManifest(dir: string): PlanManifest {
  const path = join(dir, 'plan.json');
  if (!existsSync(path)) throw new InputError('plan.json is missing (municipality, label, effectiveFrom)', dir);
  let m: PlanManifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as PlanManifest;
  } catch (e) {
    throw new InputError(`plan.json is not valid JSON: ${(e as Error).message}`, path);
  }
  if (!Number.isInteger(m.municipality) || String(m.municipality).length !== 6) throw new InputError('plan.json: municipality must be a 6-digit RÚIAN code', path);
  if (typeof m.label !== 'string' || m.label.trim() === '') throw new InputError('plan.json: label is missing', path);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(m.effectiveFrom ?? '')) throw new InputError('plan.json: effectiveFrom must be YYYY-MM-DD', path);
  return m;
}

/**
 * Imports one version of a municipality's land-use plan (a folder of JSÚPD
 * shapefiles + plan.json) in ONE transaction: every layer of the municipality
 * is replaced by the version's content (a layer the version lacks is emptied
 * for the municipality), the version becomes current, and its features are
 * archived so that earlier versions stay queryable after later changes.
 */
export async function importPlanVersion(db: Kysely<any>, dir: string, opts: { dryRun?: boolean; manifest?: PlanManifest } = {}): Promise<PlanVersionReport> {
  const m = opts.manifest ?? readManifest(dir);
  const current = (
    await sql<{ effective_from: string; label: string }>`SELECT to_char(effective_from, 'YYYY-MM-DD') AS effective_from, label
      FROM landuse_plan_version WHERE municipality_code = ${m.municipality} AND is_current`.execute(db)
  ).rows[0];
  if (current && current.effective_from > m.effectiveFrom)
    throw new InputError(`version "${m.label}" (${m.effectiveFrom}) is older than the current "${current.label}" (${current.effective_from})`, dir);

  const files = readdirSync(dir);
  const found = JSUPD_LAYERS.map((l) => ({ ...l, path: files.find((f) => f.toLowerCase() === `${l.file.toLowerCase()}.shp`) }));
  const missing = found.filter((l) => l.required && !l.path).map((l) => `${l.file}.shp`);
  if (missing.length) throw new InputError(`mandatory JSÚPD layers are missing: ${missing.join(', ')}`, dir);

  const prepared: PreparedImport[] = [];
  try {
    for (const l of found.filter((l) => l.path)) {
      prepared.push(
        await prepareImport(db, {
          path: join(dir, l.path!),
          layerId: l.layer,
          municipality: m.municipality,
          mapping: loadMapping(join(mappings, l.mapping)),
          dryRun: opts.dryRun,
          // a plan version replaces the municipality's plan as a whole: no withdrawal limit
          fullReplacement: true,
          trigger: `landuse:${m.municipality}:${m.label}`,
        }),
      );
    }
  } catch (e) {
    for (const p of prepared) {
      p.report.status = 'failed';
      p.report.error = `not run: ${(e as Error).message}`;
      await finishImport(db, p).catch(() => {});
    }
    throw e;
  }

  let versionId = 0;
  let failure: unknown;
  try {
    await db.transaction().execute(async (trx) => {
      for (const p of prepared) await stageAndPublish(trx, p);
      for (const l of found.filter((l) => !l.path)) {
        const t = sql.raw(tableName(getLayer(l.layer)!));
        const gone = await sql`DELETE FROM ${t} WHERE municipality_code = ${m.municipality}`.execute(trx);
        if (Number(gone.numAffectedRows ?? 0) > 0)
          await recordChange(trx, { layerId: l.layer, bbox: null, source: `etl:landuse:${m.municipality}` });
      }
      await sql`UPDATE landuse_plan_version SET is_current = false WHERE municipality_code = ${m.municipality} AND is_current`.execute(trx);
      versionId = (
        await sql<{ id: number }>`INSERT INTO landuse_plan_version (municipality_code, label, change_number, effective_from, synthetic, source, is_current)
          VALUES (${m.municipality}, ${m.label}, ${m.changeNumber ?? null}, ${m.effectiveFrom}::date, ${m.synthetic ?? false}, ${basename(dir)}, true)
          ON CONFLICT (municipality_code, effective_from, label) DO UPDATE SET is_current = true, source = EXCLUDED.source, imported_at = now()
          RETURNING id`.execute(trx)
      ).rows[0]!.id;
      await sql`DELETE FROM landuse_archive WHERE version_id = ${versionId}`.execute(trx);
      for (const layerId of LANDUSE_LAYER_IDS) {
        const layer = getLayer(layerId)!;
        const cols = layer.attributes.map((a) => sql`${a.name}::text, t.${sql.raw(a.name)}`);
        await sql`INSERT INTO landuse_archive (version_id, layer_id, source_id, properties, geom)
          SELECT ${versionId}, ${layerId}, t.source_id, jsonb_strip_nulls(jsonb_build_object(${sql.join(cols)})), t.geom
          FROM ${sql.raw(tableName(layer))} t WHERE t.municipality_code = ${m.municipality}`.execute(trx);
      }
      if (opts.dryRun) throw new DryRun();
    });
  } catch (e) {
    if (!(e instanceof DryRun)) failure = e;
  }
  const runs: RunReport[] = [];
  for (const p of prepared) {
    if (failure && p.report.status !== 'failed') {
      p.report.status = 'failed';
      p.report.error = `plan version not imported: ${(failure as Error).message}`;
    }
    try {
      runs.push(await finishImport(db, p));
    } catch (e) {
      if (!failure) failure = e;
    }
  }
  if (failure) throw failure instanceof InputError ? failure : new InputError((failure as Error).message, dir);
  return { versionId, municipality: m.municipality, label: m.label, effectiveFrom: m.effectiveFrom, runs };
}

class DryRun extends Error {}

/** Plan folders under a root (`<kod>-<name>/<version>/plan.json`), oldest effective date first. */
export function findPlanVersions(root: string): { dir: string; manifest: PlanManifest }[] {
  const out: { dir: string; manifest: PlanManifest }[] = [];
  const walk = (d: string, depth: number) => {
    if (existsSync(join(d, 'plan.json'))) out.push({ dir: d, manifest: readManifest(d) });
    if (depth === 0) return;
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name), depth - 1);
  };
  walk(root, 2);
  return out.sort((a, b) => a.manifest.municipality - b.manifest.municipality || a.manifest.effectiveFrom.localeCompare(b.manifest.effectiveFrom));
}
