import cors from '@koa/cors';
import type { Context, Next } from 'koa';

/** response headers a cross-origin script may read (also sent by the cached-tile fast path) */
export const EXPOSED_HEADERS = ['ETag', 'Content-Crs', 'Link', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining'];

const corsAll = cors({
  origin: '*',
  allowMethods: ['GET', 'HEAD', 'OPTIONS'],
  exposeHeaders: EXPOSED_HEADERS,
  maxAge: 86_400,
});

/** CORS for the public read API (any origin, reads only, no credentials); writes and the local bridge are not opened. */
export function publicCors() {
  return (ctx: Context, next: Next): Promise<void> => {
    if (!ctx.path.startsWith('/api') || ctx.path.startsWith('/api/_local')) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD' && ctx.method !== 'OPTIONS') return next();
    return corsAll(ctx, next) as Promise<void>;
  };
}
