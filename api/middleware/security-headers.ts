import type { Context, Next } from 'koa';

/**
 * Response headers of OWASP's secure-headers set, for every response of the process: the API,
 * the portal's pages (their Content-Security-Policy comes from SvelteKit's kit.csp, with
 * nonces: svelte.config.js) and its static files.
 */

/** pages whose scripts ask for the position: the citizens' map ("where am I") and the editor */
const GEOLOCATION_PAGES = new Set(['/', '/editor']);

/** an API answer is data, never a document: nothing may load from it or frame it */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** Swagger UI (/api/docs) is a page of our own scripts and styles; it inserts styles inline */
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const HSTS = 'max-age=31536000; includeSubDomains';

export function securityHeaders(path: string, https: boolean): Record<string, string> {
  const h: Record<string, string> = {
    'X-Content-Type-Options': 'nosniff',
    // frame-ancestors 'none' in the CSP is the rule; X-Frame-Options for browsers without CSP 2
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Permissions-Policy': `geolocation=${GEOLOCATION_PAGES.has(path) ? '(self)' : '()'}, camera=(), microphone=(), payment=(), usb=(), interest-cohort=()`,
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
  if (path === '/api' || path.startsWith('/api/')) h['Content-Security-Policy'] = path === '/api/docs' || path.startsWith('/api/docs/') ? DOCS_CSP : API_CSP;
  // only over https: over plain http the header is ignored anyway and would mislead
  if (https) h['Strict-Transport-Security'] = HSTS;
  return h;
}

export async function securityHeadersMiddleware(ctx: Context, next: Next): Promise<void> {
  // set before the route runs so they are on every answer, problems and the portal's included
  // (the portal handler writes onto the same response; its own CSP header replaces none of these)
  ctx.set(securityHeaders(ctx.path, ctx.secure));
  await next();
}
