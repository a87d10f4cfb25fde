import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Geometry } from 'geojson';
import { getLayer, MUNICIPALITY_LAYER_ID, tableName, type LayerSchema } from '../schemas/index.ts';
import { STORAGE_SRID, sqlType } from '../schemas/ddl.ts';
import { recordChange } from '../sql/changes.ts';
import { validateProperties, type AttributeValue } from '../schemas/validate.ts';
import { InputError } from './errors.ts';
import { plausibleFor } from './crs.ts';
import { mapProperties, vendorValue, type FieldMapping } from './mapping.ts';
import { openSource } from './readers/index.ts';

export interface ImportOptions {
  path: string;
  layerId: string;
  /** RÚIAN code: the file holds only this municipality's features, and only they are replaced */
  municipality?: number;
  /** EPSG code overriding (or supplying) the source's CRS */
  srid?: number;
  encoding?: string;
  mapping?: FieldMapping;
  dryRun?: boolean;
  onProgress?: (read: number) => void;
  /** rows per INSERT into the staging table (default: as many as fit in the bind-parameter budget) */
  batchSize?: number;
}

export interface Reject {
  file: string;
  record: number;
  field: string | null;
  reason: string;
}

export interface RunReport {
  runId: number;
  layerId: string;
  source: string;
  checksum: string;
  status: 'succeeded' | 'failed' | 'dry-run';
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  rejected: number;
  warnings: string[];
  rejects: Reject[];
  durationMs: number;
  error?: string;
}

const CHUNK_PARAMS = 30_000;

class DryRunRollback extends Error {}

/**
 * Imports one file into a layer as a single run: the new version of the data
 * replaces the old in one transaction, so a failed or killed run leaves the
 * published data as it was. Records that fail validation are rejected (and
 * reported) without stopping the run; their previously published versions stay.
 */
export async function importFile(db: Kysely<any>, opts: ImportOptions): Promise<RunReport> {
  const started = Date.now();
  const layer = getLayer(opts.layerId);
  if (!layer) throw new InputError(`unknown layer "${opts.layerId}"`, basename(opts.path));
  if (!existsSync(opts.path)) throw new InputError('file not found', opts.path);
  if (opts.mapping && opts.mapping.layer !== layer.id)
    throw new InputError(`mapping is written for layer "${opts.mapping.layer}", not "${layer.id}"`, basename(opts.path));

  const source = await openSource(opts.path, { encoding: opts.encoding });
  const srid = opts.srid ?? source.srid ?? 4326;
  const known = await sql`SELECT 1 FROM spatial_ref_sys WHERE srid = ${srid}`.execute(db);
  if (known.rows.length === 0) throw new InputError(`unknown CRS EPSG:${srid}`, source.file);
  const checksum = await fileChecksum(opts.path);
  const runId = (
    await sql<{ id: number }>`INSERT INTO etl_run (layer_id, source, checksum, status)
      VALUES (${layer.id}, ${opts.path}, ${checksum}, 'running') RETURNING id`.execute(db)
  ).rows[0]!.id;

  const report: RunReport = {
    runId,
    layerId: layer.id,
    source: opts.path,
    checksum,
    status: opts.dryRun ? 'dry-run' : 'succeeded',
    read: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    rejected: 0,
    warnings: [],
    rejects: [],
    durationMs: 0,
  };

  try {
    await db
      .transaction()
      .execute(async (trx) => {
        await stageAndPublish(trx, layer, source, srid, opts, report);
        if (opts.dryRun) throw new DryRunRollback();
      })
      .catch((e) => {
        if (!(e instanceof DryRunRollback)) throw e;
      });
  } catch (e) {
    report.status = 'failed';
    report.error = e instanceof Error ? e.message : String(e);
  }
  report.rejected = report.rejects.length;
  report.durationMs = Date.now() - started;
  await finishRun(db, report);
  if (report.status === 'failed') {
    const err = new InputError(report.error ?? 'import failed', source.file);
    (err as InputError & { report?: RunReport }).report = report;
    throw err;
  }
  return report;
}

async function stageAndPublish(
  trx: Transaction<any>,
  layer: LayerSchema,
  source: Awaited<ReturnType<typeof openSource>>,
  srid: number,
  opts: ImportOptions,
  report: RunReport,
): Promise<void> {
  const table = sql.raw(tableName(layer));
  const attrs = layer.attributes.map((a) => a.name);
  const attrCols = attrs.map((a) => sql.raw(a));
  const mapping = opts.mapping;
  const idField = mapping?.idField;

  await sql`CREATE TEMP TABLE etl_stage (
      record integer NOT NULL,
      source_id text NOT NULL,
      municipality_code integer,
      geom geometry,
      content_hash text NOT NULL,
      ${sql.join(layer.attributes.map((a) => sql.raw(`${a.name} ${sqlType(a.type)}`)))}
    ) ON COMMIT DROP`.execute(trx);

  const seen = new Set<string>();
  const rejectedIds = new Set<string>();
  const reject = (record: number, field: string | null, reason: string, sourceId?: string) => {
    report.rejects.push({ file: source.file, record, field, reason });
    if (sourceId !== undefined) rejectedIds.add(sourceId);
  };

  const rowWidth = attrs.length + 6;
  const chunkRows = opts.batchSize ?? Math.max(1, Math.floor(CHUNK_PARAMS / rowWidth));
  let batch: ReturnType<typeof sql>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await sql`INSERT INTO etl_stage (record, source_id, municipality_code, ${sql.join(attrCols)}, geom, content_hash)
      VALUES ${sql.join(batch)}`.execute(trx);
    batch = [];
  };

  for await (const rec of source.records()) {
    report.read++;
    if (report.read % 1000 === 0) opts.onProgress?.(report.read);
    const rawId = idField ? vendorValue(rec.properties, idField) : (rec.id ?? vendorValue(rec.properties, 'source_id'));
    if (rawId === undefined || rawId === null || String(rawId).trim() === '') {
      reject(rec.record, idField ?? 'id', 'feature has no stable source id');
      continue;
    }
    const sourceId = String(rawId).trim();
    if (seen.has(sourceId)) {
      reject(rec.record, idField ?? 'id', `duplicate source id "${sourceId}"`, sourceId);
      continue;
    }
    seen.add(sourceId);
    const geomError = checkGeometry(rec.geometry, layer, srid);
    if (geomError) {
      reject(rec.record, 'geometry', geomError, sourceId);
      continue;
    }
    const { values, errors } = validateProperties(layer, mapProperties(rec.properties, attrs, mapping), { coerce: true });
    if (errors.length > 0) {
      for (const e of errors) reject(rec.record, e.field, e.reason, sourceId);
      continue;
    }
    let municipality: number | null = opts.municipality ?? null;
    if (!layer.perMunicipality) municipality = null;
    else if (municipality === null && mapping?.municipalityField) {
      const m = Number(vendorValue(rec.properties, mapping.municipalityField));
      municipality = Number.isInteger(m) && m > 0 ? m : null;
    }
    const geometryJson = JSON.stringify(rec.geometry);
    const hash = contentHash(values, geometryJson, srid);
    batch.push(
      sql`(${rec.record}, ${sourceId}, ${municipality}, ${sql.join(attrs.map((a) => sql`${values[a] as AttributeValue}`))},
        ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(${geometryJson}), ${srid}::integer), ${STORAGE_SRID}::integer), ${hash})`,
    );
    if (batch.length >= chunkRows) await flush();
  }
  await flush();
  opts.onProgress?.(report.read);
  if (report.read === 0) throw new InputError('the source holds no features', source.file);

  await repairGeometries(trx, layer, report, source.file, rejectedIds);
  if (layer.perMunicipality) await assignMunicipalities(trx, opts.municipality, report);

  const setCols = sql.join(attrs.map((a) => sql`${sql.raw(a)} = EXCLUDED.${sql.raw(a)}`));
  const upsert = await sql<{ inserted: boolean }>`
    INSERT INTO ${table} AS t (source_id, municipality_code, ${sql.join(attrCols)}, geom, content_hash)
    SELECT source_id, municipality_code, ${sql.join(attrCols)}, geom, content_hash FROM etl_stage
    ON CONFLICT (source_id) DO UPDATE SET municipality_code = EXCLUDED.municipality_code, ${setCols},
      geom = EXCLUDED.geom, content_hash = EXCLUDED.content_hash, updated_at = now()
    WHERE t.content_hash IS DISTINCT FROM EXCLUDED.content_hash
       OR t.municipality_code IS DISTINCT FROM EXCLUDED.municipality_code
    RETURNING (xmax = 0) AS inserted`.execute(trx);
  report.inserted = upsert.rows.filter((r) => r.inserted).length;
  report.updated = upsert.rows.length - report.inserted;
  const staged = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM etl_stage`.execute(trx)).rows[0]!.n;
  report.unchanged = staged - upsert.rows.length;

  // Features absent from the new file are withdrawn, except those whose new record was rejected.
  const scope = opts.municipality !== undefined && layer.perMunicipality ? sql`AND municipality_code = ${opts.municipality}` : sql``;
  const kept = [...rejectedIds];
  const deleted = await sql`
    DELETE FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM etl_stage s WHERE s.source_id = t.source_id)
    ${kept.length ? sql`AND NOT (t.source_id = ANY(${kept}::text[]))` : sql``} ${scope}`.execute(trx);
  report.deleted = Number(deleted.numAffectedRows ?? 0);

  await sql`UPDATE layer_state SET feature_count = (SELECT count(*) FROM ${table}), last_run_id = ${report.runId}
    WHERE layer_id = ${layer.id}`.execute(trx);
  if (report.inserted + report.updated + report.deleted > 0 && !opts.dryRun) {
    // a replacement may touch anything in the layer: invalidate its whole extent
    await recordChange(trx, { layerId: layer.id, bbox: null, source: `etl:run:${report.runId}` });
  }
}

/** Geometry checks that need no database: presence, type family and plausible coordinates. */
function checkGeometry(g: Geometry | null, layer: LayerSchema, srid: number): string | null {
  if (!g || !('type' in g)) return 'geometry is missing';
  if (g.type === 'GeometryCollection') return 'geometry collections are not supported';
  const family = (t: string) => t.replace(/^Multi/, '');
  if (family(g.type) !== family(layer.geometryType))
    return `geometry type ${g.type} does not fit the layer (${layer.geometryType})`;
  if (g.type === 'MultiPoint' && layer.geometryType === 'Point' && g.coordinates.length !== 1)
    return 'a multi-point cannot be stored as one point';
  const first = firstPosition(g.coordinates);
  if (!first) return 'geometry is empty';
  if (!first.every(Number.isFinite)) return 'coordinates are not numbers';
  if (!plausibleFor(srid, first[0]!, first[1]!))
    return `coordinates ${first[0]}, ${first[1]} are not valid in EPSG:${srid}`;
  return null;
}

function firstPosition(c: unknown): number[] | null {
  let cur: unknown = c;
  while (Array.isArray(cur) && Array.isArray(cur[0])) cur = cur[0];
  return Array.isArray(cur) && cur.length >= 2 ? (cur as number[]) : null;
}

async function repairGeometries(
  trx: Transaction<any>,
  layer: LayerSchema,
  report: RunReport,
  file: string,
  rejectedIds: Set<string>,
): Promise<void> {
  const dim = layer.geometryType.endsWith('Point') ? 1 : layer.geometryType.endsWith('LineString') ? 2 : 3;
  const repaired = await sql`UPDATE etl_stage SET geom = ST_CollectionExtract(ST_MakeValid(geom), ${dim}::integer)
    WHERE NOT ST_IsValid(geom)`.execute(trx);
  const n = Number(repaired.numAffectedRows ?? 0);
  if (n > 0) report.warnings.push(`${n} invalid geometries repaired with ST_MakeValid`);
  const fix = layer.geometryType.startsWith('Multi') ? sql`ST_Multi(geom)` : sql`ST_GeometryN(geom, 1)`;
  await sql`UPDATE etl_stage SET geom = ${fix} WHERE GeometryType(geom) <> ${layer.geometryType.toUpperCase()}`.execute(trx);
  const empty = await sql<{ record: number; source_id: string }>`
    DELETE FROM etl_stage WHERE geom IS NULL OR ST_IsEmpty(geom) OR GeometryType(geom) <> ${layer.geometryType.toUpperCase()}
    RETURNING record, source_id`.execute(trx);
  for (const r of empty.rows) {
    report.rejects.push({ file, record: r.record, field: 'geometry', reason: 'geometry is empty or of the wrong type after repair' });
    rejectedIds.add(r.source_id);
  }
}

async function assignMunicipalities(trx: Transaction<any>, stated: number | undefined, report: RunReport): Promise<void> {
  const obce = sql.raw(tableName(getLayer(MUNICIPALITY_LAYER_ID)!));
  if (stated === undefined) {
    await sql`UPDATE etl_stage s SET municipality_code = o.kod FROM ${obce} o
      WHERE s.municipality_code IS NULL AND ST_Intersects(o.geom, ST_PointOnSurface(s.geom))`.execute(trx);
  }
  const outside = await sql<{ n: number }>`SELECT count(*)::int AS n FROM etl_stage s WHERE s.municipality_code IS NULL
    OR NOT EXISTS (SELECT 1 FROM ${obce} o WHERE o.kod = s.municipality_code AND ST_Intersects(o.geom, ST_PointOnSurface(s.geom)))`.execute(trx);
  const n = outside.rows[0]!.n;
  if (n > 0) report.warnings.push(`${n} features lie outside their municipality (or outside ORP Chomutov)`);
}

function contentHash(values: Record<string, AttributeValue>, geometryJson: string, srid: number): string {
  return createHash('sha1').update(JSON.stringify(values)).update('\0').update(geometryJson).update(`\0${srid}`).digest('hex');
}

async function fileChecksum(path: string): Promise<string> {
  const h = createHash('sha256');
  const parts = [path];
  if (/\.shp$/i.test(path)) for (const ext of ['.dbf', '.prj', '.cpg']) parts.push(path.replace(/\.shp$/i, ext));
  for (const p of parts.filter((p) => existsSync(p))) {
    for await (const chunk of createReadStream(p)) h.update(chunk as Buffer);
  }
  return h.digest('hex');
}

async function finishRun(db: Kysely<any>, r: RunReport): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`UPDATE etl_run SET status = ${r.status}, finished_at = now(), read_count = ${r.read},
        inserted_count = ${r.inserted}, updated_count = ${r.updated}, unchanged_count = ${r.unchanged},
        deleted_count = ${r.deleted}, rejected_count = ${r.rejected},
        warnings = ${JSON.stringify(r.warnings)}::jsonb, error = ${r.error ?? null}
      WHERE id = ${r.runId}`.execute(trx);
    for (let i = 0; i < r.rejects.length; i += 1000) {
      const chunk = r.rejects.slice(i, i + 1000);
      await sql`INSERT INTO etl_reject (run_id, file, record, field, reason) VALUES
        ${sql.join(chunk.map((j) => sql`(${r.runId}, ${j.file}, ${j.record}, ${j.field}, ${j.reason})`))}`.execute(trx);
    }
  });
}
