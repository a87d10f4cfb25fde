import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import Router from '@koa/router';
import type { Context } from 'koa';
import { sql, type Kysely } from 'kysely';
import { getLayer } from '../../schemas/index.ts';
import type { LayerSchema } from '../../schemas/types.ts';
import { actorOf, canEditLayer, type Principal } from '../auth/principal.ts';
import { Forbidden, requirePrincipal } from '../auth/middleware.ts';
import { isObject, readJsonBody } from '../auth/body.ts';
import { HttpProblem, NotFound } from '../problem.ts';
import { InputError } from '../../etl/errors.ts';
import { previewImport } from '../../etl/preview.ts';
import { importFile, EDIT_POLICIES, type EditPolicy, type RunReport } from '../../etl/import.ts';
import { checkMapping, matchingMappings, saveMapping, listMappings, deleteMapping } from './saved-mappings.ts';
import type { FieldMapping } from '../../etl/mapping.ts';

/**
 * Issue 16.2: imports from the portal. A signed-in clerk stores an upload (one file or a shapefile's
 * parts, each PUT as raw bytes), previews it (detection, suggested mapping, first features, dry run),
 * confirms it with the mapping as edited, and follows the run live over server-sent events. The run
 * is the same `importFile` the CLI uses; the portal adds only who may do what:
 *  - an administrator (and a department editor for their layers) may replace a whole layer;
 *  - a municipality editor imports only into their municipality: the run is scoped to it (only its
 *    features are updated or withdrawn) and records lying elsewhere are rejected, never published.
 */

/** an upload's total size (all parts) */
export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;
const MAX_FILES = 12;
const NAME = /^[\p{L}\p{N}_.() -]{1,120}$/u;
const PARTS = /\.(zip|shp|shx|dbf|prj|cpg|qpj|sbn|sbx|xml|gpkg|geojson|json|csv)$/i;
/** which stored file is the one to read, by extension, first match wins */
const MAIN = [/\.zip$/i, /\.shp$/i, /\.gpkg$/i, /\.(geojson|json)$/i, /\.csv$/i];

interface UploadRow {
  id: string;
  created_by: number;
  files: { name: string; size: number }[];
  size_bytes: number;
  run_id: number | null;
}

/** A run started from the portal, followed by its SSE listeners. */
interface Job {
  state: 'running' | 'done' | 'failed';
  read: number;
  total: number | null;
  report?: RunReport;
  detail?: string;
  listeners: Set<(event: string, data: unknown) => void>;
}

class UploadConflict extends HttpProblem {
  constructor(detail: string) {
    super(409, 'Conflict', detail);
  }
}

function unprocessable(detail: string, extra: Record<string, unknown> = {}): HttpProblem {
  return new HttpProblem(422, 'Unprocessable Content', detail, extra);
}

/** InputError texts name server paths: only the file's name is shown to the clerk. */
function inputProblem(e: InputError): HttpProblem {
  const message = `${basename(e.file)}: ${e.message.replace(/(?:\/[^\s/:]+)+\/([^\s/:]+)/g, '$1')}`;
  return unprocessable(message, {
    nextStep: 'Opravte soubor nebo nastavení (sloupec s identifikátorem, kódování, souřadnicový systém) a zkuste náhled znovu. / Fix the file or the settings and preview again.',
  });
}

function staffOnly(p: Principal): void {
  if (p.role === 'reader' || p.role === 'plan_admin') throw new Forbidden(`your role (${p.role}) may not import data; ask an administrator`);
}

function layerFor(p: Principal, id: unknown): LayerSchema {
  if (typeof id !== 'string') throw unprocessable('choose a layer ("layer") / vyberte vrstvu', { field: 'layer' });
  const layer = getLayer(id);
  if (!layer) throw unprocessable(`unknown layer ${id}`, { field: 'layer' });
  if (!canEditLayer(p, layer)) throw new Forbidden(`your role (${p.role}) may not import into ${layer.id}`);
  if (layer.theme === 'landuse') throw new Forbidden(`${layer.id} is part of the land-use plan: import it as a new plan version (/planovani)`);
  return layer;
}

/** The municipality the run is confined to: a municipality editor's own, or the one an administrator chose. */
function scopeFor(p: Principal, layer: LayerSchema, requested: unknown): number | undefined {
  if (p.role === 'municipality_editor') {
    if (p.municipalityCode === null) throw new Forbidden('your account has no municipality; ask an administrator');
    return p.municipalityCode;
  }
  if (requested === undefined || requested === null || requested === '') return undefined;
  if (!layer.perMunicipality) throw unprocessable(`${layer.id} is not kept per municipality`, { field: 'municipality' });
  const n = Number(requested);
  if (!Number.isInteger(n) || n < 100000 || n > 999999) throw unprocessable('municipality must be a RÚIAN code (6 digits)', { field: 'municipality' });
  return n;
}

function optionalString(body: Record<string, unknown>, key: string, max = 120): string | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || v.length > max) throw unprocessable(`${key} must be a text of at most ${max} characters`, { field: key });
  return v;
}

export function uploadRoutes(db: Kysely<any>, dataDir: string, opts: { maxBytes?: number } = {}): Router {
  const router = new Router();
  const root = join(dataDir, 'imports');
  const maxBytes = opts.maxBytes ?? MAX_UPLOAD_BYTES;
  const jobs = new Map<string, Job>();

  async function ownUpload(ctx: Context, p: Principal): Promise<UploadRow> {
    const id = ctx.params.id!;
    if (!/^[0-9a-f]{32}$/.test(id)) throw new NotFound(`no upload ${id}`);
    const row = (await sql<UploadRow>`SELECT id, created_by, files, size_bytes, run_id FROM import_upload WHERE id = ${id}`.execute(db)).rows[0];
    // another clerk's upload is not shown (nor said to exist), except to an administrator
    if (!row || (Number(row.created_by) !== p.userId && p.role !== 'admin')) throw new NotFound(`no upload ${id}; upload the file again`);
    return row;
  }

  async function mainFile(row: UploadRow): Promise<string> {
    const names = row.files.map((f) => f.name);
    for (const re of MAIN) {
      const hits = names.filter((n) => re.test(n));
      if (hits.length > 1) throw unprocessable(`the upload holds more than one file of a kind (${hits.join(', ')}); upload one data set at a time`);
      if (hits.length === 1) {
        const main = hits[0]!;
        if (/\.shp$/i.test(main)) {
          const stem = main.slice(0, -4).toLowerCase();
          const missing = ['.dbf', '.shx'].filter((ext) => !names.some((n) => n.toLowerCase() === stem + ext));
          if (missing.length)
            throw unprocessable(`the shapefile lacks its ${missing.join(' and ')} part; add it (same name) or upload the shapefile as one .zip / chybí část ${missing.join(', ')}`);
        }
        return join(root, row.id, main);
      }
    }
    throw unprocessable('no data file in the upload: add a Shapefile (.zip or .shp with .dbf, .shx, .prj), GeoPackage, GeoJSON or CSV / nahrajte datový soubor');
  }

  function importSettings(p: Principal, body: Record<string, unknown>) {
    const layer = layerFor(p, body.layer);
    const municipality = scopeFor(p, layer, body.municipality);
    const idField = optionalString(body, 'idField');
    const mapping: FieldMapping | undefined = body.mapping === undefined || body.mapping === null ? undefined : checkMapping(layer, body.mapping);
    let editPolicy: EditPolicy | undefined;
    if (body.editPolicy !== undefined) {
      if (!EDIT_POLICIES.includes(body.editPolicy as EditPolicy)) throw unprocessable(`editPolicy must be one of ${EDIT_POLICIES.join(', ')}`, { field: 'editPolicy' });
      editPolicy = body.editPolicy as EditPolicy;
    }
    return { layer, municipality, idField, mapping, editPolicy, rejectOutsideMunicipality: p.role === 'municipality_editor' ? true : undefined };
  }

  router.post('/api/etl/uploads', async (ctx) => {
    const p = requirePrincipal(ctx);
    staffOnly(p);
    const id = randomBytes(16).toString('hex');
    await sql`INSERT INTO import_upload (id, created_by) VALUES (${id}, ${p.userId})`.execute(db);
    ctx.status = 201;
    ctx.set('Location', `/api/etl/uploads/${id}`);
    ctx.body = { id, files: [], maxBytes };
  });

  router.put('/api/etl/uploads/:id/files/:name', async (ctx) => {
    const p = requirePrincipal(ctx);
    const row = await ownUpload(ctx, p);
    if (row.run_id !== null) throw new UploadConflict('this upload was imported already; start a new upload');
    const name = ctx.params.name!;
    if (!NAME.test(name) || name.startsWith('.') || !PARTS.test(name))
      throw new HttpProblem(415, 'Unsupported Media Type', 'upload a Shapefile (.zip, or .shp with .dbf, .shx, .prj, .cpg), GeoPackage (.gpkg), GeoJSON or CSV / nepodporovaný typ souboru', { field: 'name' });
    const others = row.files.filter((f) => f.name !== name);
    if (others.length >= MAX_FILES) throw new HttpProblem(413, 'Content Too Large', `at most ${MAX_FILES} files per upload`);
    const room = maxBytes - others.reduce((n, f) => n + f.size, 0);
    const tooLarge = () => new HttpProblem(413, 'Content Too Large', `an upload is limited to ${Math.round(maxBytes / 1024 / 1024)} MB; split the file by municipality or ask an administrator to import it with npm run etl / soubor je příliš velký`, { maxBytes });
    if (Number(ctx.get('content-length') || 0) > room) throw tooLarge();
    const dir = join(root, row.id);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${randomBytes(6).toString('hex')}.part`);
    let size = 0;
    try {
      await pipeline(
        ctx.req,
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            size += chunk.length;
            cb(size > room ? tooLarge() : null, chunk);
          },
        }),
        createWriteStream(tmp, { mode: 0o640 }),
      );
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    if (size === 0) {
      await rm(tmp, { force: true });
      throw unprocessable(`${name} is empty`);
    }
    await rename(tmp, join(dir, name));
    const files = [...others, { name, size }];
    await sql`UPDATE import_upload SET files = ${JSON.stringify(files)}::jsonb, size_bytes = ${files.reduce((n, f) => n + f.size, 0)} WHERE id = ${row.id}`.execute(db);
    ctx.status = 201;
    ctx.body = { id: row.id, files };
  });

  router.post('/api/etl/uploads/:id/preview', async (ctx) => {
    const p = requirePrincipal(ctx);
    const row = await ownUpload(ctx, p);
    const body = await readJsonBody(ctx, 1_000_000);
    if (!isObject(body)) throw unprocessable('send a JSON object');
    const s = importSettings(p, body);
    const path = await mainFile(row);
    const run = async (mapping: FieldMapping | undefined) => {
      try {
        return await previewImport(db, { path, layerId: s.layer.id, municipality: s.municipality, idField: s.idField, mapping, editPolicy: s.editPolicy, rejectOutsideMunicipality: s.rejectOutsideMunicipality });
      } catch (e) {
        if (e instanceof InputError) throw inputProblem(e);
        throw e;
      }
    };
    let preview = await run(s.mapping);
    const saved = await matchingMappings(db, s.layer.id, p.role === 'municipality_editor' ? p.municipalityCode : (s.municipality ?? null), preview.columns);
    // the next delivery of the same vendor file: its saved mapping is applied unless the clerk chose one (or none)
    let applied: { id: number; name: string } | null = null;
    const match = saved.find((m) => m.matches);
    if (!s.mapping && body.useSavedMapping !== false && match) {
      preview = await run(checkMapping(s.layer, match.mapping));
      applied = { id: match.id, name: match.name };
    }
    const { dryRun } = preview;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      upload: row.id,
      file: preview.file.replace(/^.*\//, ''),
      layer: s.layer.id,
      municipality: s.municipality ?? null,
      format: preview.format,
      encoding: preview.encoding,
      srid: preview.srid,
      count: preview.count,
      columns: preview.columns,
      idColumn: preview.idColumn,
      idSource: preview.idSource,
      /** the id column was chosen by detection (not named by the clerk or a mapping) */
      idDetected: /\(chosen/.test(preview.idSource),
      suggestion: preview.suggestion,
      mapping: preview.mapping,
      savedMappings: saved,
      appliedMapping: applied,
      features: { type: 'FeatureCollection', features: preview.features },
      dryRun: {
        status: dryRun.status,
        read: dryRun.read,
        inserted: dryRun.inserted,
        updated: dryRun.updated,
        unchanged: dryRun.unchanged,
        withdrawn: dryRun.deleted,
        rejected: dryRun.rejected,
        conflicts: dryRun.conflicts.length,
        warnings: dryRun.warnings.filter((w) => !w.startsWith('refused when run for real: ')),
        rejects: dryRun.rejects.slice(0, 200),
        conflictList: dryRun.conflicts.slice(0, 200),
        error: dryRun.error ?? null,
      },
      held: preview.held,
    };
  });

  router.post('/api/etl/uploads/:id/run', async (ctx) => {
    const p = requirePrincipal(ctx);
    const row = await ownUpload(ctx, p);
    const body = await readJsonBody(ctx, 1_000_000);
    if (!isObject(body)) throw unprocessable('send a JSON object');
    const s = importSettings(p, body);
    if (!s.mapping) throw unprocessable('confirm the mapping ("mapping") the preview showed', { field: 'mapping' });
    const allowWithdraw = body.allowWithdraw === true;
    let saveAs: { name: string; shared: boolean } | undefined;
    if (body.saveMappingAs !== undefined && body.saveMappingAs !== null && body.saveMappingAs !== '') {
      const name = optionalString(body, 'saveMappingAs');
      if (!name || !name.trim()) throw unprocessable('a saved mapping needs a name', { field: 'saveMappingAs' });
      // a municipality editor's mapping is their municipality's; an administrator's is everyone's
      saveAs = { name: name.trim(), shared: p.role !== 'municipality_editor' };
    }
    const path = await mainFile(row);
    // one run per upload: claimed in the database, so a double click or a second tab cannot start another
    const claimed = await sql`UPDATE import_upload SET run_id = 0, run_by = ${p.userId}, run_at = now(), layer_id = ${s.layer.id},
      municipality_code = ${s.municipality ?? null}, mapping = ${JSON.stringify(s.mapping)}::jsonb WHERE id = ${row.id} AND run_id IS NULL`.execute(db);
    if (Number(claimed.numAffectedRows ?? 0) !== 1) throw new UploadConflict('this upload was imported already (or is being imported); see its run report or start a new upload');
    if (saveAs) {
      const columns = Array.isArray(body.columns) ? body.columns.filter((c): c is string => typeof c === 'string').slice(0, 500) : [];
      await saveMapping(db, { name: saveAs.name, layerId: s.layer.id, municipality: saveAs.shared ? null : p.municipalityCode, columns, mapping: s.mapping, userId: p.userId });
    }
    const job: Job = { state: 'running', read: 0, total: null, listeners: new Set() };
    jobs.set(row.id, job);
    const emit = (event: string, data: unknown) => {
      for (const l of job.listeners) l(event, data);
    };
    let lastEmit = 0;
    void importFile(db, {
      path,
      layerId: s.layer.id,
      municipality: s.municipality,
      rejectOutsideMunicipality: s.rejectOutsideMunicipality,
      idField: s.idField,
      mapping: s.mapping,
      editPolicy: s.editPolicy,
      allowWithdraw,
      trigger: `portal:${actorOf(p)}`,
      progressEvery: 100,
      onProgress: (read, total) => {
        job.read = read;
        job.total = total ?? null;
        const now = Date.now();
        if (now - lastEmit >= 100 || (total !== undefined && read >= total)) {
          lastEmit = now;
          emit('progress', { read, total: job.total });
        }
      },
    })
      .then(async (report) => {
        job.report = report;
        job.state = report.status === 'succeeded' ? 'done' : 'failed';
        job.detail = report.error?.replace(/(?:\/[^\s/:]+)+\/([^\s/:]+)/g, '$1');
        // a failed run published nothing: the upload may be confirmed again (e.g. accepting the withdrawal)
        await sql`UPDATE import_upload SET run_id = ${report.status === 'succeeded' ? report.runId : null} WHERE id = ${row.id}`.execute(db);
      })
      .catch((e: unknown) => {
        job.state = 'failed';
        job.detail = e instanceof InputError ? inputProblem(e).detail : 'the import failed unexpectedly; it has been logged';
        if (!(e instanceof InputError)) ctx.app.emit('error', e, ctx);
        // nothing was published: the upload may be confirmed again
        return sql`UPDATE import_upload SET run_id = NULL WHERE id = ${row.id}`.execute(db).then(() => undefined);
      })
      .finally(() => emit(job.state, jobEvent(job)));
    ctx.status = 202;
    ctx.body = { upload: row.id, events: `/api/etl/uploads/${row.id}/events` };
  });

  router.get('/api/etl/uploads/:id/events', async (ctx) => {
    const p = requirePrincipal(ctx);
    const row = await ownUpload(ctx, p);
    const job = jobs.get(row.id);
    if (!job) {
      if (row.run_id) {
        ctx.respond = false;
        ctx.res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform' });
        ctx.res.end(`event: done\ndata: ${JSON.stringify({ runId: Number(row.run_id), status: 'succeeded' })}\n\n`);
        return;
      }
      throw new NotFound('this upload has no run yet; confirm the import first');
    }
    ctx.respond = false;
    const res = ctx.res;
    ctx.req.socket.setTimeout(0);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    let n = 0;
    const send = (event: string, data: unknown) => res.write(`id: ${++n}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    res.write('retry: 2000\n\n');
    if (job.state !== 'running') {
      send(job.state, jobEvent(job));
      res.end();
      return;
    }
    send('progress', { read: job.read, total: job.total });
    const listener = (event: string, data: unknown) => {
      send(event, data);
      if (event !== 'progress') res.end();
    };
    job.listeners.add(listener);
    const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
    res.on('close', () => {
      clearInterval(ping);
      job.listeners.delete(listener);
    });
  });

  router.get('/api/etl/mappings', async (ctx) => {
    const p = requirePrincipal(ctx);
    staffOnly(p);
    const layer = typeof ctx.query.layer === 'string' ? ctx.query.layer : undefined;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { mappings: await listMappings(db, layer, p.role === 'municipality_editor' ? p.municipalityCode : undefined) };
  });

  router.delete('/api/etl/mappings/:mid', async (ctx) => {
    const p = requirePrincipal(ctx);
    staffOnly(p);
    if (!/^\d{1,12}$/.test(ctx.params.mid!)) throw new NotFound('no such mapping');
    if (!(await deleteMapping(db, Number(ctx.params.mid), p))) throw new NotFound('no such mapping (or it is not yours to delete)');
    ctx.status = 204;
  });

  return router;
}

function jobEvent(job: Job): Record<string, unknown> {
  const r = job.report;
  return {
    runId: r?.runId ?? null,
    status: r?.status ?? 'failed',
    read: r?.read ?? job.read,
    counts: r ? { inserted: r.inserted, updated: r.updated, unchanged: r.unchanged, withdrawn: r.deleted, rejected: r.rejected, conflicts: r.conflicts.length } : null,
    detail: job.detail ?? null,
  };
}
