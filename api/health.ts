import Router from '@koa/router';
import { sql } from 'kysely';
import type { Database } from '../sql/connection.ts';
import { CHANGE_CHANNEL } from '../sql/changes.ts';

/**
 * One part of the service as /api/health reports it. `stuck` means it does not
 * do its work now (and data may be stale because of it); `off` means it is not
 * run by this process (not configured), which is not a fault.
 */
export interface PartHealth {
  status: 'ok' | 'stuck' | 'off';
  /** why it is stuck, in a sentence an operator can act on */
  reason?: string;
  [fact: string]: unknown;
}

export type PartCheck = () => PartHealth | Promise<PartHealth>;

/**
 * The parts the health endpoint asks, by name. The server registers the
 * background parts (sensor ingest, scheduler) once it has started them; a part
 * never registered is reported as `off`.
 */
export class HealthParts {
  private readonly checks = new Map<string, PartCheck>();

  register(name: string, check: PartCheck): void {
    this.checks.set(name, check);
  }

  names(): string[] {
    return [...this.checks.keys()];
  }

  async run(name: string): Promise<PartHealth> {
    const check = this.checks.get(name);
    if (!check) return { status: 'off' };
    try {
      return await check();
    } catch (e) {
      return { status: 'stuck', reason: `its check failed: ${(e as Error).message}` };
    }
  }
}

/** The parts every report names, in this order (registered ones beyond them follow). */
export const REPORTED_PARTS = ['changeListener', 'sensorIngest', 'scheduler', 'exportWorkers'] as const;

/**
 * The change listener keeps tile caches current: while it is not LISTENing,
 * changes made elsewhere are not seen (it resyncs when it is back).
 */
export function changeListenerHealth(database: Database): PartHealth {
  const l = database.listeners().find((x) => x.channel === CHANGE_CHANNEL);
  if (!l) return { status: 'off' };
  return {
    status: l.listening ? 'ok' : 'stuck',
    ...(l.listening ? {} : { reason: `not listening since ${l.since.toISOString()}${l.lastError ? ` (${l.lastError})` : ''}; reconnecting` }),
    since: l.since.toISOString(),
    reconnects: l.reconnects,
  };
}

/** Overall: 200 `ok`, or 503 `degraded` when the database or any part is stuck. */
export function healthRoutes(database: Database, parts: HealthParts = new HealthParts()): Router {
  const router = new Router();
  parts.register('changeListener', () => changeListenerHealth(database));
  router.get('/api/health', async (ctx) => {
    const started = performance.now();
    let reachable = true;
    let error: string | undefined;
    try {
      await sql`SELECT 1`.execute(database.db);
    } catch (e) {
      reachable = false;
      error = (e as Error).message;
    }
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const names = [...REPORTED_PARTS, ...parts.names().filter((n) => !(REPORTED_PARTS as readonly string[]).includes(n))];
    const reports = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await parts.run(n)] as const)));
    const stuck = [...(reachable ? [] : ['database']), ...names.filter((n) => reports[n]!.status === 'stuck')];
    ctx.status = stuck.length ? 503 : 200;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      status: stuck.length ? 'degraded' : 'ok',
      // what a reader should know: the parts that keep data current are stuck, so what is shown may be old
      ...(stuck.length ? { stuck } : {}),
      database: {
        status: reachable ? 'ok' : 'stuck',
        backend: database.kind,
        reachable,
        latencyMs,
        tileEncoder: database.canEncodeMvt ? 'postgis' : 'js',
        ...(error ? { error } : {}),
      },
      ...reports,
    };
  });
  return router;
}
