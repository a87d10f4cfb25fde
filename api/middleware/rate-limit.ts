import { LRUCache } from 'lru-cache';
import type { Context, Next } from 'koa';
import { HttpProblem } from '../problem.ts';

export interface RateLimitOptions {
  /** requests per client IP and minute; 0 disables */
  perMinute: number;
  /** also limit loopback clients (tests of the limiter itself; local tools are exempt otherwise) */
  limitLoopback?: boolean;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * Fixed one-minute windows per client IP, kept in an LRU so a flood of
 * addresses cannot grow memory. Over the limit: 429 problem with Retry-After.
 */
export function rateLimit(opts: RateLimitOptions) {
  const windows = new LRUCache<string, { start: number; count: number }>({ max: 100_000 });
  return async (ctx: Context, next: Next): Promise<void> => {
    if (opts.perMinute <= 0 || !ctx.path.startsWith('/api') || (!opts.limitLoopback && LOOPBACK.test(ctx.ip))) return next();
    const now = Date.now();
    let w = windows.get(ctx.ip);
    if (!w || now - w.start >= 60_000) {
      w = { start: now, count: 0 };
      windows.set(ctx.ip, w);
    }
    w.count++;
    const remaining = Math.max(0, opts.perMinute - w.count);
    ctx.set('RateLimit-Limit', String(opts.perMinute));
    ctx.set('RateLimit-Remaining', String(remaining));
    if (w.count > opts.perMinute) {
      const retry = Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000));
      ctx.set('Retry-After', String(retry));
      throw new HttpProblem(429, 'Too Many Requests', `more than ${opts.perMinute} requests per minute from ${ctx.ip}; retry in ${retry} s`);
    }
    await next();
  };
}
