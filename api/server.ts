/**
 * `npm start`: one process, one port. Opens the database (PostgreSQL when
 * DATABASE_URL is set, else embedded PGlite under DATA_DIR), migrates, seeds an
 * empty database through the ETL, and serves the API and the portal.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Server } from 'node:http';
import type { Middleware } from 'koa';
import { loadConfig, pgliteDir, type Config } from './config.ts';
import { closeApp, createApp, type NodeHandler } from './app.ts';
import { createMailer } from './developers/mailer.ts';
import { bridgeMiddleware, readLiveLock, writeLock } from './local-bridge.ts';
import { openDatabase, probeCapabilities, type Database } from '../sql/connection.ts';
import { migrate } from '../sql/migrate.ts';
import { seedIfEmpty } from '../etl/seed.ts';
import { markInterruptedRuns } from '../etl/import.ts';
import { schedulerHealth, startScheduler } from '../etl/schedule/runner.ts';
import { TOOLS } from './cli-tools.ts';
import { loadSensorConfig } from '../etl/sensors/config.ts';
import { startSensorService } from '../etl/sensors/service.ts';
import { registerObservationsDataset } from './sensors/routes.ts';
import { Redis } from 'ioredis';
import { TileCache } from './cache/tile-cache.ts';
import { startTileInvalidation } from './cache/invalidation.ts';
import { createLogger } from './middleware/logging.ts';
import { PROJECT_ROOT } from '../schemas/paths.ts';
import { HealthParts } from './health.ts';
import { sensorIngestHealth } from '../etl/sensors/health.ts';

const root = PROJECT_ROOT;

export async function loadPortal(): Promise<NodeHandler | undefined> {
  const handler = join(root, 'portal/build/handler.js');
  if (!existsSync(handler)) return undefined;
  return (await import(pathToFileURL(handler).href)).handler as NodeHandler;
}

export async function startServer(config: Config, log: (m: string) => void = console.log): Promise<{ server: Server; database: Database; stop(): Promise<void> }> {
  if (!config.databaseUrl) {
    const other = readLiveLock(config.dataDir);
    if (other && other.pid !== process.pid)
      throw new Error(`another geoportal server (pid ${other.pid}, port ${other.port}) already uses ${config.dataDir}; stop it or set DATA_DIR`);
  }
  const t0 = Date.now();
  if (config.databaseReadUrls.length && !config.databaseUrl) log('DATABASE_READ_URL is ignored: the embedded database has no replicas (set DATABASE_URL to the primary)');
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    readUrls: config.databaseReadUrls,
    dataDir: pgliteDir(config),
    postgisBundle: config.pglitePostgisBundle,
    poolSize: config.databasePoolMax,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
  });
  const { applied } = await migrate(database.db);
  if (applied.length) log(`migrations applied: ${applied.join(', ')}`);
  // capabilities only now: on a new database the migrations create the PostGIS extension
  await probeCapabilities(database);
  // runs of a process that died (kill -9, power loss) were rolled back: say so now, not at the next import
  const interrupted = await markInterruptedRuns(database.db);
  if (interrupted) log(`etl: ${interrupted} interrupted run(s) recorded as failed (their process ended mid-run; nothing was published)`);
  if (database.read) log(`read replicas: ${database.read.location}`);
  log(`database: ${database.kind} at ${database.location} (tiles encoded by ${database.canEncodeMvt ? 'PostGIS ST_AsMVT' : 'geojson-vt/vt-pbf'}), ready in ${Date.now() - t0} ms`);
  if (config.seed) await seedIfEmpty(database.db, log);
  const portal = await loadPortal();
  if (!portal) log('portal build not found (portal/build): serving the API only; run `npm run build`');

  // the bridge needs the bound port, so it is installed once the server listens
  let bridge: Middleware | undefined;
  let lockPort = config.port;
  // tile cache: in-process LRU, shared through Redis when REDIS_URL is set; changes committed anywhere invalidate it
  const logger = createLogger(config.logLevel);
  const redis = config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 }) : undefined;
  if (redis) {
    redis.on('error', (e: Error) => logger.warn({ err: e.message }, 'redis'));
    await redis.connect();
  }
  const tileCache = new TileCache({ maxBytes: config.tileCacheMb * 1024 * 1024, redis });
  const stopInvalidation = await startTileInvalidation(
    database,
    tileCache,
    (change, dropped) => logger.info({ layer: change.layerId, bbox: change.bbox, source: change.source, dropped }, 'tiles invalidated'),
    (e) => logger.error({ err: e.message }, 'tile invalidation failed'),
  );
  const health = new HealthParts();
  const app = createApp({
    health,
    tileCache,
    logger,
    rateLimit: { perMinute: config.rateLimitPerMinute, limitLoopback: config.rateLimitLoopback, redis },
    developers: { apiKeyPerMinute: config.apiKeyRateLimitPerMinute, mailer: createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom }, log) },
    itemsExactCountMax: config.itemsExactCountMax,
    database,
    publicBaseUrl: config.publicBaseUrl,
    portal,
    auth: config.auth,
    trustedProxies: config.trustedProxies,
    dataDir: config.dataDir,
    uapStaleDays: config.uapStaleDays,
    extra: [(ctx, next) => (bridge ? bridge(ctx, next) : next())],
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  if (address && typeof address === 'object') lockPort = address.port;
  if (!config.databaseUrl) {
    const lock = writeLock(config.dataDir, lockPort);
    bridge = bridgeMiddleware(lock, database.db, TOOLS);
  }
  // sensor ingest: MQTT subscriber (embedded broker without MQTT_URL), feed pulls, alert checks (etl/sensors)
  const sensorConfig = loadSensorConfig();
  const sensors = sensorConfig.enabled ? await startSensorService(database, sensorConfig, log) : undefined;
  if (sensors) health.register('sensorIngest', () => sensorIngestHealth(database.db, sensors));
  registerObservationsDataset(database);
  // scheduled ETL sources; on several instances the per-source lease in the database keeps runs single
  const scheduler = config.etlScheduler ? startScheduler(database.db, log) : undefined;
  if (scheduler) health.register('scheduler', () => schedulerHealth(database.db, scheduler));
  log(`geoportal listening on http://localhost:${lockPort} (started in ${Date.now() - t0} ms)`);
  return {
    server,
    database,
    async stop() {
      scheduler?.stop();
      await sensors?.stop();
      await new Promise<void>((r) => server.close(() => r()));
      await closeApp(app);
      await stopInvalidation();
      await redis?.quit().catch(() => {});
      await database.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const config = loadConfig();
  startServer(config).then(
    ({ stop }) => {
      const shutdown = () => {
        stop().finally(() => process.exit(0));
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    },
    (e) => {
      console.error(`geoportal failed to start: ${e instanceof Error ? e.message : e}`);
      process.exit(1);
    },
  );
}
