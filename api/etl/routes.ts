import Router from '@koa/router';
import { basename } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { layers } from '../../schemas/index.ts';
import { canRead, type Principal } from '../auth/principal.ts';
import { BadParameter, NotFound } from '../problem.ts';
import { apiBase } from '../links.ts';

interface RunRow {
  id: number;
  layer_id: string;
  source: string;
  checksum: string | null;
  status: string;
  trigger: string | null;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
  read_count: number;
  inserted_count: number;
  updated_count: number;
  unchanged_count: number;
  deleted_count: number;
  rejected_count: number;
  warnings: string[];
  error: string | null;
  id_source: string | null;
  conflict_count: number;
  edit_policy: string | null;
}

/** Runs are public metadata about published data; only a source's file name is shown, never server paths. */
function runJson(r: RunRow, base: string) {
  return {
    id: r.id,
    layer: r.layer_id,
    source: /^https?:/i.test(r.source) ? r.source : basename(r.source),
    checksum: r.checksum ? `sha256:${r.checksum}` : null,
    status: r.status,
    trigger: r.trigger,
    startedAt: new Date(r.started_at).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    durationMs: r.duration_ms,
    counts: {
      read: r.read_count,
      inserted: r.inserted_count,
      updated: r.updated_count,
      unchanged: r.unchanged_count,
      deleted: r.deleted_count,
      rejected: r.rejected_count,
      conflicts: r.conflict_count,
    },
    idSource: r.id_source,
    editPolicy: r.edit_policy,
    warnings: r.warnings,
    error: r.error,
    links: [{ rel: 'self', type: 'application/json', href: `${base}/etl/runs/${r.id}` }],
  };
}

const RUN_COLUMNS = sql`id, layer_id, source, checksum, status, trigger, started_at, finished_at, duration_ms, read_count, inserted_count,
  updated_count, unchanged_count, deleted_count, rejected_count, warnings, error, id_source, conflict_count, edit_policy`;

/** Layers whose runs (counts, reject reasons quoting values) the caller may not see: non-public ones without an account. */
function hiddenLayers(principal: Principal | undefined): string[] {
  return layers.filter((l) => !canRead(principal, l)).map((l) => l.id);
}

export function etlRoutes(db: Kysely<any>): Router {
  const router = new Router();

  router.get('/api/etl/runs', async (ctx) => {
    const layer = typeof ctx.query.layer === 'string' ? ctx.query.layer : undefined;
    if (layer !== undefined && !/^[a-z][a-z0-9-]{0,62}$/.test(layer)) throw new BadParameter('layer', 'not a layer id');
    const limitRaw = typeof ctx.query.limit === 'string' ? ctx.query.limit : '50';
    if (!/^\d{1,4}$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > 1000) throw new BadParameter('limit', 'limit must be 1–1000');
    const rows = (
      await sql<RunRow>`SELECT ${RUN_COLUMNS} FROM etl_run
        WHERE layer_id <> ALL(${hiddenLayers(ctx.state.principal as Principal | undefined)}::text[]) ${layer ? sql`AND layer_id = ${layer}` : sql``}
        ORDER BY id DESC LIMIT ${Number(limitRaw)}`.execute(db)
    ).rows;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { runs: rows.map((r) => runJson(r, apiBase(ctx))) };
  });

  router.get('/api/etl/runs/:runId', async (ctx) => {
    if (!/^\d{1,12}$/.test(ctx.params.runId!)) throw new BadParameter('runId', 'run id must be a number');
    const run = (await sql<RunRow>`SELECT ${RUN_COLUMNS} FROM etl_run WHERE id = ${Number(ctx.params.runId)}`.execute(db)).rows[0];
    if (!run || hiddenLayers(ctx.state.principal as Principal | undefined).includes(run.layer_id)) throw new NotFound(`no ETL run ${ctx.params.runId}`);
    const rejects = (
      await sql<{ file: string; record: number; field: string | null; reason: string }>`
        SELECT file, record, field, reason FROM etl_reject WHERE run_id = ${run.id} ORDER BY record LIMIT 10000`.execute(db)
    ).rows;
    // features staff edited that the source would change: source value vs edited value, per feature
    const conflicts = (
      await sql<{ file: string; record: number; fid: string; source_id: string; edited_by: string; edited_at: Date | null; outcome: string; differences: unknown }>`
        SELECT file, record, fid, source_id, edited_by, edited_at, outcome, differences FROM etl_conflict WHERE run_id = ${run.id} ORDER BY record LIMIT 10000`.execute(db)
    ).rows.map((c) => ({
      file: c.file,
      record: c.record,
      featureId: Number(c.fid),
      sourceId: c.source_id,
      editedBy: c.edited_by,
      editedAt: c.edited_at ? new Date(c.edited_at).toISOString() : null,
      outcome: c.outcome,
      differences: c.differences,
    }));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { ...runJson(run, apiBase(ctx)), rejects, conflicts };
  });

  router.get('/api/etl/sources', async (ctx) => {
    const { loadSources } = await import('../../etl/schedule/sources.ts');
    const hidden = hiddenLayers(ctx.state.principal as Principal | undefined);
    const sources = loadSources().filter((s) => !hidden.includes(s.layer));
    const state = new Map(
      (await sql<Record<string, unknown>>`SELECT * FROM etl_source_state`.execute(db)).rows.map((r) => [r.name as string, r]),
    );
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      sources: sources.map((s) => {
        const st = state.get(s.name);
        return {
          name: s.name,
          layer: s.layer,
          schedule: s.cron,
          expectedPeriodHours: s.expectedPeriodHours,
          lastSuccessAt: st?.last_success_at ? new Date(st.last_success_at as string).toISOString() : null,
          lastAttemptAt: st?.last_attempt_at ? new Date(st.last_attempt_at as string).toISOString() : null,
          lastRunId: st?.last_run_id ?? null,
          stale: Boolean(st?.stale),
          // server paths in error texts are reduced to file names
          lastError: st?.last_error ? String(st.last_error).replace(/(?:\/[^\s/:]+)+\/([^\s/:]+)/g, '$1') : null,
        };
      }),
    };
  });
  return router;
}
