import type { Context } from 'koa';

/** Absolute base URL of the API: the configured public URL, else the request's own origin. */
export function apiBase(ctx: Context): string {
  const configured = (ctx.state as { publicBaseUrl?: string }).publicBaseUrl;
  return `${configured ?? `${ctx.protocol}://${ctx.host}`}/api`;
}

export function withQuery(url: string, params: Record<string, string | number | undefined>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
}
