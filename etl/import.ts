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
import { mapProperties, unusedColumns, vendorValue, type FieldMapping } from './mapping.ts';
import { openSource, type SourceReader } from './readers/index.ts';
import type { ZipLimits } from './readers/types.ts';

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
  /** called every 1000 records and at the end; `total` when the format tells the record count */
  onProgress?: (read: number, total?: number) => void;
  /** rows per INSERT into the staging table (default 5000) */
  batchSize?: number;
  /** GeoPackage layer / file inside a zip */
  sourceLayer?: string;
  /** invalid geometries: repaired with ST_MakeValid and listed as warnings (default), or rejected */
  invalidGeometry?: 'repair' | 'reject';
  zipLimits?: Partial<ZipLimits>;
  /** a vendor value longer than this (characters) rejects its record; default 65 536 */
  maxValueLength?: number;
  /** what started the run (`cli`, `seed`, `schedule:<name>`, `landuse:<version>`) */
  trigger?: string;
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
  /** milliseconds per phase (stage, checks, publish): where a run spends its time */
  phases?: Record<string, number>;
  error?: string;
}

/** A source opened and checked, with its run recorded as `running`, ready to stage inside a transaction. */
export interface PreparedImport {
  layer: LayerSchema;
  source: SourceReader;
  srid: number;
  opts: ImportOptions;
  report: RunReport;
  started: number;
}

const DEFAULT_BATCH = 5000;
const DEFAULT_MAX_VALUE = 65_536;

class DryRunRollback extends Error {}

/**
 * Imports one file into a layer as a single run: the new version of the data
 * replaces the old in one transaction, so a failed or killed run leaves the
 * published data as it was. Records that fail validation are rejected (and
 * reported) without stopping the run; their previously published versions stay.
 */
export async function importFile(db: Kysely<any>, opts: ImportOptions): Promise<RunReport> {
  const p = await prepareImport(db, opts);
  try {
    await db
      .transaction()
      .execute(async (trx) => {
        await stageAndPublish(trx, p);
        if (opts.dryRun) throw new DryRunRollback();
      })
      .catch((e) => {
        if (!(e instanceof DryRunRollback)) throw e;
      });
  } catch (e) {
    p.report.status = 'failed';
    p.report.error = e instanceof Error ? e.message : String(e);
  }
  return finishImport(db, p);
}

/** Opens and checks the source and records the run; nothing is staged yet. */
export async function prepareImport(db: Kysely<any>, opts: ImportOptions): Promise<PreparedImport> {
  const started = Date.now();
  const layer = getLayer(opts.layerId);
  if (!layer) throw new InputError(`unknown layer "${opts.layerId}"`, basename(opts.path));
  if (!existsSync(opts.path)) throw new InputError('file not found', opts.path);
  if (opts.mapping && opts.mapping.layer !== layer.id)
    throw new InputError(`mapping is written for layer "${opts.mapping.layer}", not "${layer.id}"`, basename(opts.path));

  const source = await openSource(opts.path, {
    encoding: opts.encoding,
    sourceLayer: opts.sourceLayer,
    coordinates: opts.mapping?.coordinates,
    zipLimits: opts.zipLimits,
  });
  try {
    let srid = opts.srid ?? source.srid;
    if (srid === undefined) {
      // RFC 7946: GeoJSON without a `crs` member is WGS 84; every other format must say
      if (/\.(geo)?json$/i.test(source.file)) srid = STORAGE_SRID;
      else throw new InputError('the source does not state its CRS (missing .prj or SRS); state it with --srs, e.g. --srs EPSG:5514', source.file);
    }
    const known = await sql`SELECT 1 FROM spatial_ref_sys WHERE srid = ${srid}`.execute(db);
    if (known.rows.length === 0) throw new InputError(`unknown CRS EPSG:${srid}`, source.file);
    const checksum = await fileChecksum(opts.path);
    await markInterruptedRuns(db);
    const runId = (
      await sql<{ id: number }>`INSERT INTO etl_run (layer_id, source, checksum, status, trigger)
        VALUES (${layer.id}, ${opts.path}, ${checksum}, 'running', ${opts.trigger ?? null}) RETURNING id`.execute(db)
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
    return { layer, source, srid, opts, report, started };
  } catch (e) {
    await source.close?.();
    throw e;
  }
}

/** Records the outcome of a prepared run; throws an InputError carrying the report when it failed. */
export async function finishImport(db: Kysely<any>, p: PreparedImport): Promise<RunReport> {
  const report = p.report;
  await p.source.close?.();
  report.rejects.sort((a, b) => a.record - b.record);
  report.rejected = report.rejects.length;
  report.durationMs = Date.now() - p.started;
  await finishRun(db, report);
  if (report.status === 'failed') {
    const err = new InputError(report.error ?? 'import failed', p.source.file);
    (err as InputError & { report?: RunReport }).report = report;
    throw err;
  }
  return report;
}

/**
 * Stages every record of the source and publishes the result, inside the
 * caller's transaction. The audit trigger of the layer tables reads the acting
 * user from `geoportal.actor`, set here for the rest of the transaction.
 */
export async function stageAndPublish(trx: Transaction<any>, p: PreparedImport): Promise<void> {
  const { layer, source, srid, opts, report } = p;
  await sql`SELECT set_config('geoportal.actor', ${`etl:run:${report.runId}`}, true)`.execute(trx);
  // the run's row stays locked while its transaction lives: see markInterruptedRuns
  await sql`SELECT 1 FROM etl_run WHERE id = ${report.runId} FOR UPDATE`.execute(trx);
  const table = sql.raw(tableName(layer));
  const attrs = layer.attributes.map((a) => a.name);
  const attrCols = attrs.map((a) => sql.raw(a));
  const mapping = opts.mapping;
  const idField = mapping?.idField;
  const maxValue = opts.maxValueLength ?? DEFAULT_MAX_VALUE;

  await sql`DROP TABLE IF EXISTS etl_stage`.execute(trx);
  await sql`CREATE TEMP TABLE etl_stage (
      record integer NOT NULL,
      source_id text NOT NULL,
      municipality_code integer,
      geom geometry,
      content_hash text NOT NULL,
      ${sql.join(layer.attributes.map((a) => sql.raw(`${a.name} ${sqlType(a.type)}`)))}
    ) ON COMMIT DROP`.execute(trx);

  const rejectedIds = new Set<string>();
  const reject = (record: number, field: string | null, reason: string, sourceId?: string) => {
    report.rejects.push({ file: source.file, record, field, reason });
    if (sourceId !== undefined) rejectedIds.add(sourceId);
  };

  const batchRows = opts.batchSize ?? DEFAULT_BATCH;
  let batch = newBatch(attrs.length);
  // one batch is written while the next is read and validated
  let pending: Promise<unknown> = Promise.resolve();
  const flush = async () => {
    if (batch.record.length === 0) return;
    const b = batch;
    batch = newBatch(attrs.length);
    await pending;
    pending = insertBatch(trx, layer, b, srid);
    pending.catch(() => {});
  };

  let checkedColumns = false;
  const stagingStarted = performance.now();
  const prefix = opts.municipality !== undefined && layer.perMunicipality ? `${opts.municipality}:` : '';
  for await (const rec of source.records()) {
    report.read++;
    if (report.read % 1000 === 0) opts.onProgress?.(report.read, source.count);
    if (!checkedColumns) {
      checkedColumns = true;
      const unused = unusedColumns(Object.keys(rec.properties), attrs, mapping);
      if (unused.length) report.warnings.push(`columns not used by the layer or mapping: ${unused.join(', ')}`);
    }
    const geometryJson = rec.geometry ? JSON.stringify(rec.geometry) : 'null';
    let rawId: unknown;
    if (mapping?.idFromContent) rawId = createHash('sha1').update(JSON.stringify(rec.properties)).update(geometryJson).digest('hex').slice(0, 24);
    else rawId = idField ? vendorValue(rec.properties, idField) : (rec.id ?? vendorValue(rec.properties, 'source_id'));
    if (rawId === undefined || rawId === null || String(rawId).trim() === '') {
      reject(rec.record, idField ?? 'id', 'feature has no stable source id');
      continue;
    }
    const sourceId = prefix + String(rawId).trim();
    const oversized = Object.entries(rec.properties).find(([, v]) => typeof v === 'string' && v.length > maxValue);
    if (oversized) {
      reject(rec.record, oversized[0], `value of ${(oversized[1] as string).length} characters exceeds the limit of ${maxValue}`, sourceId);
      continue;
    }
    // undecodable bytes: the DBF is not in the encoding its .cpg (or the operator) claims
    const garbled = Object.entries(rec.properties).find(([, v]) => typeof v === 'string' && v.includes('\uFFFD'));
    if (garbled) {
      reject(rec.record, garbled[0], `text has bytes that are not ${source.encoding ?? 'UTF-8'} (wrong .cpg or --encoding?)`, sourceId);
      continue;
    }
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
    batch.record.push(rec.record);
    batch.sourceId.push(sourceId);
    batch.municipality.push(municipality);
    for (let i = 0; i < attrs.length; i++) batch.attrs[i]!.push(values[attrs[i]!] ?? null);
    const g = rec.geometry!;
    if (g.type === 'Point') {
      batch.geojson.push(null);
      batch.x.push(g.coordinates[0]!);
      batch.y.push(g.coordinates[1]!);
    } else {
      batch.geojson.push(geometryJson);
      batch.x.push(null);
      batch.y.push(null);
    }
    batch.hash.push(contentHash(values, geometryJson, srid));
    if (batch.record.length >= batchRows) await flush();
  }
  await flush();
  await pending;
  const phases: Record<string, number> = {};
  let mark = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark);
    mark = now;
  };
  phases.stage = Math.round(performance.now() - stagingStarted);
  report.phases = phases;
  opts.onProgress?.(report.read, source.count ?? report.read);
  if (report.read === 0) throw new InputError('the source holds no features', source.file);

  const dups = await sql<{ record: number; source_id: string }>`
    DELETE FROM etl_stage s USING (SELECT source_id, min(record) AS first FROM etl_stage GROUP BY source_id HAVING count(*) > 1) d
    WHERE s.source_id = d.source_id AND s.record > d.first RETURNING s.record, s.source_id`.execute(trx);
  for (const d of dups.rows)
    reject(d.record, mapping?.idFromContent ? 'geometry' : (idField ?? 'id'), `duplicate source id "${d.source_id.slice(prefix.length)}"`, d.source_id);

  phase('duplicates');
  await repairGeometries(trx, p, rejectedIds);
  phase('geometry');
  if (layer.perMunicipality) await assignMunicipalities(trx, opts.municipality, report);
  phase('municipalities');

  const setCols = sql.join(attrs.map((a) => sql`${sql.raw(a)} = EXCLUDED.${sql.raw(a)}`));
  const upsert = await sql<{ inserted: number; updated: number }>`
    WITH up AS (
      INSERT INTO ${table} AS t (source_id, municipality_code, ${sql.join(attrCols)}, geom, content_hash)
      SELECT source_id, municipality_code, ${sql.join(attrCols)}, geom, content_hash FROM etl_stage
      ON CONFLICT (source_id) DO UPDATE SET municipality_code = EXCLUDED.municipality_code, ${setCols},
        geom = EXCLUDED.geom, content_hash = EXCLUDED.content_hash, updated_at = now()
      WHERE t.content_hash IS DISTINCT FROM EXCLUDED.content_hash
         OR t.municipality_code IS DISTINCT FROM EXCLUDED.municipality_code
      RETURNING (xmax = 0) AS inserted)
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM up`.execute(trx);
  report.inserted = upsert.rows[0]!.inserted;
  report.updated = upsert.rows[0]!.updated;
  const staged = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM etl_stage`.execute(trx)).rows[0]!.n;
  report.unchanged = staged - report.inserted - report.updated;
  phase('upsert');

  // Features absent from the new file are withdrawn, except those whose new record was rejected and
  // those staff created in the editor (source id `edit:…`): a vendor export does not know them.
  const scope = opts.municipality !== undefined && layer.perMunicipality ? sql`AND municipality_code = ${opts.municipality}` : sql``;
  const kept = [...rejectedIds];
  const deleted = await sql`
    DELETE FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM etl_stage s WHERE s.source_id = t.source_id)
    AND t.source_id NOT LIKE 'edit:%'
    ${kept.length ? sql`AND NOT (t.source_id = ANY(${kept}::text[]))` : sql``} ${scope}`.execute(trx);
  report.deleted = Number(deleted.numAffectedRows ?? 0);
  phase('withdraw');

  await sql`UPDATE layer_state SET feature_count = (SELECT count(*) FROM ${table}), last_run_id = ${report.runId}
    WHERE layer_id = ${layer.id}`.execute(trx);
  if (report.inserted + report.updated + report.deleted > 0 && !opts.dryRun) {
    // a replacement may touch anything in the layer: invalidate its whole extent
    await recordChange(trx, { layerId: layer.id, bbox: null, source: `etl:run:${report.runId}` });
  }
}

interface Batch {
  record: number[];
  sourceId: string[];
  municipality: (number | null)[];
  attrs: AttributeValue[][];
  geojson: (string | null)[];
  x: (number | null)[];
  y: (number | null)[];
  hash: string[];
}

function newBatch(n: number): Batch {
  return { record: [], sourceId: [], municipality: [], attrs: Array.from({ length: n }, () => []), geojson: [], x: [], y: [], hash: [] };
}

/**
 * One statement per batch: every column travels as one array parameter and
 * `unnest` turns them back into rows, so the parameter count does not grow
 * with the batch. PostGIS parses and transforms the whole batch in bulk.
 */
async function insertBatch(trx: Transaction<any>, layer: LayerSchema, b: Batch, srid: number): Promise<void> {
  const attrs = layer.attributes;
  const cols = attrs.map((_, i) => sql.raw(`c${i}`));
  const arrays = attrs.map((a, i) => sql`${b.attrs[i]}::${sql.raw(sqlType(a.type))}[]`);
  const geom = sql`ST_SetSRID(CASE WHEN g IS NULL THEN ST_MakePoint(x, y) ELSE ST_GeomFromGeoJSON(g) END, ${srid}::integer)`;
  await sql`INSERT INTO etl_stage (record, source_id, municipality_code, ${sql.join(attrs.map((a) => sql.raw(a.name)))}, geom, content_hash)
    SELECT r, sid, m, ${sql.join(cols)}, ${srid === STORAGE_SRID ? geom : sql`ST_Transform(${geom}, ${STORAGE_SRID}::integer)`}, h
    FROM unnest(${b.record}::integer[], ${b.sourceId}::text[], ${b.municipality}::integer[], ${sql.join(arrays)},
      ${b.geojson}::text[], ${b.x}::float8[], ${b.y}::float8[], ${b.hash}::text[])
      AS u(r, sid, m, ${sql.join(cols)}, g, x, y, h)`.execute(trx);
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

async function repairGeometries(trx: Transaction<any>, p: PreparedImport, rejectedIds: Set<string>): Promise<void> {
  const { layer, report } = p;
  const file = p.source.file;
  if (!layer.geometryType.endsWith('Point')) {
    const invalid = await sql<{ record: number; source_id: string; reason: string }>`
      SELECT record, source_id, ST_IsValidReason(geom) AS reason FROM etl_stage WHERE NOT ST_IsValid(geom) ORDER BY record`.execute(trx);
    if (invalid.rows.length > 0) {
      if (p.opts.invalidGeometry === 'reject') {
        await sql`DELETE FROM etl_stage WHERE NOT ST_IsValid(geom)`.execute(trx);
        for (const r of invalid.rows) {
          report.rejects.push({ file, record: r.record, field: 'geometry', reason: `invalid geometry: ${r.reason}` });
          rejectedIds.add(r.source_id);
        }
      } else {
        const dim = layer.geometryType.endsWith('LineString') ? 2 : 3;
        await sql`UPDATE etl_stage SET geom = ST_CollectionExtract(ST_MakeValid(geom), ${dim}::integer) WHERE NOT ST_IsValid(geom)`.execute(trx);
        const list = invalid.rows.slice(0, 20).map((r) => `record ${r.record} (${r.reason})`).join('; ');
        report.warnings.push(`${invalid.rows.length} invalid geometries repaired with ST_MakeValid: ${list}${invalid.rows.length > 20 ? '; …' : ''}`);
      }
    }
  }
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

/**
 * A run still `running` whose row no live transaction locks belongs to a
 * process that died (kill -9, power loss): its transaction was rolled back, so
 * it is recorded as failed. A run merely between its preparation and its
 * transaction (milliseconds) is spared by the age limit, and would in any case
 * be corrected by its own finishRun.
 */
async function markInterruptedRuns(db: Kysely<any>): Promise<void> {
  await sql`UPDATE etl_run SET status = 'failed', finished_at = now(),
      error = 'interrupted: the importing process ended before the run finished (killed?); nothing was changed'
    WHERE id IN (SELECT id FROM etl_run WHERE status = 'running' AND started_at < now() - interval '2 seconds' FOR UPDATE SKIP LOCKED)`.execute(db);
}

async function finishRun(db: Kysely<any>, r: RunReport): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`UPDATE etl_run SET status = ${r.status}, finished_at = now(), read_count = ${r.read},
        inserted_count = ${r.inserted}, updated_count = ${r.updated}, unchanged_count = ${r.unchanged},
        deleted_count = ${r.deleted}, rejected_count = ${r.rejected}, duration_ms = ${r.durationMs},
        warnings = ${JSON.stringify(r.warnings)}::jsonb, error = ${r.error ?? null}
      WHERE id = ${r.runId}`.execute(trx);
    for (let i = 0; i < r.rejects.length; i += 5000) {
      const chunk = r.rejects.slice(i, i + 5000);
      await sql`INSERT INTO etl_reject (run_id, file, record, field, reason)
        SELECT ${r.runId}, f, rec, fld, rsn FROM unnest(${chunk.map((j) => j.file)}::text[], ${chunk.map((j) => j.record)}::integer[],
          ${chunk.map((j) => j.field)}::text[], ${chunk.map((j) => j.reason)}::text[]) AS u(f, rec, fld, rsn)`.execute(trx);
    }
  });
}
