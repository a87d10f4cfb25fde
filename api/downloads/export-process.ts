import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fromRoot } from '../../schemas/paths.ts';
import type { ExportJob, ExportOutcome } from './export-worker.ts';

export type { ExportJob } from './export-worker.ts';

/** Built by `npm run build` (scripts/build.mjs) with its packages bundled: no TypeScript loader, no bundling at run time. */
const WORKER = fromRoot('dist', 'export-worker.mjs');

/**
 * V8 flags of a worker: the writers stream, so a modest heap suffices for any
 * layer size, and a small young generation keeps the resident set small
 * (EXPORT_WORKER_FLAGS overrides).
 */
const FLAGS = (process.env.EXPORT_WORKER_FLAGS ?? '--max-old-space-size=256 --max-semi-space-size=1').split(/\s+/).filter(Boolean);

interface WorkerCommand {
  execArgv: string[];
  script: string;
}

/** The worker's command; a missing build is a deployment error, said plainly rather than worked around. */
function workerCommand(): Promise<WorkerCommand> {
  if (!existsSync(WORKER)) return Promise.reject(new Error(`${WORKER} is missing: run \`npm run build\``));
  return Promise.resolve({ execArgv: FLAGS, script: WORKER });
}

/**
 * One worker started ahead of need, idle until a job comes (it has loaded Node
 * and the bundle, ≈ 0.2–0.3 s, but holds no connection): an export does not
 * wait for that start, and each export still gets a fresh process whose memory
 * goes back to the system when it ends. Once idle it is unreferenced, so it never
 * keeps the API process alive; it exits when the API does (its IPC channel closes).
 */
let spare: Promise<ChildProcess> | undefined;

function startWorker(cmd: WorkerCommand): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // execArgv given explicitly: the parent's own (a test runner's loader, --inspect …) must not be inherited
    const child = fork(cmd.script, [], { execArgv: cmd.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    const early = (code: number | null, signal: string | null) => reject(new ExportFailed(`export worker did not start (${signal ?? `exit code ${code}`})`));
    child.once('exit', early);
    child.once('error', reject);
    child.once('message', (m: { ready?: boolean }) => {
      child.off('exit', early);
      child.off('error', reject);
      if (m.ready) {
        // idle from here: it must not keep the API (or a script) alive
        child.unref();
        child.channel?.unref();
        resolve(child);
      } else reject(new ExportFailed('export worker sent no ready message'));
    });
  });
}

/** Starts the next spare; a spare that fails to start is forgotten (only if it is still the current one). */
function newSpare(cmd: WorkerCommand): Promise<ChildProcess> {
  const p = startWorker(cmd);
  spare = p;
  p.catch(() => {
    if (spare === p) spare = undefined;
  });
  return p;
}

/** The spare if it is alive, else a new one; a new spare is started for the next export. */
async function takeWorker(): Promise<ChildProcess> {
  const cmd = await workerCommand();
  const ready = spare;
  newSpare(cmd);
  const child = ready ? await ready.catch(() => undefined) : undefined;
  return child && child.exitCode === null && child.connected ? child : startWorker(cmd);
}

/** Builds the worker bundle and starts the spare worker ahead of an export (a benchmark, to time the export alone). */
export async function prepareExportWorker(): Promise<void> {
  await (spare ?? newSpare(await workerCommand())).catch(() => {});
}

/** The V8 flags workers run with. */
export function exportWorkerFlags(): string[] {
  return [...FLAGS];
}

/** The worker's failure as the API's code sees it: a PostgreSQL error keeps its SQLSTATE (22… = bad filter value). */
export class ExportFailed extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** At most this many exports run at once (each is a process busy on a core); the rest queue. */
const MAX_WORKERS = Math.max(1, Number(process.env.EXPORT_WORKERS ?? 2));
let running = 0;
const queue: (() => void)[] = [];
/** start times of the exports running and of those queued (health: a worker that never ends shows here) */
const startedAt = new Set<{ at: number }>();
const queuedAt = new Set<{ at: number }>();

async function slot(): Promise<() => void> {
  if (running >= MAX_WORKERS) {
    const q = { at: Date.now() };
    queuedAt.add(q);
    await new Promise<void>((resolve) => queue.push(resolve));
    queuedAt.delete(q);
  }
  running++;
  const mine = { at: Date.now() };
  startedAt.add(mine);
  return () => {
    startedAt.delete(mine);
    running--;
    queue.shift()?.();
  };
}

/** An export running longer than this is stuck (EXPORT_STUCK_SECONDS; the largest layer takes about a minute). */
const STUCK_SECONDS = Number(process.env.EXPORT_STUCK_SECONDS ?? 1800);

/** The export workers as /api/health reports them. */
export function exportWorkersHealth(now = Date.now()): { status: 'ok' | 'stuck'; reason?: string; running: number; queued: number; maxWorkers: number; oldestSeconds: number } {
  const oldest = Math.min(now, ...[...startedAt, ...queuedAt].map((x) => x.at));
  const oldestSeconds = Math.round((now - oldest) / 1000);
  const stuck = oldestSeconds > STUCK_SECONDS;
  return {
    status: stuck ? 'stuck' : 'ok',
    ...(stuck ? { reason: `an export has been running or waiting for ${oldestSeconds} s (more than ${STUCK_SECONDS} s)` } : {}),
    running,
    queued: queue.length,
    maxWorkers: MAX_WORKERS,
    oldestSeconds,
  };
}

let jobs = 0;
/** How many exports this process has handed to workers (for logs and tests). */
export function exportWorkerJobs(): number {
  return jobs;
}

/** Writes one download file in a worker process; resolves with the worker's own time and memory figures. */
export async function runExportWorker(job: ExportJob): Promise<Extract<ExportOutcome, { ok: true }>> {
  const release = await slot();
  jobs++;
  let child: ChildProcess;
  try {
    child = await takeWorker();
  } catch (e) {
    release();
    throw e;
  }
  child.once('exit', release);
  // from now on someone waits for it
  child.ref();
  child.channel?.ref();
  return new Promise((resolve, reject) => {
    let settled = false;
    child.once('message', (outcome: ExportOutcome) => {
      settled = true;
      // the worker has closed the file before it answers
      if (outcome.ok) resolve(outcome);
      else reject(new ExportFailed(outcome.message, outcome.code));
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!settled) reject(new ExportFailed(`export worker ended without a result (${signal ?? `exit code ${code}`})`));
    });
    child.send(job);
  });
}
