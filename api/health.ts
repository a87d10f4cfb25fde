import Router from '@koa/router';
import { sql } from 'kysely';
import type { Database } from '../sql/connection.ts';

export function healthRoutes(database: Database): Router {
  const router = new Router();
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
    ctx.status = reachable ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      status: reachable ? 'ok' : 'unavailable',
      database: {
        backend: database.kind,
        reachable,
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
        tileEncoder: database.canEncodeMvt ? 'postgis' : 'js',
        ...(error ? { error } : {}),
      },
    };
  });
  return router;
}
