import { createHash, hash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { basename } from 'node:path';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Geometry } from 'geojson';
import { getLayer, MUNICIPALITY_LAYER_ID, tableName, type LayerSchema } from '../schemas/index.ts';
import { spatialIndexDdl, STORAGE_SRID, sqlType } from '../schemas/ddl.ts';
import { recordChange } from '../sql/changes.ts';
import { copyFrom, copyText } from '../sql/copy.ts';
import { validateProperties, type AttributeValue } from '../schemas/validate.ts';
import { InputError } from './errors.ts';
import { plausibleFor, SJTSK_SOUTH_WEST, SJTSK_SOUTH_WEST_MESSAGE } from './crs.ts';
import { compileMapping, unusedColumns, vendorValue, type FieldMapping } from './mapping.ts';
import { openSource, type SourceReader } from './readers/index.ts';
import { chooseIdSource, describeIdSource, type IdSource } from './source-id.ts';
import type { SourceRecord, ZipLimits } from './readers/types.ts';
import { ewkbHex } from './wkb.ts';

export interface ImportOptions {
  path: string;
  layerId: string;
  /** RÚIAN code: the file holds only this municipality's features, and only they are replaced */
  municipality?: number;
  /**
   * A part of the layer the file replaces, other than a municipality (ÚAP: one provider's jev): every
   * record's source id is prefixed with it, and only features whose source id starts with it are withdrawn.
   */
  sourceIdScope?: string;
  /** EPSG code overriding (or supplying) the source's CRS */
  srid?: number;
  encoding?: string;
  mapping?: FieldMapping;
  dryRun?: boolean;
  /** called every `progressEvery` records and at the end; `total` when the format tells the record count */
  onProgress?: (read: number, total?: number) => void;
  /** records between two `onProgress` calls (default 1000; the portal's live progress asks for finer steps) */
  progressEvery?: number;
  /**
   * With `municipality`: a record whose geometry lies outside that municipality is rejected instead of
   * published with a warning (a municipality editor's upload never touches another municipality)
   */
  rejectOutsideMunicipality?: boolean;
  /** rows per COPY into the staging table (default 2000: small batches keep the pipeline busy and the garbage young) */
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
  /** column holding the stable source id (`--id-field`); overrides the mapping's and the detection */
  idField?: string;
  /** the operator accepts that this run withdraws more than `maxWithdrawShare` of the layer (or all of it) */
  allowWithdraw?: boolean;
  /** the file is declared to replace the layer (scope) completely, e.g. a new land-use plan version: no withdrawal limit */
  fullReplacement?: boolean;
  /** largest share of the features in scope one run may withdraw without `allowWithdraw` (default 0.2) */
  maxWithdrawShare?: number;
  /** a feature staff edited since it was imported, which this file would change: keep the edit (default), overwrite it, or publish nothing */
  editPolicy?: EditPolicy;
  /** records refused before the file was written (a joined source: the rows of a list that match nothing) */
  extraRejects?: Reject[];
}

export type EditPolicy = 'edits-win' | 'source-wins' | 'hold';
export const EDIT_POLICIES: readonly EditPolicy[] = ['edits-win', 'source-wins', 'hold'];

/** A feature whose current version an editor made, and which the source would change. */
export interface EditConflict {
  file: string;
  record: number;
  fid: number;
  sourceId: string;
  editedBy: string;
  editedAt: string | null;
  outcome: 'kept-edit' | 'overwritten' | 'held';
  differences: { field: string; source: unknown; edited: unknown }[];
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
  /** features edited by staff that the source would change, and what became of them */
  conflicts: EditConflict[];
  editPolicy: EditPolicy;
  /**
   * of `unchanged`, the records skipped before validation and staging because their fingerprint (a digest
   * of the record's bytes, see recordDigest) equals the one their feature was last imported with
   */
  skipped?: number;
  /** where the records' source ids came from (column chosen, named, …) */
  idSource?: string;
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
  /** performance.now() at the start (phases) */
  startedAt: number;
  /** milliseconds spent before, comparing the file with the last run's */
  sameFileCheckMs?: number;
  /** SHA-256 of the source file(s), computed while the import runs */
  checksum: Promise<string>;
  /** where each record's source id comes from (etl/source-id.ts) */
  idSource: IdSource;
}

const DEFAULT_BATCH = 2000;
const DEFAULT_MAX_VALUE = 65_536;
export const DEFAULT_MAX_WITHDRAW_SHARE = 0.2;

class DryRunRollback extends Error {}

/** A run refused because it would withdraw too much of the layer: nothing is changed, exit code 1. */
export class WithdrawRefused extends InputError {}

/**
 * Imports one file into a layer as a single run: the new version of the data
 * replaces the old in one transaction, so a failed or killed run leaves the
 * published data as it was. Records that fail validation are rejected (and
 * reported) without stopping the run; their previously published versions stay.
 */
export async function importFile(db: Kysely<any>, opts: ImportOptions): Promise<RunReport> {
  const checked = performance.now();
  const same = await unchangedSinceLastRun(db, opts);
  if (same && 'runId' in same) return same;
  const p = await prepareImport(db, opts, same?.checksum);
  // comparing the file with the last run's (its checksum) before a run that then reads it
  p.sameFileCheckMs = Math.round(performance.now() - checked) - Math.round(performance.now() - p.startedAt);
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

/**
 * What, besides the file, decides a run's result: a re-import with the same file and the same
 * options can only give what the last run gave.
 */
function optionsHash(opts: ImportOptions): string {
  const { layerId, municipality, srid, encoding, mapping, sourceLayer, invalidGeometry, maxValueLength, idField, sourceIdScope, rejectOutsideMunicipality } = opts;
  // options added later enter only when set, so earlier runs' hashes stay valid
  const later = [...(sourceIdScope ? [sourceIdScope] : []), ...(rejectOutsideMunicipality && municipality !== undefined ? ['reject-outside-municipality'] : [])];
  return hash('sha1', JSON.stringify([layerId, municipality ?? null, srid ?? null, encoding ?? null, mapping ?? null, sourceLayer ?? null, invalidGeometry ?? null, maxValueLength ?? null, idField ?? null, ...later]), 'hex');
}

/**
 * Issue 16.4: a file whose checksum and options equal those of the layer's last successful run
 * (no other run has published into the layer since) is recorded as unchanged without reading its
 * features. Not for dry runs, nor under the source-wins policy (which must overwrite edits made since).
 */
async function unchangedSinceLastRun(db: Kysely<any>, opts: ImportOptions): Promise<RunReport | { checksum: string } | undefined> {
  if (opts.dryRun || (opts.editPolicy ?? 'edits-win') !== 'edits-win' || !existsSync(opts.path) || !getLayer(opts.layerId)) return undefined;
  const last = (
    await sql<{ id: number; checksum: string | null; options_hash: string | null; kept: number; edited: boolean }>`
      SELECT r.id, r.checksum, r.options_hash, r.inserted_count + r.updated_count + r.unchanged_count AS kept,
        -- anything written into the layer since, other than by an import (editor: create, edit, delete)
        -- (issue 16.3: a version made since is live, or in the history when it ended since)
        EXISTS (SELECT 1 FROM ${sql.raw(tableName(getLayer(opts.layerId)!))} t WHERE t.valid_from >= r.started_at
          AND t.changed_by NOT LIKE 'etl:%' AND t.changed_by NOT LIKE 'system:%')
        OR EXISTS (SELECT 1 FROM feature_history h WHERE h.layer_id = r.layer_id AND h.valid_to >= r.started_at
          AND ((h.ended_by NOT LIKE 'etl:%' AND h.ended_by NOT LIKE 'system:%')
            OR (h.changed_by NOT LIKE 'etl:%' AND h.changed_by NOT LIKE 'system:%' AND h.valid_from >= r.started_at))) AS edited
      FROM etl_run r WHERE r.layer_id = ${opts.layerId} AND r.status = 'succeeded' ORDER BY r.id DESC LIMIT 1`.execute(db)
  ).rows[0];
  const options = optionsHash(opts);
  if (!last?.checksum || last.options_hash !== options || last.edited) return undefined;
  const started = Date.now();
  // hashed here, not in a worker: nothing runs beside it, and starting a worker costs more than it saves
  const checksum = await fileChecksum(opts.path, false);
  // the run that follows uses the checksum instead of computing it again
  if (checksum !== last.checksum) return { checksum };
  const warning = `the file and its import settings are the same as those of run ${last.id} (sha256:${checksum}): nothing was read or changed / soubor i nastavení jsou stejné jako v běhu ${last.id}: nic se nenačítalo ani neměnilo`;
  const unchanged = Number(last.kept);
  // like every run's start, this one records a run whose process died as interrupted
  await markInterruptedRuns(db);
  const runId = (
    await sql<{ id: number }>`INSERT INTO etl_run (layer_id, source, status, trigger, options_hash, checksum, finished_at, read_count, unchanged_count, duration_ms, warnings)
      VALUES (${opts.layerId}, ${opts.path}, 'succeeded', ${opts.trigger ?? null}, ${options}, ${checksum}, now(), 0, ${unchanged},
        ${Date.now() - started}, ${JSON.stringify([warning])}::jsonb) RETURNING id`.execute(db)
  ).rows[0]!.id;
  opts.onProgress?.(0, 0);
  return {
    runId,
    layerId: opts.layerId,
    source: opts.path,
    checksum,
    status: 'succeeded',
    read: 0,
    inserted: 0,
    updated: 0,
    unchanged,
    deleted: 0,
    rejected: 0,
    warnings: [warning],
    rejects: [],
    conflicts: [],
    editPolicy: 'edits-win',
    durationMs: Date.now() - started,
  };
}

/** Opens and checks the source and records the run; nothing is staged yet. */
export async function prepareImport(db: Kysely<any>, opts: ImportOptions, knownChecksum?: string): Promise<PreparedImport> {
  const started = Date.now();
  const startedAt = performance.now();
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
    if (srid === SJTSK_SOUTH_WEST) throw new InputError(SJTSK_SOUTH_WEST_MESSAGE, source.file);
    const known = await sql`SELECT 1 FROM spatial_ref_sys WHERE srid = ${srid}`.execute(db);
    if (known.rows.length === 0) throw new InputError(`unknown CRS EPSG:${srid}`, source.file);
    // a file without a usable id is refused here, as a whole, before a run is recorded
    const idSource = await chooseIdSource(source, opts.idField ?? opts.mapping?.idField, opts.mapping?.idFromContent);
    // hashed beside the import (a worker thread for large files); the run records it when it finishes
    const checksum = knownChecksum !== undefined ? Promise.resolve(knownChecksum) : fileChecksum(opts.path);
    checksum.catch(() => {});
    await markInterruptedRuns(db);
    const runId = (
      await sql<{ id: number }>`INSERT INTO etl_run (layer_id, source, status, trigger, options_hash)
        VALUES (${layer.id}, ${opts.path}, 'running', ${opts.trigger ?? null}, ${optionsHash(opts)}) RETURNING id`.execute(db)
    ).rows[0]!.id;
    const report: RunReport = {
      runId,
      layerId: layer.id,
      source: opts.path,
      checksum: '',
      status: opts.dryRun ? 'dry-run' : 'succeeded',
      read: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      rejected: 0,
      warnings: [],
      rejects: [...(opts.extraRejects ?? [])],
      conflicts: [],
      editPolicy: opts.editPolicy ?? 'edits-win',
      idSource: describeIdSource(idSource),
      durationMs: 0,
    };
    return { layer, source, srid, opts, report, started, startedAt, checksum, idSource };
  } catch (e) {
    await source.close?.();
    throw e;
  }
}

/** Records the outcome of a prepared run; throws an InputError carrying the report when it failed. */
export async function finishImport(db: Kysely<any>, p: PreparedImport): Promise<RunReport> {
  const report = p.report;
  const finishing = performance.now();
  await p.source.close?.();
  try {
    report.checksum = await p.checksum;
    if (report.phases) report.phases.checksum = Math.round(performance.now() - finishing);
  } catch (e) {
    report.status = 'failed';
    report.error ??= `cannot read the source to checksum it: ${(e as Error).message}`;
  }
  const recording = performance.now();
  report.rejects.sort((a, b) => a.record - b.record);
  report.rejected = report.rejects.length;
  report.durationMs = Date.now() - p.started;
  await finishRun(db, report);
  // recording the run (after durationMs: the caller's clock shows it)
  if (report.phases) report.phases.record = Math.round(performance.now() - recording);
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
 *
 * Records are read, validated and hashed here and streamed into a temporary
 * stage with COPY, one batch in flight while the next is prepared; PostGIS
 * transforms them as they arrive. Checks and the publication are then a few
 * set-based statements from the stage: update what changed, insert what is new,
 * withdraw what is gone.
 */
export async function stageAndPublish(trx: Transaction<any>, p: PreparedImport): Promise<void> {
  const { layer, source, srid, opts, report } = p;
  // jit: compiling these one-off bulk statements costs more than it saves;
  // work_mem: the joins, the duplicate check and the history trigger's transition tables stay in memory
  await sql`SELECT set_config('geoportal.actor', ${`etl:run:${report.runId}`}, true), set_config('jit', 'off', true),
    set_config('work_mem', '128MB', true)`.execute(trx);
  // the run's row stays locked while its transaction lives: see markInterruptedRuns
  await sql`SELECT 1 FROM etl_run WHERE id = ${report.runId} FOR UPDATE`.execute(trx);
  const attrs = layer.attributes.map((a) => a.name);
  const mapping = opts.mapping;
  const idSource = p.idSource;
  const idColumn = idSource.kind === 'column' ? idSource.column : undefined;
  const idField = idColumn ?? (idSource.kind === 'feature-id' ? 'id' : undefined);
  const maxValue = opts.maxValueLength ?? DEFAULT_MAX_VALUE;

  await sql`DROP TABLE IF EXISTS etl_stage`.execute(trx);
  // geom: the source geometry (src) in the storage CRS, computed by PostGIS while COPY loads;
  // repaired: ST_MakeValid's result for the few invalid ones
  await sql`CREATE TEMP TABLE etl_stage (
      record integer NOT NULL,
      source_id text NOT NULL,
      municipality_code integer,
      content_hash text NOT NULL,
      ${sql.join(layer.attributes.map((a) => sql.raw(`${a.name} ${sqlType(a.type)}`)))},
      src geometry NOT NULL,
      geom geometry GENERATED ALWAYS AS (ST_Transform(src, ${sql.raw(String(STORAGE_SRID))})) STORED,
      repaired geometry
    ) ON COMMIT DROP`.execute(trx);
  const copyStatement = `COPY etl_stage (record, source_id, municipality_code, content_hash, ${attrs.join(', ')}, src) FROM STDIN`;
  // records whose fingerprint equals their live feature's: neither validated nor staged, only remembered
  // so that their features are not withdrawn (and duplicates of their ids are still found)
  await sql`DROP TABLE IF EXISTS etl_seen`.execute(trx);
  await sql`CREATE TEMP TABLE etl_seen (record integer NOT NULL, source_id text NOT NULL) ON COMMIT DROP`.execute(trx);
  const table = sql.raw(tableName(layer));
  const fingerprintsStarted = performance.now();
  const salt = await fingerprintSalt(trx, p);
  const known = await knownFingerprints(trx, table, salt);
  const fingerprintsMs = Math.round(performance.now() - fingerprintsStarted);
  let skipped = 0;

  const rejectedIds = new Set<string>();
  let withoutId = 0;
  const reject = (record: number, field: string | null, reason: string, sourceId?: string) => {
    report.rejects.push({ file: source.file, record, field, reason });
    if (sourceId !== undefined) rejectedIds.add(sourceId);
  };

  const batchRows = opts.batchSize ?? DEFAULT_BATCH;
  let lines: string[] = [];
  // one batch is loaded while the next is read and validated
  let pending: Promise<unknown> = Promise.resolve();
  const flush = async () => {
    if (lines.length === 0) return;
    const text = lines.join('\n') + '\n';
    lines = [];
    await pending;
    pending = copyFrom(trx, copyStatement, text);
    pending.catch(() => {});
  };
  // the records skipped as unchanged, remembered in etl_seen (record, source id) by the same pipeline
  let seenLines: string[] = [];
  const flushSeen = async () => {
    if (seenLines.length === 0) return;
    const text = seenLines.join('\n') + '\n';
    seenLines = [];
    await pending;
    pending = copyFrom(trx, 'COPY etl_seen (record, source_id) FROM STDIN', text);
    pending.catch(() => {});
  };

  const mapRecord = compileMapping(attrs, mapping);
  const c1Likely = windowsCounterpart(source.encoding);
  let checkedColumns = false;
  const stagingStarted = performance.now();
  const prefix = (opts.sourceIdScope ?? '') + (opts.municipality !== undefined && layer.perMunicipality ? `${opts.municipality}:` : '');
  const progressEvery = Math.max(1, opts.progressEvery ?? 1000);
  /** Validates one record whose fingerprint differs from its feature's (or that is new) and queues its COPY line. */
  const stageRecord = (rec: SourceRecord, sourceId: string, fingerprint: string): void => {
    const props = rec.properties;
    let oversized: string | undefined;
    let garbled: string | undefined;
    for (const k in props) {
      const v = props[k];
      if (typeof v !== 'string') continue;
      if (oversized === undefined && v.length > maxValue) oversized = k;
      // undecodable bytes: the DBF is not in the encoding its .cpg (or the operator) claims
      if (garbled === undefined && v.includes('\uFFFD')) garbled = k;
      // C1 control characters: real ISO-8859 text never has them, a windows-125x file read as ISO-8859 does
      if (c1Likely !== undefined && C1_CONTROLS.test(v))
        throw new InputError(
          `record ${rec.record} field ${k}: the text holds control characters (bytes 0x80–0x9F) that ${source.encoding} text never has; ` +
            `the file is most likely ${c1Likely}: correct the .cpg or import with --encoding ${c1Likely}; nothing was imported / ` +
            `text obsahuje řídicí znaky, soubor je nejspíš v kódování ${c1Likely}`,
          source.file,
        );
    }
    if (oversized !== undefined) {
      reject(rec.record, oversized, `value of ${(props[oversized] as string).length} characters exceeds the limit of ${maxValue}`, sourceId);
      return;
    }
    if (garbled !== undefined) {
      reject(rec.record, garbled, `text has bytes that are not ${source.encoding ?? 'UTF-8'} (wrong .cpg or --encoding?)`, sourceId);
      return;
    }
    const geomError = rec.geometryError ?? checkGeometry(rec.geometry, layer, srid);
    if (geomError) {
      reject(rec.record, 'geometry', geomError, sourceId);
      return;
    }
    const { values, errors } = validateProperties(layer, mapRecord(props), { coerce: true });
    if (errors.length > 0) {
      for (const e of errors) reject(rec.record, e.field, e.reason, sourceId);
      return;
    }
    const wkb = ewkbHex(rec.geometry!, srid);
    if (wkb === null) {
      reject(rec.record, 'geometry', 'coordinates are not numbers', sourceId);
      return;
    }
    let municipality: number | null = opts.municipality ?? null;
    if (!layer.perMunicipality) municipality = null;
    else if (municipality === null && mapping?.municipalityField) {
      const m = Number(vendorValue(props, mapping.municipalityField));
      municipality = Number.isInteger(m) && m > 0 ? m : null;
    }
    let line = `${rec.record}\t${copyText(sourceId)}\t${copyText(municipality)}\t${fingerprint}`;
    for (let i = 0; i < attrs.length; i++) line += `\t${copyText(values[attrs[i]!])}`;
    line += `\t${wkb}`;
    // Reading a character flattens the string: the line was a rope of ~30 pieces that all stayed alive
    // (and were copied by every young-generation GC) until the batch was joined; the GC time halves.
    line.charCodeAt(0);
    lines.push(line);
  };

  for await (const batch of source.batches ? source.batches() : oneByOne(source.records())) {
    for (const rec of batch) {
      report.read++;
      if (report.read % progressEvery === 0) opts.onProgress?.(report.read, source.count);
      const props = rec.properties;
      if (!checkedColumns) {
        checkedColumns = true;
        const unused = unusedColumns(Object.keys(props), attrs, mapping);
        if (unused.length) report.warnings.push(`columns not used by the layer or mapping: ${unused.join(', ')}`);
      }
      let rawId: unknown;
      if (idSource.kind === 'content') rawId = hash('sha1', JSON.stringify(props) + (rec.geometry ? JSON.stringify(rec.geometry) : 'null'), 'hex').slice(0, 24);
      else if (idColumn !== undefined) rawId = idColumn in props ? props[idColumn] : vendorValue(props, idColumn);
      else rawId = rec.id;
      if (rawId === undefined || rawId === null || String(rawId).trim() === '') {
        // its published version (if any) cannot be told apart: this run withdraws nothing (see publish)
        withoutId++;
        reject(rec.record, idField ?? 'id', 'feature has no stable source id');
        continue;
      }
      const trimmed = String(rawId).trim();
      // our own download of a municipality's features carries the prefixed id already
      const sourceId = prefix === '' || !trimmed.startsWith(prefix) ? prefix + trimmed : trimmed;
      const digest = recordDigest(rec);
      const found = known?.take(digest);
      if (found === 'again') {
        // the same bytes again: a later record with an unchanged record's id (see the duplicate check below)
        reject(rec.record, mapping?.idFromContent ? 'geometry' : (idField ?? 'id'), `duplicate source id "${sourceId.slice(prefix.length)}"`, sourceId);
        continue;
      }
      if (found === 'first') {
        skipped++;
        seenLines.push(`${rec.record}\t${copyText(sourceId)}`);
        if (seenLines.length >= 8 * batchRows) await flushSeen();
        continue;
      }
      stageRecord(rec, sourceId, salt + digest);
      if (lines.length >= batchRows) await flush();
    }
  }
  await flushSeen();
  await flush();
  await pending;
  // prepare: opening the source, choosing the id, recording the run; fingerprints: the features' of a re-import
  const phases: Record<string, number> = {
    ...(p.sameFileCheckMs ? { sameFile: p.sameFileCheckMs } : {}),
    prepare: Math.round(fingerprintsStarted - p.startedAt),
    fingerprints: fingerprintsMs,
  };
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

  // the first record of an id wins, whether it was staged or skipped as unchanged
  // (two skipped records with one id were caught above: they have the same bytes; the seen records of
  // staged ids are few, so the grouping is over the stage and them only)
  const dups = await sql<{ record: number; source_id: string; seen: boolean }>`
    WITH d AS (SELECT source_id, min(record) AS first FROM (SELECT source_id, record FROM etl_stage
          UNION ALL SELECT e.source_id, e.record FROM etl_seen e WHERE EXISTS (SELECT 1 FROM etl_stage s WHERE s.source_id = e.source_id)) a
        GROUP BY source_id HAVING count(*) > 1),
      staged AS (DELETE FROM etl_stage s USING d WHERE s.source_id = d.source_id AND s.record > d.first RETURNING s.record, s.source_id, false AS seen),
      seen AS (DELETE FROM etl_seen s USING d WHERE s.source_id = d.source_id AND s.record > d.first RETURNING s.record, s.source_id, true AS seen)
    SELECT * FROM staged UNION ALL SELECT * FROM seen ORDER BY record`.execute(trx);
  for (const d of dups.rows) {
    if (d.seen) skipped--;
    reject(d.record, mapping?.idFromContent ? 'geometry' : (idField ?? 'id'), `duplicate source id "${d.source_id.slice(prefix.length)}"`, d.source_id);
  }
  report.unchanged = skipped;
  report.skipped = skipped;

  phase('duplicates');
  const geom = finalGeometry(layer);
  await repairGeometries(trx, p, rejectedIds, geom);
  phase('geometry');
  if (layer.perMunicipality) await assignMunicipalities(trx, opts.municipality, report, geom, opts.rejectOutsideMunicipality ? { file: p.source.file, rejectedIds } : undefined);
  phase('municipalities');
  await publish(trx, p, rejectedIds, geom, withoutId);
}

/**
 * The stage's geometry as the layer stores it: repaired where it had to be,
 * a single geometry made multi (or the first part of a multi taken) to fit the column type.
 */
function finalGeometry(layer: LayerSchema): RawBuilder<unknown> {
  const g = sql`coalesce(s.repaired, s.geom)`;
  if (layer.geometryType.startsWith('Multi')) return sql`ST_Multi(${g})`;
  return sql`CASE WHEN GeometryType(${g}) = ${layer.geometryType.toUpperCase()} THEN ${g} ELSE ST_GeometryN(${g}, 1) END`;
}

/** Replaces the published version with the stage: update what changed, insert what is new, withdraw what is gone. */
async function publish(trx: Transaction<any>, p: PreparedImport, rejectedIds: Set<string>, geom: RawBuilder<unknown>, withoutId: number): Promise<void> {
  const { layer, opts, report } = p;
  const phases = report.phases!;
  let mark = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark);
    mark = now;
  };
  const table = sql.raw(tableName(layer));
  const attrCols = layer.attributes.map((a) => sql.raw(a.name));
  // imports of one layer publish one after the other (the upsert below is not a single statement)
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`geoportal:etl:${layer.id}`}))`.execute(trx);
  const staged = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM etl_stage`.execute(trx)).rows[0]!.n;
  // how many rows the layer holds, counted only up to the number staged (at least 1: is it empty?)
  const existing = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${table} LIMIT ${Math.max(staged, 1)}) x`.execute(trx)).rows[0]!.n;
  // Loading mostly new rows (a first import): building the spatial index once afterwards is
  // cheaper than growing it row by row, as ogr2ogr does. Readers of this layer wait for the commit.
  const rebuildIndex = staged >= 20_000 && existing * 2 <= staged;
  if (rebuildIndex) await sql.raw(`DROP INDEX IF EXISTS ${tableName(layer)}_geom_idx`).execute(trx);

  const setCols = sql.join(layer.attributes.map((a) => sql`${sql.raw(a.name)} = s.${sql.raw(a.name)}`));
  // A record whose source text differs (another format, rounding of our own download) but whose stored
  // values and geometry (to ~1 cm) are the same is unchanged: re-importing our own download is a no-op.
  // Only rows whose hash differs get this comparison.
  const differs = sql`(t.municipality_code IS DISTINCT FROM s.municipality_code
        OR ROW(${sql.join(attrCols.map((c) => sql`t.${c}`))}) IS DISTINCT FROM ROW(${sql.join(attrCols.map((c) => sql`s.${c}`))})
        OR NOT (ST_OrderingEquals(t.geom, ${geom})
          OR (ST_NPoints(t.geom) = ST_NPoints(${geom}) AND ST_HausdorffDistance(t.geom, ${geom}) < 1e-7)))`;
  const keptEdits = await editConflicts(trx, p, geom, differs);
  phase('conflicts');
  const updated = await sql`
    UPDATE ${table} t SET municipality_code = s.municipality_code, ${setCols}, geom = ${geom}, content_hash = s.content_hash, updated_at = now()
    FROM etl_stage s
    WHERE t.source_id = s.source_id
      AND (t.content_hash IS DISTINCT FROM s.content_hash OR t.municipality_code IS DISTINCT FROM s.municipality_code)
      AND ${differs} ${keptEdits.length ? sql`AND t.fid <> ALL(${keptEdits}::bigint[])` : sql``}`.execute(trx);
  report.updated = Number(updated.numAffectedRows ?? 0);
  phase('update');
  const inserted = await sql`
    INSERT INTO ${table} (source_id, municipality_code, ${sql.join(attrCols)}, geom, content_hash)
    SELECT s.source_id, s.municipality_code, ${sql.join(attrCols.map((c) => sql`s.${c}`))}, ${geom}, s.content_hash FROM etl_stage s
    WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE t.source_id = s.source_id)`.execute(trx);
  report.inserted = Number(inserted.numAffectedRows ?? 0);
  // the records skipped as unchanged before staging (counted in stageAndPublish) and those staged but equal
  report.unchanged += staged - report.inserted - report.updated;
  phase('insert');
  if (rebuildIndex) {
    await sql.raw(spatialIndexDdl(layer)).execute(trx);
    phase('index');
  }

  // Features absent from the new file are withdrawn, except those whose new record was rejected and
  // those staff created in the editor (source id `edit:…`): a vendor export does not know them.
  if (existing > 0 && withoutId > 0) {
    report.warnings.push(
      `${withoutId} records have no source id: nothing is withdrawn in this run (a record without an id cannot be matched to its feature) / ` +
        `záznamy bez identifikátoru: v tomto běhu se nic nestahuje`,
    );
  } else if (existing > 0) {
    const scope = sql`${opts.municipality !== undefined && layer.perMunicipality ? sql`AND municipality_code = ${opts.municipality}` : sql``}
      ${opts.sourceIdScope ? sql`AND left(source_id, ${opts.sourceIdScope.length}::integer) = ${opts.sourceIdScope}` : sql``}`;
    const kept = [...rejectedIds];
    const deleted = await sql`
      DELETE FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM etl_stage s WHERE s.source_id = t.source_id)
      AND NOT EXISTS (SELECT 1 FROM etl_seen e WHERE e.source_id = t.source_id)
      AND t.source_id NOT LIKE 'edit:%'
      ${kept.length ? sql`AND NOT (t.source_id = ANY(${kept}::text[]))` : sql``} ${scope}`.execute(trx);
    report.deleted = Number(deleted.numAffectedRows ?? 0);
    if (report.deleted > 0 && !opts.allowWithdraw && !opts.fullReplacement) {
      // checked after the fact (no extra pass when nothing is withdrawn); refusing rolls the whole run back
      // the share of what the layer (scope) held before the run: rows this run inserted have created_at = now()
      const left = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${table} t WHERE t.created_at < now() ${scope}`.execute(trx)).rows[0]!.n;
      const total = left + report.deleted;
      const share = opts.maxWithdrawShare ?? DEFAULT_MAX_WITHDRAW_SHARE;
      if (left === 0 || report.deleted > share * total) {
        const pct = Math.round((100 * report.deleted) / total);
        const message =
          `the run would withdraw ${report.deleted} of ${total} features (${pct} %, the limit is ${Math.round(share * 100)} %${left === 0 ? ', and it would empty the layer' : ''}); ` +
            `nothing was changed. If the file really replaces the layer, run it again with --allow-withdraw / ` +
            `import by stáhl ${report.deleted} z ${total} prvků (${pct} %); nic nebylo změněno. Je-li to záměr, spusťte ho znovu s --allow-withdraw`;
        // a dry run shows what the real run would meet, with its counts
        if (opts.dryRun) report.warnings.push(`refused when run for real: ${message}`);
        else throw new WithdrawRefused(message, p.source.file);
      }
    }
  }
  phase('withdraw');

  await sql`UPDATE layer_state SET feature_count = (SELECT count(*) FROM ${table}), last_run_id = ${report.runId}
    WHERE layer_id = ${layer.id}`.execute(trx);
  if (report.inserted + report.updated + report.deleted > 0 && !opts.dryRun) {
    // a replacement may touch anything in the layer: invalidate its whole extent
    await recordChange(trx, { layerId: layer.id, bbox: null, source: `etl:run:${report.runId}` });
  }
}

/**
 * Features the source would change whose current version an editor made (the live
 * row's `changed_by` is not an import's, issue 16.3): one conflict
 * each, with the differing values. Looked up only for the rows that would be
 * updated. Returns the fids the update must leave alone (policy edits-win);
 * policy hold refuses the whole run. Either way both versions stay in history.
 */
async function editConflicts(trx: Transaction<any>, p: PreparedImport, geom: RawBuilder<unknown>, differs: RawBuilder<unknown>): Promise<number[]> {
  const { layer, report } = p;
  const table = sql.raw(tableName(layer));
  const found = await sql<{ fid: string | number; source_id: string; record: number; actor: string; at: Date | null; edited: Record<string, unknown>; staged: Record<string, unknown>; edited_geom: string; source_geom: string; geom_differs: boolean }>`
    SELECT t.fid, t.source_id, s.record, t.changed_by AS actor, t.valid_from AS at, to_jsonb(t) - 'geom' AS edited, to_jsonb(s) - 'src' - 'geom' - 'repaired' AS staged,
      left(ST_AsText(t.geom, 7), 300) AS edited_geom, left(ST_AsText(${geom}, 7), 300) AS source_geom,
      NOT (ST_OrderingEquals(t.geom, ${geom}) OR (ST_NPoints(t.geom) = ST_NPoints(${geom}) AND ST_HausdorffDistance(t.geom, ${geom}) < 1e-7)) AS geom_differs
    FROM etl_stage s JOIN ${table} t ON t.source_id = s.source_id
    WHERE (t.content_hash IS DISTINCT FROM s.content_hash OR t.municipality_code IS DISTINCT FROM s.municipality_code)
      AND ${differs} AND t.changed_by NOT LIKE 'etl:%' AND t.changed_by NOT LIKE 'system:%'
    ORDER BY s.record`.execute(trx);
  if (found.rows.length === 0) return [];
  const policy = report.editPolicy;
  const outcome = policy === 'source-wins' ? 'overwritten' : policy === 'hold' ? 'held' : 'kept-edit';
  const fields = ['municipality_code', ...layer.attributes.map((a) => a.name)];
  for (const r of found.rows) {
    const differences: EditConflict['differences'] = [];
    for (const f of fields) {
      const a = r.staged[f] ?? null;
      const b = r.edited[f] ?? null;
      if (JSON.stringify(a) !== JSON.stringify(b)) differences.push({ field: f, source: a, edited: b });
    }
    if (r.geom_differs) differences.push({ field: 'geometry', source: r.source_geom, edited: r.edited_geom });
    report.conflicts.push({
      file: p.source.file,
      record: r.record,
      fid: Number(r.fid),
      sourceId: r.source_id,
      editedBy: r.actor,
      editedAt: r.at ? new Date(r.at).toISOString() : null,
      outcome,
      differences,
    });
  }
  if (policy === 'hold') {
    const message =
      `${found.rows.length} features edited by staff since their import differ from the source (policy "hold"): nothing was changed; ` +
      `review the conflicts (npm run etl -- report ${report.runId}) and run again with --on-conflict edits-win or source-wins / ` +
      `${found.rows.length} prvků upravených v editoru se liší od zdroje: nic nebylo změněno`;
    if (!p.opts.dryRun) throw new InputError(message, p.source.file);
    report.warnings.push(`refused when run for real: ${message}`);
  }
  return policy === 'source-wins' ? [] : found.rows.map((r) => Number(r.fid));
}

async function* oneByOne<T>(items: AsyncIterable<T>): AsyncIterable<T[]> {
  for await (const item of items) yield [item];
}

/** Geometry checks that need no database: presence, type family and plausible coordinates. */
function checkGeometry(g: Geometry | null, layer: LayerSchema, srid: number): string | null {
  if (!g || !('type' in g)) return 'geometry is missing';
  if (g.type === 'GeometryCollection') return 'geometry collections are not supported';
  if (g.type !== layer.geometryType && geometryFamily(g.type) !== geometryFamily(layer.geometryType))
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

// module level, not a closure per record: tsx (esbuild keepNames) wraps every named closure it creates in a __name() call
function geometryFamily(t: string): string {
  return t.replace(/^Multi/, '');
}

function firstPosition(c: unknown): number[] | null {
  let cur: unknown = c;
  while (Array.isArray(cur) && Array.isArray(cur[0])) cur = cur[0];
  return Array.isArray(cur) && cur.length >= 2 ? (cur as number[]) : null;
}

async function repairGeometries(trx: Transaction<any>, p: PreparedImport, rejectedIds: Set<string>, geom: RawBuilder<unknown>): Promise<void> {
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
        await sql`UPDATE etl_stage SET repaired = ST_CollectionExtract(ST_MakeValid(geom), ${dim}::integer) WHERE NOT ST_IsValid(geom)`.execute(trx);
        const list = invalid.rows.slice(0, 20).map((r) => `record ${r.record} (${r.reason})`).join('; ');
        report.warnings.push(`${invalid.rows.length} invalid geometries repaired with ST_MakeValid: ${list}${invalid.rows.length > 20 ? '; …' : ''}`);
      }
    }
  }
  const empty = await sql<{ record: number; source_id: string }>`
    DELETE FROM etl_stage s WHERE ${geom} IS NULL OR ST_IsEmpty(${geom}) OR GeometryType(${geom}) <> ${layer.geometryType.toUpperCase()}
    RETURNING record, source_id`.execute(trx);
  for (const r of empty.rows) {
    report.rejects.push({ file, record: r.record, field: 'geometry', reason: 'geometry is empty or of the wrong type after repair' });
    rejectedIds.add(r.source_id);
  }
}

async function assignMunicipalities(
  trx: Transaction<any>,
  stated: number | undefined,
  report: RunReport,
  geom: RawBuilder<unknown>,
  rejectOutside?: { file: string; rejectedIds: Set<string> },
): Promise<void> {
  const obce = sql.raw(tableName(getLayer(MUNICIPALITY_LAYER_ID)!));
  if (rejectOutside && stated !== undefined) {
    // confined to one municipality: what lies elsewhere is refused, never published (nor withdrawn: its id is kept)
    const outside = await sql<{ record: number; source_id: string }>`DELETE FROM etl_stage s WHERE NOT EXISTS (
        SELECT 1 FROM ${obce} o WHERE o.kod = ${stated}::int AND ST_Intersects(o.geom, ST_PointOnSurface(${geom})))
      RETURNING record, source_id`.execute(trx);
    for (const r of outside.rows) {
      report.rejects.push({ file: rejectOutside.file, record: r.record, field: 'geometry', reason: `lies outside municipality ${stated} / leží mimo obec ${stated}` });
      rejectOutside.rejectedIds.add(r.source_id);
    }
  }
  // features that name their municipality (stated or from a column) but do not lie in it; checked before the
  // assignment by location, whose features lie in their municipality by construction (one point-in-polygon pass less)
  const misplaced = await sql<{ n: number }>`SELECT count(*)::int AS n FROM etl_stage s WHERE s.municipality_code IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM ${obce} o WHERE o.kod = s.municipality_code AND ST_Intersects(o.geom, ST_PointOnSurface(${geom})))`.execute(trx);
  if (stated === undefined) {
    await sql`UPDATE etl_stage s SET municipality_code = o.kod FROM ${obce} o
      WHERE s.municipality_code IS NULL AND ST_Intersects(o.geom, ST_PointOnSurface(${geom}))`.execute(trx);
  }
  const unassigned = await sql<{ n: number }>`SELECT count(*)::int AS n FROM etl_stage WHERE municipality_code IS NULL`.execute(trx);
  const n = misplaced.rows[0]!.n + unassigned.rows[0]!.n;
  if (n > 0) report.warnings.push(`${n} features lie outside their municipality (or outside ORP Chomutov)`);
}

const C1_CONTROLS = /[\u0080-\u009f]/;

/** The windows code page usually behind a file that claims this ISO-8859 single-byte encoding; undefined for other encodings. */
function windowsCounterpart(encoding: string | undefined): string | undefined {
  const m = /^(?:iso[-_ ]?8859|latin)[-_ ]?(\d+)$/i.exec(encoding?.trim() ?? '');
  if (!m) return undefined;
  const part = Number(m[1]);
  const byPart: Record<number, string> = { 1: 'windows-1252', 2: 'windows-1250', 4: 'windows-1257', 5: 'windows-1251', 7: 'windows-1253', 9: 'windows-1254', 13: 'windows-1257', 15: 'windows-1252', 16: 'windows-1250' };
  return byPart[part] ?? 'windows-1250';
}

/**
 * Issue 16.4: a record is fingerprinted before it is validated, and one whose fingerprint equals its live
 * feature's (the feature's `content_hash`, last written by an import) is neither validated nor staged.
 * The fingerprint is a digest of the record's bytes where the reader has them (a shapefile's .dbf and
 * .shp record), else of its decoded attributes, geometry and id; prefixed with a salt that changes
 * with everything else that decides the stored result (see fingerprintSalt).
 */
function recordDigest(rec: SourceRecord): string {
  if (rec.raw) return hash('sha1', rec.raw, 'hex');
  return hash('sha1', `${JSON.stringify(rec.properties)}\0${rec.geometry ? JSON.stringify(rec.geometry) : 'null'}\0${rec.id ?? ''}`, 'hex');
}

/** Bumped when what a fingerprint covers changes: every record is then compared in full once. */
const FINGERPRINT_VERSION = 1;

/**
 * What besides the record's own bytes decides what an import stores: the run's options (mapping, CRS,
 * encoding, id column, …), the source's declared CRS and encoding, the layer's schema and, when features
 * get their municipality by location, the municipalities' last import.
 */
async function fingerprintSalt(trx: Transaction<any>, p: PreparedImport): Promise<string> {
  const { layer, opts, source, srid } = p;
  let municipalities: unknown = null;
  if (layer.perMunicipality && opts.municipality === undefined)
    municipalities = (await sql<{ r: string | null }>`SELECT last_run_id::text AS r FROM layer_state WHERE layer_id = ${MUNICIPALITY_LAYER_ID}`.execute(trx)).rows[0]?.r ?? null;
  const parts = [FINGERPRINT_VERSION, optionsHash(opts), srid, source.encoding ?? null, layer.geometryType, layer.attributes, municipalities, describeIdSource(p.idSource)];
  return `${hash('sha1', JSON.stringify(parts), 'hex').slice(0, 8)}:`;
}

/**
 * The fingerprints (first 64 bits of the digest) of the layer's features that carry this salt and were
 * last written by an import: a feature staff edited is always compared in full, so that its conflict is
 * reported. Read in slices of the primary key (one string per slice, no object per row) into an
 * open-addressing table of 8 bytes a slot: 16 MiB for a million features. Undefined when there is none
 * (a first load). The salt and digest determine the record's source id (the id column is among the
 * bytes, the options are in the salt), so a digest found means the record's own feature has it.
 */
async function knownFingerprints(trx: Transaction<any>, table: RawBuilder<unknown>, salt: string): Promise<FingerprintSet | undefined> {
  const eligible = sql`left(content_hash, ${salt.length}::integer) = ${salt} AND (changed_by LIKE 'etl:%' OR changed_by LIKE 'system:%')`;
  const range = (await sql<{ lo: string | null; hi: string | null }>`SELECT min(fid)::text AS lo, max(fid)::text AS hi FROM ${table}`.execute(trx)).rows[0];
  if (!range?.lo || !range.hi) return undefined;
  const set = new FingerprintSet();
  const at = salt.length + 1;
  // ranges of the primary key, not ORDER BY … LIMIT (which sorts): the string of one range is at most 1.6 MB
  const SLICE = 100_000;
  for (let from = Number(range.lo); from <= Number(range.hi); from += SLICE) {
    const keys = (
      await sql<{ keys: string | null }>`SELECT string_agg(substr(content_hash, ${at}::integer, 16), '') AS keys FROM ${table}
        WHERE fid >= ${from} AND fid < ${from + SLICE} AND ${eligible}`.execute(trx)
    ).rows[0]?.keys;
    if (keys) for (let i = 0; i + 16 <= keys.length; i += 16) set.add(keys, i);
  }
  return set.size > 0 ? set : undefined;
}

/** A set of 64-bit keys given as 16 hex digits (open addressing, 8 bytes a slot, grown at half full). */
class FingerprintSet {
  private slots = new Uint32Array(2 * 1024);
  private mask = 1023;
  size = 0;
  add(hex: string, at: number): void {
    const hi = parseInt(hex.slice(at, at + 8), 16);
    const lo = parseInt(hex.slice(at + 8, at + 16), 16) || 1; // 0/0 marks an empty slot
    if (this.insert(hi, lo)) this.size++;
    if (this.size * 2 > this.mask) this.grow();
  }
  private insert(hi: number, lo: number): boolean {
    for (let i = (hi ^ lo) & this.mask; ; i = (i + 1) & this.mask) {
      const h = this.slots[2 * i]!;
      const l = this.slots[2 * i + 1]!;
      if (h === hi && l === lo) return false;
      if (h === 0 && l === 0) {
        this.slots[2 * i] = hi;
        this.slots[2 * i + 1] = lo;
        return true;
      }
    }
  }
  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = old.length - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i]!, old[i + 1]!);
  }
  private taken: Uint8Array | undefined;
  /** whether the digest (hex, at least 16 digits) is in the set: the first time, or again */
  take(digest: string): 'first' | 'again' | undefined {
    const hi = parseInt(digest.slice(0, 8), 16);
    const lo = parseInt(digest.slice(8, 16), 16) || 1;
    this.taken ??= new Uint8Array(this.mask + 1);
    for (let i = (hi ^ lo) & this.mask; ; i = (i + 1) & this.mask) {
      const h = this.slots[2 * i]!;
      const l = this.slots[2 * i + 1]!;
      if (h === hi && l === lo) {
        if (this.taken[i]) return 'again';
        this.taken[i] = 1;
        return 'first';
      }
      if (h === 0 && l === 0) return undefined;
    }
  }
}

/** SHA-256 over the file and, for a shapefile, its .dbf, .prj and .cpg. */
async function fileChecksum(path: string, worker = true): Promise<string> {
  const parts = [path];
  if (/\.shp$/i.test(path)) for (const ext of ['.dbf', '.prj', '.cpg']) parts.push(path.replace(/\.shp$/i, ext));
  const files = parts.filter((p) => existsSync(p));
  // hashing 50 MB takes a few hundred ms of the thread that also reads and validates: large inputs go to a worker
  if (worker && files.reduce((n, f) => n + statSync(f).size, 0) >= 16 * 1024 * 1024) {
    const worker = new Worker(CHECKSUM_WORKER, { eval: true, workerData: files });
    const [digest] = (await once(worker, 'message')) as [string];
    return digest;
  }
  const h = createHash('sha256');
  for (const f of files) for await (const chunk of createReadStream(f, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

const CHECKSUM_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
(async () => {
  const h = createHash('sha256');
  for (const f of workerData) for await (const chunk of createReadStream(f, { highWaterMark: 1 << 20 })) h.update(chunk);
  parentPort.postMessage(h.digest('hex'));
})();
`;

/**
 * A run still `running` whose row no live transaction locks belongs to a
 * process that died (kill -9, power loss): its transaction was rolled back, so
 * it is recorded as failed. A run merely between its preparation and its
 * transaction (milliseconds) is spared by the age limit, and would in any case
 * be corrected by its own finishRun.
 */
export async function markInterruptedRuns(db: Kysely<any>): Promise<number> {
  const r = await sql`UPDATE etl_run SET status = 'failed', finished_at = now(),
      error = 'interrupted: the importing process ended before the run finished (killed?); nothing was changed'
    WHERE id IN (SELECT id FROM etl_run WHERE status = 'running' AND started_at < now() - interval '2 seconds' FOR UPDATE SKIP LOCKED)`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

async function finishRun(db: Kysely<any>, r: RunReport): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`UPDATE etl_run SET status = ${r.status}, finished_at = now(), read_count = ${r.read},
        inserted_count = ${r.inserted}, updated_count = ${r.updated}, unchanged_count = ${r.unchanged},
        deleted_count = ${r.deleted}, rejected_count = ${r.rejected}, duration_ms = ${r.durationMs}, checksum = ${r.checksum || null},
        warnings = ${JSON.stringify(r.warnings)}::jsonb, error = ${r.error ?? null},
        id_source = ${r.idSource ?? null}, conflict_count = ${r.conflicts.length}, edit_policy = ${r.editPolicy}
      WHERE id = ${r.runId}`.execute(trx);
    // a held run rolled back, yet its conflicts are what the operator must review: they are kept with the run
    for (let i = 0; i < r.conflicts.length; i += 2000) {
      const chunk = r.conflicts.slice(i, i + 2000);
      await sql`INSERT INTO etl_conflict (run_id, file, record, fid, source_id, edited_by, edited_at, outcome, differences)
        SELECT ${r.runId}, c->>'file', (c->>'record')::int, (c->>'fid')::bigint, c->>'sourceId', c->>'editedBy', (c->>'editedAt')::timestamptz,
          c->>'outcome', c->'differences'
        FROM jsonb_array_elements(${JSON.stringify(chunk)}::jsonb) AS c`.execute(trx);
    }
    for (let i = 0; i < r.rejects.length; i += 5000) {
      const chunk = r.rejects.slice(i, i + 5000);
      await sql`INSERT INTO etl_reject (run_id, file, record, field, reason)
        SELECT ${r.runId}, f, rec, fld, rsn FROM unnest(${chunk.map((j) => j.file)}::text[], ${chunk.map((j) => j.record)}::integer[],
          ${chunk.map((j) => j.field)}::text[], ${chunk.map((j) => j.reason)}::text[]) AS u(f, rec, fld, rsn)`.execute(trx);
    }
  });
}
