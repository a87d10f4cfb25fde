import type { IncomingMessage, ServerResponse } from 'node:http';
import accepts from 'accepts';
import fresh from 'fresh';
import type { Logger } from 'pino';
import type { LayerSchema } from '../../schemas/index.ts';
import { canRead } from '../auth/principal.ts';
import type { CachedTile } from '../cache/tile-cache.ts';
import { EXPOSED_HEADERS } from '../middleware/cors.ts';
import { overLimit, type RateDecision, type RateLimiter } from '../middleware/rate-limit.ts';
import { DatabaseUnavailable, isDatabaseDown, problemBody } from '../problem.ts';
import { resolveClient, type TrustedProxies } from '../middleware/client-address.ts';
import { securityHeaders } from '../middleware/security-headers.ts';
import { codingEtag, parseTile, resolveLayers, TILE_CONTENT_TYPE, tileCacheControl, type TileProducer } from './routes.ts';
import type { TileCoord } from './tile-query.ts';

/** `/api/tiles/{ids}/{z}/{x}/{y}.mvt`, ids as the layer registry spells them; anything else goes to Koa */
const TILE_URL = /^\/api\/tiles\/([a-z0-9_,-]{1,400})\/(\d{1,2})\/(\d{1,8})\/(\d{1,8})\.mvt(?:\?|$)/;
const EXPOSE = EXPOSED_HEADERS.join(',');

export interface TileFastPathOptions {
  produce: TileProducer;
  limiter: RateLimiter;
  logger: Logger;
  /** reverse proxies whose X-Forwarded-For is believed (TRUST_PROXY) */
  trustedProxies: TrustedProxies;
}

/**
 * false: not a request for this path (Koa takes it). A promise: the fast path took it; it resolves
 * true when answered, false when it handed the request, untouched, back (Koa then answers it).
 */
export type FastHandler = (req: IncomingMessage, res: ServerResponse) => false | Promise<boolean>;

/**
 * Answers requests for tiles of public layers before Koa builds a context and walks its middleware
 * and routers: for a small or cached tile that walk costs more than the answer itself. A tile of
 * public layers is the same bytes for every client, so no principal is needed; everything else a
 * response of the Koa route carries is reproduced — ETag/304, gzip by Accept-Encoding, Cache-Control,
 * Vary, CORS, the shared rate limit and the request log — and api/test/tile-fast-path.test.ts holds
 * the two paths to the same bytes and headers. Tiles are made by the same producer as the Koa
 * route's (cache, encoding, invalidation epoch). Non-public layers and unusual URLs go to Koa, and
 * so does a request whose tile could not be made for another reason: nothing has been written by
 * then, and Koa answers it with the usual problem response. The database being unreachable is
 * answered here (503, as Koa would): Koa would try again and wait a second connect timeout.
 */
export function tileFastPath(o: TileFastPathOptions): FastHandler {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const m = TILE_URL.exec(req.url ?? '');
    if (!m) return false;
    // a tile as of a past instant (issue 18.9) is the Koa route's: it reads and checks the parameter
    if (/[?&]asOf=/.test(req.url!)) return false;
    let requested: LayerSchema[];
    let t: TileCoord;
    try {
      // no principal here: unknown ids and bad coordinates go to Koa, which answers them with a problem
      requested = resolveLayers(m[1]!);
      t = parseTile(m[2]!, m[3]!, m[4]!);
    } catch {
      return false;
    }
    if (!requested.every((l) => canRead(undefined, l))) return false;
    return answer(o, req, res, requested, t);
  };
}

async function answer(o: TileFastPathOptions, req: IncomingMessage, res: ServerResponse, requested: LayerSchema[], t: TileCoord): Promise<boolean> {
  const started = performance.now();
  const client = resolveClient(req, o.trustedProxies);
  const ip = client.ip;
  const path = req.url!.split('?', 1)[0]!;
  const rate = await o.limiter.take(client, req);
  if (rate?.retryAfter !== undefined) {
    const body = JSON.stringify(problemBody(overLimit({ ...rate, retryAfter: rate.retryAfter }, ip), path));
    writeCommon(req, res, rate, 'Origin');
    res.setHeader('Retry-After', String(rate.retryAfter));
    res.writeHead(429, { 'Content-Type': 'application/problem+json', 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
    log(o.logger, req, path, 429, started, ip);
    return true;
  }
  const takesGzip = accepts(req).encoding(['gzip', 'identity']) === 'gzip';
  let tile: CachedTile;
  try {
    tile = await o.produce(requested, t, takesGzip);
  } catch (e) {
    if (!isDatabaseDown(e)) return false;
    const body = JSON.stringify(problemBody(new DatabaseUnavailable(), path));
    writeCommon(req, res, rate, 'Origin');
    res.setHeader('Retry-After', '5');
    res.writeHead(503, { 'Content-Type': 'application/problem+json', 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
    log(o.logger, req, path, 503, started, ip);
    return true;
  }
  writeCommon(req, res, rate, 'Origin, Accept-Encoding');
  res.setHeader('Cache-Control', tileCacheControl(requested));
  const gzip = tile.gz.length > 0 && takesGzip;
  const etag = codingEtag(tile, gzip);
  res.setHeader('ETag', etag);
  if (fresh(req.headers, { etag })) {
    res.writeHead(304).end();
    log(o.logger, req, path, 304, started, ip);
    return true;
  }
  const body = gzip ? tile.gz : tile.raw;
  if (gzip) res.setHeader('Content-Encoding', 'gzip');
  res.writeHead(200, { 'Content-Type': TILE_CONTENT_TYPE, 'Content-Length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
  log(o.logger, req, path, 200, started, ip);
  return true;
}

/** CORS (as @koa/cors sends it for any origin), Vary and the rate-limit headers */
function writeCommon(req: IncomingMessage, res: ServerResponse, rate: RateDecision | undefined, vary: string): void {
  // the same headers api/middleware/security-headers.ts puts on what Koa answers; X-Forwarded-Proto
  // is still present only when a trusted proxy sent it (api/middleware/client-address.ts)
  const https = (req.socket as { encrypted?: boolean }).encrypted === true || /^https\b/i.test(String(req.headers['x-forwarded-proto'] ?? ''));
  for (const [k, v] of Object.entries(securityHeaders(req.url!.split('?', 1)[0]!, https))) res.setHeader(k, v);
  if (req.headers.origin) {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', EXPOSE);
  }
  res.setHeader('Vary', vary);
  if (rate) {
    res.setHeader('RateLimit-Limit', String(rate.limit));
    res.setHeader('RateLimit-Remaining', String(rate.remaining));
  }
}

/** the same line api/middleware/logging.ts writes for requests Koa answers */
function log(logger: Logger, req: IncomingMessage, path: string, status: number, started: number, ip: string): void {
  if (status >= 400 ? !logger.isLevelEnabled('warn') : !logger.isLevelEnabled('info')) return;
  const line = { method: req.method, path, status, ms: Math.round((performance.now() - started) * 10) / 10, ip };
  if (status >= 400) logger.warn(line, 'request');
  else logger.info(line, 'request');
}
