import Router from '@koa/router';
import { sql } from 'kysely';
import type { Database } from '../sql/connection.ts';
import type { SensorIngestStatus } from '../etl/sensors/status.ts';

/** `sensors`: the sensor ingest's status (etl/sensors/status.ts), undefined while it is not running. */
export function healthRoutes(database: Database, sensors?: () => Promise<SensorIngestStatus | undefined>): Router {
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
    const sensorIngest = await sensors?.();
    const degraded = sensorIngest?.status === 'degraded';
    ctx.status = reachable && !degraded ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      status: !reachable ? 'unavailable' : degraded ? 'degraded' : 'ok',
      ...(sensorIngest ? { sensors: sensorIngest } : {}),
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
