import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Cron } from 'croner';
import { sql, type Kysely } from 'kysely';
import { InputError } from '../errors.ts';
import { importFile, type RunReport } from '../import.ts';
import { loadMapping } from '../mapping.ts';
import { parseCrsName } from '../crs.ts';
import { loadSources, resolveRepoPath, type SourceConfig } from './sources.ts';
import type { PartHealth } from '../../api/health.ts';
import { runRuianMonthly } from '../ruian/monthly.ts';

/** A lease older than this is considered abandoned (its holder died without releasing it). */
const LEASE_HOURS = 6;
const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 6 * 3600_000;
const MAX_ATTEMPTS = 8;

export const OWNER = `${hostname()}:${process.pid}`;

export type SourceOutcome =
  | { status: 'succeeded'; report: RunReport }
  | { status: 'failed'; error: string; report?: RunReport; nextRetryAt: Date | null }
  | { status: 'busy'; runningBy: string };

/**
 * Runs one configured source now. A lease on the source's state row (taken
 * with a single conditional UPDATE, so two processes or instances cannot both
 * win) keeps the same source from running twice at once; a lease whose holder
 * is a dead process on this host, or older than LEASE_HOURS, is taken over.
 * Failures schedule a retry with exponential backoff, kept in the database so
 * a restart continues where it left off.
 */
export async function runSource(db: Kysely<any>, source: SourceConfig, opts: { fetchImpl?: typeof fetch; now?: Date } = {}): Promise<SourceOutcome> {
  await sql`INSERT INTO etl_source_state (name) VALUES (${source.name}) ON CONFLICT (name) DO NOTHING`.execute(db);
  const holder = (await sql<{ running_by: string | null }>`SELECT running_by FROM etl_source_state WHERE name = ${source.name}`.execute(db)).rows[0]?.running_by;
  const deadHolder = holder ? holderIsDead(holder) : false;
  const lease = await sql<{ name: string }>`UPDATE etl_source_state SET running_by = ${OWNER}, running_since = now(), last_attempt_at = now()
    WHERE name = ${source.name}
      AND (running_by IS NULL OR running_since < now() - make_interval(hours => ${LEASE_HOURS}) OR (${deadHolder} AND running_by = ${holder ?? ''}))
    RETURNING name`.execute(db);
  if (lease.rows.length === 0) return { status: 'busy', runningBy: holder ?? 'another process' };

  let tmp: string | undefined;
  try {
    if (source.ruian) {
      const dir = (tmp = mkdtempSync(join(tmpdir(), 'geoportal-source-')));
      let n = 0;
      const reports = await runRuianMonthly(db, source.ruian, (url) => downloadUrl(url, dir, `${++n}`, source.maxBytes, opts.fetchImpl ?? fetch), {
        now: opts.now,
        trigger: `schedule:${source.name}`,
      });
      return succeeded(db, source, reports.at(-1)!);
    }
    let path: string;
    if (source.url) {
      tmp = mkdtempSync(join(tmpdir(), 'geoportal-source-'));
      path = await downloadUrl(source.url, tmp, 'download', source.maxBytes, opts.fetchImpl ?? fetch);
    } else path = resolveRepoPath(source.path!);
    const srid = source.srs ? parseCrsName(source.srs) : undefined;
    if (source.srs && srid === undefined) throw new InputError(`unknown CRS "${source.srs}"`, source.name);
    const report = await importFile(db, {
      path,
      layerId: source.layer,
      municipality: source.municipality,
      srid,
      encoding: source.encoding,
      mapping: source.mapping ? loadMapping(resolveRepoPath(source.mapping)) : undefined,
      idField: source.idField,
      allowWithdraw: source.allowWithdraw,
      editPolicy: source.editPolicy,
      trigger: `schedule:${source.name}`,
    });
    return succeeded(db, source, report);
  } catch (e) {
    const error = e instanceof InputError ? `${e.file}: ${e.message}` : (e as Error).message;
    const report = (e as { report?: RunReport }).report;
    const state = (
      await sql<{ attempts: number }>`UPDATE etl_source_state SET running_by = NULL, running_since = NULL, attempts = attempts + 1,
        last_error = ${error}, last_run_id = coalesce(${report?.runId ?? null}, last_run_id) WHERE name = ${source.name} RETURNING attempts`.execute(db)
    ).rows[0]!;
    const nextRetryAt = state.attempts >= MAX_ATTEMPTS ? null : new Date(Date.now() + backoffMs(state.attempts));
    await sql`UPDATE etl_source_state SET next_retry_at = ${nextRetryAt} WHERE name = ${source.name}`.execute(db);
    return { status: 'failed', error, report, nextRetryAt };
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

async function succeeded(db: Kysely<any>, source: SourceConfig, report: RunReport): Promise<SourceOutcome> {
  await sql`UPDATE etl_source_state SET running_by = NULL, running_since = NULL, last_success_at = now(), last_run_id = ${report.runId},
    attempts = 0, next_retry_at = NULL, last_error = NULL, stale = false WHERE name = ${source.name}`.execute(db);
  return { status: 'succeeded', report };
}

/** 1 min, 2 min, 4 min … capped at 6 h. */
export function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1), BACKOFF_MAX_MS);
}

function holderIsDead(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch {
    return true;
  }
}

/** Downloads `url` into `dir` as `<name>.<extension of the URL or its content type>`, at most `maxBytes` (default 512 MiB). */
async function downloadUrl(url: string, dir: string, name: string, maxBytes: number | undefined, fetchImpl: typeof fetch): Promise<string> {
  const res = await fetchImpl(url, { redirect: 'follow', signal: AbortSignal.timeout(10 * 60_000) });
  if (!res.ok || !res.body) throw new InputError(`download failed: HTTP ${res.status}`, url);
  const max = maxBytes ?? 512 * 1024 * 1024;
  const type = res.headers.get('content-type') ?? '';
  // keep a double extension such as .xml.zip: the readers recognise VFR by it
  let ext = /(\.[a-z]+)?\.[a-z0-9]+$/i.exec(new URL(url).pathname)?.[0].toLowerCase() ?? extname(new URL(url).pathname).toLowerCase();
  if (!ext) ext = /zip/.test(type) ? '.zip' : /csv/.test(type) ? '.csv' : /geopackage|sqlite/.test(type) ? '.gpkg' : '.geojson';
  const file = join(dir, `${name}${ext}`);
  let seen = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      seen += chunk.length;
      cb(seen > max ? new InputError(`download is larger than ${max} bytes`, url) : null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), cap, createWriteStream(file));
  return file;
}

/** Marks sources stale that have not produced data within their expected period; returns their names. */
export async function markStale(db: Kysely<any>, sources: SourceConfig[]): Promise<string[]> {
  const stale: string[] = [];
  for (const s of sources) {
    await sql`INSERT INTO etl_source_state (name) VALUES (${s.name}) ON CONFLICT (name) DO NOTHING`.execute(db);
    const r = await sql<{ stale: boolean }>`UPDATE etl_source_state
      SET stale = (last_success_at IS NULL OR last_success_at < now() - make_interval(hours => ${s.expectedPeriodHours}))
      WHERE name = ${s.name} RETURNING stale`.execute(db);
    if (r.rows[0]?.stale) stale.push(s.name);
  }
  return stale;
}

export interface SchedulerStatus {
  lastTickAt: Date | null;
  /** the last tick failed (the database unreachable, …); cleared by the next good one */
  lastTickError?: string;
}

export interface Scheduler {
  stop(): void;
  status(): SchedulerStatus;
}

/**
 * The scheduler as /api/health reports it: stuck when its tick fails, when a
 * run holds its lease longer than LEASE_HOURS, or when a source has produced
 * no data within its expected period (what the portal shows may be old).
 */
export async function schedulerHealth(db: Kysely<any>, scheduler: Scheduler): Promise<PartHealth> {
  const st = scheduler.status();
  const rows = (
    await sql<{ name: string; running_since: Date | null; stale: boolean; last_success_at: Date | null; last_error: string | null }>`
      SELECT name, running_since, stale, last_success_at, last_error FROM etl_source_state ORDER BY name`.execute(db)
  ).rows;
  const reasons: string[] = [];
  if (st.lastTickError) reasons.push(`the scheduler's last check failed: ${st.lastTickError}`);
  const leaseMs = LEASE_HOURS * 3600_000;
  for (const r of rows) {
    if (r.running_since && Date.now() - new Date(r.running_since).getTime() > leaseMs) reasons.push(`source ${r.name} has been running since ${new Date(r.running_since).toISOString()}`);
    if (r.stale) reasons.push(`source ${r.name} has produced no data within its expected period${r.last_error ? ` (last error: ${r.last_error})` : ''}`);
  }
  return {
    status: reasons.length ? 'stuck' : 'ok',
    ...(reasons.length ? { reason: reasons.join('; ') } : {}),
    lastTickAt: st.lastTickAt?.toISOString() ?? null,
    running: rows.filter((r) => r.running_since).map((r) => r.name),
    staleSources: rows.filter((r) => r.stale).map((r) => r.name),
  };
}

/**
 * In-process job runner: one croner job per source, plus a minute tick that
 * runs due retries, catches up sources whose period passed while no runner was
 * up, and marks stale sources. All state is in etl_source_state.
 */
export function startScheduler(db: Kysely<any>, log: (line: string) => void, sources = loadSources()): Scheduler {
  const run = async (s: SourceConfig, why: string) => {
    const out = await runSource(db, s).catch((e: Error) => ({ status: 'failed', error: e.message, nextRetryAt: null }) as SourceOutcome);
    if (out.status === 'succeeded') log(`source ${s.name} (${why}): run ${out.report.runId}, ${out.report.inserted} new, ${out.report.updated} updated, ${out.report.deleted} withdrawn`);
    else if (out.status === 'busy') log(`source ${s.name} (${why}): already running (${out.runningBy}), skipped`);
    else log(`source ${s.name} (${why}) failed: ${out.error}${out.nextRetryAt ? `; retry at ${out.nextRetryAt.toISOString()}` : '; giving up until the next schedule'}`);
  };
  const jobs = sources.map((s) => new Cron(s.cron, { protect: true, catch: true }, () => run(s, 'schedule')));
  const tick = async () => {
    const due = await sql<{ name: string }>`SELECT name FROM etl_source_state
      WHERE running_by IS NULL AND next_retry_at IS NOT NULL AND next_retry_at <= now()`.execute(db);
    for (const d of due.rows) {
      const s = sources.find((x) => x.name === d.name);
      if (s) await run(s, 'retry');
    }
    for (const name of await markStale(db, sources)) {
      const s = sources.find((x) => x.name === name)!;
      const st = (await sql<{ last_attempt_at: Date | null; next_retry_at: Date | null }>`SELECT last_attempt_at, next_retry_at FROM etl_source_state WHERE name = ${name}`.execute(db)).rows[0];
      // never attempted within its period (e.g. the runner was down): catch up once
      const overdue = !st?.last_attempt_at || Date.now() - new Date(st.last_attempt_at).getTime() > s.expectedPeriodHours * 3600_000;
      if (overdue && !st?.next_retry_at) await run(s, 'catch-up');
      else log(`source ${name} is stale: no data within ${s.expectedPeriodHours} h`);
    }
  };
  let ticking = false;
  const status: SchedulerStatus = { lastTickAt: null };
  const checkedTick = () =>
    tick().then(
      () => {
        status.lastTickAt = new Date();
        status.lastTickError = undefined;
      },
      (e: Error) => {
        status.lastTickError = e.message;
        log(`scheduler tick failed: ${e.message}`);
      },
    );
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    void checkedTick().finally(() => (ticking = false));
  }, 60_000);
  ticking = true;
  void checkedTick().finally(() => (ticking = false));
  return {
    status: () => ({ ...status }),
    stop() {
      clearInterval(timer);
      for (const j of jobs) j.stop();
    },
  };
}
