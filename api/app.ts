import { municipalityApi } from './municipalities/routes.ts';
import { publicInformationApi } from './public-information/routes.ts';
import Koa from 'koa';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../sql/connection.ts';
import { problemMiddleware } from './problem.ts';
import { healthRoutes, HealthParts } from './health.ts';
import { exportWorkersHealth } from './downloads/export-process.ts';
import { landuseRoutes } from './landuse/routes.ts';
import { etlRoutes } from './etl/routes.ts';
import { uploadRoutes } from './etl/uploads.ts';
import { sensorRoutes } from './sensors/routes.ts';
import compress from 'koa-compress';
import type { Logger } from 'pino';
import { featureApi } from './features/routes.ts';
import { tileApi, tileProducer } from './tiles/routes.ts';
import { searchApi } from './search/routes.ts';
import { openapiApi } from './openapi/routes.ts';
import { TileCache } from './cache/tile-cache.ts';
import { createLogger, requestLogger } from './middleware/logging.ts';
import { publicCors } from './middleware/cors.ts';
import { resolveClient, TrustedProxies } from './middleware/client-address.ts';
import { inputHygiene } from './middleware/input-hygiene.ts';
import { securityHeadersMiddleware } from './middleware/security-headers.ts';
import { rateLimit, RateLimiter, type RateLimitOptions } from './middleware/rate-limit.ts';
import { tileFastPath, type FastHandler } from './tiles/fast-path.ts';
import { DEFAULT_AUTH, type AuthConfig } from './auth/config.ts';
import { authMiddleware } from './auth/middleware.ts';
import { authRoutes } from './auth/routes.ts';
import { adminRoutes } from './admin/routes.ts';
import { editingRoutes } from './editing/routes.ts';
import { attachmentRoutes } from './editing/attachments.ts';
import { historyRoutes } from './history/routes.ts';
import { openData } from './catalog/mount.ts';
import { dtmRoutes } from './dtm/routes.ts';
import { uapRoutes } from './uap/routes.ts';
import { KEY_HEADER, KeyDirectory } from './developers/keys.ts';
import { trackResponse, UsageRecorder } from './developers/usage.ts';
import { apiKeyCheck, developerRoutes } from './developers/routes.ts';
import { createMailer, type Mailer } from './developers/mailer.ts';
import { readYourWrites } from './middleware/read-your-writes.ts';
import { lsnOfCookie, readContext } from '../sql/read-routing.ts';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export interface AppOptions {
  database: Database;
  publicBaseUrl?: string;
  /** SvelteKit's request handler; everything outside /api goes to it */
  portal?: NodeHandler;
  /** extra routes mounted before the portal (the local CLI bridge) */
  extra?: Koa.Middleware[];
  /** tile cache (LRU, + Redis when shared); default: an in-process LRU */
  tileCache?: TileCache;
  /** structured logger (pino); default from LOG_LEVEL */
  logger?: Logger;
  /** per-client limit (RATE_LIMIT_PER_MINUTE); default: 3000/min (a map view loads dozens of tiles at once), loopback exempt */
  rateLimit?: RateLimitOptions;
  /** ITEMS_EXACT_COUNT_MAX: items' numberMatched counted exactly up to this many matches, estimated beyond */
  itemsExactCountMax?: number;
  /** a limiter made by the caller (default: one from `rateLimit`) */
  limiter?: RateLimiter;
  /** accounts and sign-in (defaults: api/auth/config.ts) */
  auth?: AuthConfig;
  /** where attachments are stored (DATA_DIR) */
  dataDir?: string;
  /** largest upload of an import from the portal, all parts together (default api/etl/uploads.ts MAX_UPLOAD_BYTES) */
  importMaxBytes?: number;
  /** reverse proxies whose X-Forwarded-* headers are believed (TRUST_PROXY); default: none */
  trustedProxies?: TrustedProxies;
  /** background parts /api/health reports (the server registers sensor ingest and scheduler) */
  health?: HealthParts;
  /** ÚAP: days after which delivered data are stale (UAP_STALE_DAYS, default 730) */
  uapStaleDays?: number;
  /** developers' keys: how sign-in links are sent (default: logged) and the default limit of a key (API_KEY_RATE_LIMIT_PER_MINUTE) */
  developers?: { mailer?: Mailer; apiKeyPerMinute?: number };
}

/** Koa, with a handler in front that may answer a request before Koa does (api/tiles/fast-path.ts). */
class GeoportalApp extends Koa {
  fastPath?: FastHandler;
  trustedProxies = new TrustedProxies([]);
  apiKeys?: KeyDirectory;
  usage?: UsageRecorder;

  override callback(): ReturnType<Koa['callback']> {
    const koa = super.callback();
    const handle = this.handler(koa);
    // reads of a client that has just written wait for its write on the replicas (sql/read-routing.ts)
    return (req, res) => readContext.run({ minLsn: lsnOfCookie(req.headers.cookie) }, () => handle(req, res));
  }

  private handler(koa: ReturnType<Koa['callback']>): ReturnType<Koa['callback']> {
    return (req, res) => {
      // first of all: forwarding headers of untrusted peers are dropped before anyone reads them
      if (req instanceof IncomingMessage) resolveClient(req, this.trustedProxies);
      // usage statistics of every API request, however it is answered: by key (0 = anonymous) and endpoint family, never by address
      if (this.usage && this.apiKeys && req instanceof IncomingMessage && res instanceof ServerResponse && req.url?.startsWith('/api')) {
        const usage = this.usage;
        const key = this.apiKeys.known(req);
        const path = req.url.split('?', 1)[0]!;
        const t0 = performance.now();
        trackResponse(res, (status, bytes) => usage.record(key?.id ?? 0, path, status, bytes, performance.now() - t0));
      }
      // an unknown key is refused by Koa (api/developers/routes.ts), so the fast path does not serve it anonymously
      const unknownKey = req.headers[KEY_HEADER] !== undefined && !(req instanceof IncomingMessage && this.apiKeys?.known(req));
      const fast = this.fastPath && !unknownKey && req instanceof IncomingMessage && res instanceof ServerResponse ? this.fastPath(req, res) : false;
      if (fast === false) return koa(req, res);
      return fast.then((answered) => (answered ? undefined : koa(req, res)));
    };
  }
}

/** Stops the app's background timers and writes the usage statistics not yet flushed (server shutdown). */
export async function closeApp(app: Koa): Promise<void> {
  if (!(app instanceof GeoportalApp)) return;
  app.apiKeys?.stop();
  app.usage?.stop();
  await app.usage?.flush().catch(() => {});
}

export function createApp(opts: AppOptions): Koa {
  const app = new GeoportalApp();
  app.trustedProxies = opts.trustedProxies ?? new TrustedProxies([]);
  // Koa reads X-Forwarded-Proto/-Host only with proxy on; resolveClient has removed them unless a trusted proxy sent them
  app.proxy = app.trustedProxies.size > 0;
  const tileCache = opts.tileCache ?? new TileCache();
  const limits = opts.rateLimit ?? { perMinute: 3000 };
  // a developer's key raises the limit for its holder; anonymous use keeps the per-address default
  const keys = new KeyDirectory(opts.database.db, opts.developers?.apiKeyPerMinute ?? 10 * limits.perMinute);
  void keys.refresh().catch(() => {});
  keys.start();
  const usage = new UsageRecorder(opts.database.db);
  usage.start(60_000, (e) => console.error(JSON.stringify({ level: 'error', msg: `usage statistics not flushed (kept for the next try): ${e.message}` })));
  app.apiKeys = keys;
  app.usage = usage;
  const limiter = opts.limiter ?? new RateLimiter({ ...limits, tierOf: keys.tierOf });
  app.on('error', (err: Error, ctx?: Koa.Context) => {
    console.error(JSON.stringify({ level: 'error', msg: err.message, path: ctx?.path, stack: err.stack?.split('\n').slice(0, 6) }));
  });
  app.use(async (ctx, next) => {
    const client = resolveClient(ctx.req, app.trustedProxies);
    ctx.state.client = client;
    ctx.request.ip = client.ip;
    ctx.state.publicBaseUrl = opts.publicBaseUrl;
    await next();
  });
  const logger = opts.logger ?? createLogger();
  // with read replicas (DATABASE_READ_URL) the read routes query them; writes, sessions and LISTEN stay on the primary
  const reader = opts.database.read ?? opts.database;
  app.fastPath = tileFastPath({ produce: tileProducer(reader, tileCache), limiter, logger, trustedProxies: app.trustedProxies });
  app.use(requestLogger(logger));
  app.use(securityHeadersMiddleware);
  app.use(publicCors());
  // MVT is compressed once when cached (api/tiles/routes.ts); JSON and GeoJSON here
  app.use(compress({ threshold: 1024, br: false, filter: (type: string) => /json|javascript|text|css|xml|html/.test(type) }));
  app.use(problemMiddleware);
  app.use(readYourWrites(opts.database, opts.auth ?? DEFAULT_AUTH));
  app.use(rateLimit(limiter));
  app.use(apiKeyCheck(keys));
  app.use(inputHygiene);
  for (const mw of opts.extra ?? []) app.use(mw);
  const auth = opts.auth ?? DEFAULT_AUTH;
  app.use(authMiddleware(opts.database.db, auth));
  // before the read routes: they add the ETag to single items and answer ?asOf= reads
  const mailer = opts.developers?.mailer ?? createMailer({ from: 'geoportal@localhost' }, (line) => console.log(line));
  for (const router of [developerRoutes({ db: opts.database.db, keys, usage, mailer, auth }), authRoutes(opts.database.db, auth), adminRoutes(opts.database.db), historyRoutes(opts.database.db), editingRoutes(opts.database.db), dtmRoutes(opts.database.db), uapRoutes(opts.database.db, { staleAfterDays: opts.uapStaleDays }), attachmentRoutes(opts.database.db, opts.dataDir ?? 'data'), uploadRoutes(opts.database.db, opts.dataDir ?? 'data', { maxBytes: opts.importMaxBytes })]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  // open data: DCAT-AP-CZ catalogue (api/catalog) and downloads (api/downloads)
  const openDataApi = openData({ ...opts, database: reader });
  app.use(openDataApi.cors);
  for (const router of openDataApi.routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  const health = opts.health ?? new HealthParts();
  if (opts.database.kind === 'postgres') health.register('exportWorkers', exportWorkersHealth);
  const documented = [featureApi(reader, { exactCountMax: opts.itemsExactCountMax }), tileApi(reader, tileCache), searchApi(reader), publicInformationApi(reader), municipalityApi(reader)];
  const openapi = openapiApi(() => documented);
  for (const router of [...documented.map((d) => d.router), openapi.router, healthRoutes(opts.database, health), landuseRoutes(opts.database.db), etlRoutes(opts.database.db)]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  // sensors: latest values, time series, alerts and their live stream (api/sensors)
  const sensors = sensorRoutes(opts.database);
  app.use(sensors.routes());
  app.use(sensors.allowedMethods());
  if (opts.portal) {
    const portal = opts.portal;
    app.use(async (ctx, next) => {
      if (ctx.path === '/api' || ctx.path.startsWith('/api/')) return next();
      ctx.respond = false;
      await new Promise<void>((resolve) => {
        ctx.res.on('finish', resolve);
        ctx.res.on('close', resolve);
        portal(ctx.req, ctx.res, () => {
          ctx.res.statusCode = 404;
          ctx.res.end('Not found');
        });
      });
    });
  }
  return app;
}
