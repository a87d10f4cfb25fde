import { LRUCache } from 'lru-cache';
import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import { HttpProblem } from '../problem.ts';
import type { ClientAddress } from './client-address.ts';

export interface RateLimitOptions {
  /** requests per client IP and minute; 0 disables */
  perMinute: number;
  /** also limit loopback clients (tests of the limiter itself; local tools connecting directly are exempt otherwise) */
  limitLoopback?: boolean;
  /** which limit applies to a request other than the anonymous default: a developer key's (api/developers/keys.ts) */
  tierOf?: (req: IncomingMessage) => RateTier | undefined;
}

/** A request's own limit and the counter it is counted on (instead of its client address). */
export interface RateTier {
  subject: string;
  perMinute: number;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

export interface RateDecision {
  limit: number;
  remaining: number;
  /** seconds until the window resets, when over the limit */
  retryAfter?: number;
}

/**
 * Fixed one-minute windows per client IP, kept in an LRU so a flood of
 * addresses cannot grow memory. One limiter serves both the Koa chain and the
 * cached-tile fast path (api/tiles/fast-path.ts), so a request counts once
 * whichever way it is answered.
 */
export class RateLimiter {
  private readonly windows = new LRUCache<string, { start: number; count: number }>({ max: 100_000 });
  /** requests counted already (the fast path handed them on to Koa) */
  private readonly counted = new WeakSet<object>();
  constructor(readonly opts: RateLimitOptions) {}

  /**
   * Counts one request of `client`, once per `request` object; undefined when the client is not limited
   * at all. Only a direct loopback connection is exempt: an address taken from X-Forwarded-For never is,
   * so no header can buy an exemption.
   */
  take(client: ClientAddress, request?: object): RateDecision | undefined {
    const tier = request && this.opts.tierOf ? this.opts.tierOf(request as IncomingMessage) : undefined;
    const ip = tier?.subject ?? client.ip;
    const perMinute = tier?.perMinute ?? this.opts.perMinute;
    if (this.opts.perMinute <= 0 || (!this.opts.limitLoopback && !client.forwarded && LOOPBACK.test(client.peer))) return undefined;
    if (request) {
      if (this.counted.has(request)) return { limit: perMinute, remaining: this.remaining(ip, perMinute) };
      this.counted.add(request);
    }
    const now = Date.now();
    let w = this.windows.get(ip);
    if (!w || now - w.start >= 60_000) {
      w = { start: now, count: 0 };
      this.windows.set(ip, w);
    }
    w.count++;
    const d: RateDecision = { limit: perMinute, remaining: Math.max(0, perMinute - w.count) };
    if (w.count > perMinute) d.retryAfter = Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000));
    return d;
  }

  private remaining(ip: string, perMinute: number): number {
    const w = this.windows.get(ip);
    return Math.max(0, perMinute - (w?.count ?? 0));
  }
}

export class TooManyRequests extends HttpProblem {
  constructor(limit: number, ip: string, retry: number) {
    super(429, 'Too Many Requests', `more than ${limit} requests per minute from ${ip}; retry in ${retry} s`);
  }
}

/** The client resolved by api/middleware/client-address.ts (Koa's ctx.ip is set from it too). */
export function clientOf(ctx: Context): ClientAddress {
  const c = ctx.state.client as ClientAddress | undefined;
  return c ?? { ip: ctx.ip, peer: ctx.ip, forwarded: false };
}

/** Over the limit: 429 problem with Retry-After; every limited response carries RateLimit-* headers. */
export function rateLimit(limiter: RateLimiter | RateLimitOptions) {
  const l = limiter instanceof RateLimiter ? limiter : new RateLimiter(limiter);
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!ctx.path.startsWith('/api')) return next();
    const d = l.take(clientOf(ctx), ctx.req);
    if (!d) return next();
    ctx.set('RateLimit-Limit', String(d.limit));
    ctx.set('RateLimit-Remaining', String(d.remaining));
    if (d.retryAfter !== undefined) {
      ctx.set('Retry-After', String(d.retryAfter));
      throw new TooManyRequests(d.limit, ctx.ip, d.retryAfter);
    }
    await next();
  };
}
