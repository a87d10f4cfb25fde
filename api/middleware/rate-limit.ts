import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { TooManyRequests } from '../problem.ts';
import type { ClientAddress } from './client-address.ts';

export interface RateLimitOptions {
  /** requests per client IP and minute; 0 disables */
  perMinute: number;
  /** also limit loopback clients (tests of the limiter itself; local tools connecting directly are exempt otherwise) */
  limitLoopback?: boolean;
  /** count in Redis (REDIS_URL), so the limit holds across every instance; in-process otherwise */
  redis?: Redis;
  /** key prefix in Redis (default `geoportal:rl`) */
  redisPrefix?: string;
  /** which limit applies to a request other than the anonymous default: a developer key's (api/developers/keys.ts) */
  tierOf?: (req: IncomingMessage) => RateTier | undefined;
}

/** A request's own limit and the counter it is counted on (instead of its client address). */
export interface RateTier {
  subject: string;
  perMinute: number;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;
const WINDOW_S = 60;

export interface RateDecision {
  limit: number;
  remaining: number;
  /** seconds until the window resets, when over the limit */
  retryAfter?: number;
}

/** What a request is counted as, and against which limit (API keys raise it for their holder). */
export interface RateSubject {
  /** the counter (default: the client's IP) */
  key?: string;
  /** requests per minute for this request (default: RATE_LIMIT_PER_MINUTE); 0 = not limited */
  limit?: number;
}

/**
 * Fixed one-minute windows counted by rate-limiter-flexible: in Redis when
 * the instances share one (an atomic INCR per request, so the limit holds
 * across instances), else in this process. The counter never refuses by
 * itself: it counts, and the limit is compared per request, so a caller may
 * apply a different limit to one key (API keys). When Redis is unreachable the
 * in-process counter takes over (rate-limiter-flexible's insurance limiter):
 * a limit per instance rather than none, and no request fails on Redis.
 * One limiter serves both the Koa chain and the cached-tile fast path
 * (api/tiles/fast-path.ts), so a request counts once whichever way it is answered.
 */
export class RateLimiter {
  private readonly counter: RateLimiterAbstract;
  /** decisions already made for a request object (the fast path handed it on to Koa) */
  private readonly decided = new WeakMap<object, RateDecision>();
  constructor(readonly opts: RateLimitOptions) {
    // the counter itself never refuses: the points are beyond any limit, the limit is applied in take()
    const base = { points: Number.MAX_SAFE_INTEGER, duration: WINDOW_S };
    const memory = new RateLimiterMemory({ ...base, keyPrefix: 'rl' });
    this.counter = opts.redis
      ? new RateLimiterRedis({ ...base, storeClient: opts.redis, keyPrefix: opts.redisPrefix ?? 'geoportal:rl', rejectIfRedisNotReady: true, insuranceLimiter: memory })
      : memory;
  }

  /** whether this process counts in Redis (shared by all instances) */
  get shared(): boolean {
    return this.counter instanceof RateLimiterRedis;
  }

  /**
   * Counts one request of `client`, once per `request` object; undefined when the client is not limited
   * at all. Only a direct loopback connection is exempt: an address taken from X-Forwarded-For never is,
   * so no header can buy an exemption. `subject` sets the counter and the limit of this request.
   */
  async take(client: ClientAddress, request?: object, given: RateSubject = {}): Promise<RateDecision | undefined> {
    const subject = given.key === undefined && given.limit === undefined ? this.tierSubject(request) : given;
    const limit = subject.limit ?? this.opts.perMinute;
    if (limit <= 0 || (!this.opts.limitLoopback && !client.forwarded && LOOPBACK.test(client.peer))) return undefined;
    if (request) {
      const before = this.decided.get(request);
      if (before) return before;
    }
    const res = await this.count(subject.key ?? client.ip);
    const d: RateDecision = { limit, remaining: Math.max(0, limit - res.consumedPoints) };
    if (res.consumedPoints > limit) d.retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    if (request) this.decided.set(request, d);
    return d;
  }

  /** the developer key's tier of a request (both the Koa chain and the tile fast path count by it) */
  private tierSubject(request: object | undefined): RateSubject {
    const tier = request && this.opts.tierOf ? this.opts.tierOf(request as IncomingMessage) : undefined;
    return tier ? { key: tier.subject, limit: tier.perMinute } : {};
  }

  private async count(key: string): Promise<RateLimiterRes> {
    try {
      return await this.counter.consume(key, 1);
    } catch (e) {
      // with points beyond any limit a rejection is a store failure the insurance limiter did not absorb
      if (e instanceof RateLimiterRes) return e;
      throw e;
    }
  }
}

/** The client resolved by api/middleware/client-address.ts (Koa's ctx.ip is set from it too). */
export function clientOf(ctx: Context): ClientAddress {
  const c = ctx.state.client as ClientAddress | undefined;
  return c ?? { ip: ctx.ip, peer: ctx.ip, forwarded: false };
}

/** The problem of a request over its limit. */
export function overLimit(d: RateDecision & { retryAfter: number }, ip: string): TooManyRequests {
  return new TooManyRequests(`more than ${d.limit} requests per minute from ${ip}; retry in ${d.retryAfter} s`, d.retryAfter);
}

/**
 * Over the limit: 429 problem with Retry-After; every limited response carries RateLimit-* headers.
 * `subjectOf` decides per request what is counted against which limit (default: the client's IP, RATE_LIMIT_PER_MINUTE).
 */
export function rateLimit(limiter: RateLimiter | RateLimitOptions, subjectOf: (ctx: Context) => RateSubject = () => ({})) {
  const l = limiter instanceof RateLimiter ? limiter : new RateLimiter(limiter);
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!ctx.path.startsWith('/api')) return next();
    const d = await l.take(clientOf(ctx), ctx.req, subjectOf(ctx));
    if (!d) return next();
    ctx.set('RateLimit-Limit', String(d.limit));
    ctx.set('RateLimit-Remaining', String(d.remaining));
    if (d.retryAfter !== undefined) throw overLimit({ ...d, retryAfter: d.retryAfter }, ctx.ip);
    await next();
  };
}
