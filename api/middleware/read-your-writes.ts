import type { Middleware } from 'koa';
import { sql } from 'kysely';
import type { Database } from '../../sql/connection.ts';
import { LSN_COOKIE } from '../../sql/read-routing.ts';
import type { AuthConfig } from '../auth/config.ts';
import { setCookie } from '../auth/middleware.ts';

/** How long a writer's reads check the replicas against their write (after that a replica has long replayed it). */
export const READ_YOUR_WRITES_MS = 5 * 60_000;

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * With read replicas: after a request that changed something, the client gets the
 * primary's WAL position in a cookie (`gp_lsn`); its later reads, on any instance
 * behind the balancer, go to a replica only once that replica has replayed up to it
 * (sql/read-routing.ts reads the cookie in the app's callback). Without replicas it does nothing.
 */
export function readYourWrites(database: Database, auth: AuthConfig): Middleware {
  if (!database.read) return (_ctx, next) => next();
  return async (ctx, next) => {
    await next();
    if (SAFE.has(ctx.method) || ctx.status >= 400 || !ctx.path.startsWith('/api')) return;
    try {
      const { rows } = await sql<{ lsn: string }>`SELECT pg_current_wal_lsn()::text AS lsn`.execute(database.db);
      setCookie(ctx, auth, LSN_COOKIE, rows[0]!.lsn, { httpOnly: true, maxAgeMs: READ_YOUR_WRITES_MS });
    } catch {
      // the primary went away after the write: the reads fall back to it or to any replica anyway
    }
  };
}
