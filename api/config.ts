import { resolve } from 'node:path';
import { loadAuthConfig, type AuthConfig } from './auth/config.ts';
import { parseTrustProxy, type TrustedProxies } from './middleware/client-address.ts';

/** Every setting of the geoportal, read once from the environment (documented in README). */
export interface Config {
  port: number;
  host: string;
  databaseUrl?: string;
  /** streaming replicas for the read routes (DATABASE_READ_URL, comma-separated); only with DATABASE_URL */
  databaseReadUrls: string[];
  /** PostgreSQL connections of the request pool (DATABASE_POOL_MAX); the process holds at most this + 2 (LISTEN) */
  databasePoolMax: number;
  /** a new PostgreSQL connection not established within this fails, so a request answers 503 instead of hanging (DATABASE_CONNECT_TIMEOUT_MS) */
  databaseConnectTimeoutMs: number;
  dataDir: string;
  /** embedded database: a PostGIS extension bundle to load instead of pglite-postgis's own (PGLITE_POSTGIS_BUNDLE; the tests' slim one) */
  pglitePostgisBundle?: string;
  /** public https base URL used in links and catalogue IRIs */
  publicBaseUrl?: string;
  seed: boolean;
  /** run the scheduled ETL sources (etl/sources.json) inside this server */
  etlScheduler: boolean;
  /** shared tile cache of several instances (REDIS_URL) */
  redisUrl?: string;
  /** in-process tile cache size (TILE_CACHE_MB, 0 = off) */
  tileCacheMb: number;
  /** requests per client IP and minute (RATE_LIMIT_PER_MINUTE, 0 = off) */
  rateLimitPerMinute: number;
  /** requests per minute a developer's API key allows by default (API_KEY_RATE_LIMIT_PER_MINUTE; default 10 × RATE_LIMIT_PER_MINUTE) */
  apiKeyRateLimitPerMinute: number;
  /** also limit clients on loopback (RATE_LIMIT_LOOPBACK=1; tests and local trials of the limits) */
  rateLimitLoopback: boolean;
  /** SMTP server for the developers' sign-in links (SMTP_URL, e.g. smtps://user:pass@host:465); without it the link is logged */
  smtpUrl?: string;
  /** sender of those e-mails (MAIL_FROM) */
  mailFrom: string;
  /** items' numberMatched exact up to this many matches, estimated beyond (ITEMS_EXACT_COUNT_MAX) */
  itemsExactCountMax: number;
  /** pino level (LOG_LEVEL) */
  logLevel: string;
  /** accounts, sessions, OpenID Connect (COOKIE_SECURE, SESSION_TTL_SECONDS, OIDC_*) */
  auth: AuthConfig;
  /** reverse proxies (addresses/CIDRs) whose X-Forwarded-* headers are believed (TRUST_PROXY); none by default */
  trustedProxies: TrustedProxies;
  /** ÚAP data older than this many days are stale in the state per municipality (UAP_STALE_DAYS) */
  uapStaleDays: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    databaseReadUrls: (env.DATABASE_READ_URL ?? '').split(',').map((u) => u.trim()).filter(Boolean),
    databasePoolMax: Math.max(1, nonNegative(env, 'DATABASE_POOL_MAX', 10)),
    databaseConnectTimeoutMs: Math.max(100, nonNegative(env, 'DATABASE_CONNECT_TIMEOUT_MS', 3000)),
    dataDir: resolve(env.DATA_DIR ?? 'data'),
    pglitePostgisBundle: env.PGLITE_POSTGIS_BUNDLE || undefined,
    publicBaseUrl: env.PUBLIC_BASE_URL?.replace(/\/$/, '') || undefined,
    seed: env.SEED !== '0',
    etlScheduler: env.ETL_SCHEDULER === '1',
    redisUrl: env.REDIS_URL || undefined,
    tileCacheMb: nonNegative(env, 'TILE_CACHE_MB', 64),
    rateLimitPerMinute: nonNegative(env, 'RATE_LIMIT_PER_MINUTE', 3000),
    apiKeyRateLimitPerMinute: nonNegative(env, 'API_KEY_RATE_LIMIT_PER_MINUTE', 10 * nonNegative(env, 'RATE_LIMIT_PER_MINUTE', 3000)),
    rateLimitLoopback: env.RATE_LIMIT_LOOPBACK === '1',
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM || 'geoportal@chomutov-mesto.cz',
    itemsExactCountMax: nonNegative(env, 'ITEMS_EXACT_COUNT_MAX', 100_000),
    logLevel: env.LOG_LEVEL || 'info',
    auth: loadAuthConfig(env),
    trustedProxies: parseTrustProxy(env.TRUST_PROXY),
    uapStaleDays: Math.max(1, nonNegative(env, 'UAP_STALE_DAYS', 730)),
  };
}

/** The embedded database lives in a subfolder so DATA_DIR can also hold the server's lock file. */
export function pgliteDir(config: Config): string {
  return resolve(config.dataDir, 'pglite');
}

function nonNegative(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}
