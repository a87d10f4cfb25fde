import type { Context, Middleware } from 'koa';
import type { Kysely } from 'kysely';
import { HttpProblem } from '../problem.ts';
import type { AuthConfig } from './config.ts';
import { principalOf, type Principal } from './principal.ts';
import { safeEqual } from './secrets.ts';
import { sessionUser, tokenUser, TOKEN_PREFIX } from './sessions.ts';

export const SESSION_COOKIE = 'geoportal_session';
/** readable by the portal's scripts (double-submit); the server also keeps the token in the session row */
export const CSRF_COOKIE = 'geoportal_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** paths that establish a session and so cannot carry its CSRF token yet */
const CSRF_EXEMPT = new Set(['/api/auth/login']);

export class Unauthorized extends HttpProblem {
  constructor(detail = 'sign in or send an API token (Authorization: Bearer …)') {
    super(401, 'Unauthorized', detail);
  }
}

export class Forbidden extends HttpProblem {
  constructor(detail: string) {
    super(403, 'Forbidden', detail);
  }
}

export function cookieSecure(ctx: Context, cfg: AuthConfig): boolean {
  return cfg.cookieSecure === 'auto' ? ctx.secure : cfg.cookieSecure;
}

/** Sets a cookie; Secure is decided by configuration, not only by what Koa sees (TLS may end at a proxy). */
export function setCookie(ctx: Context, cfg: AuthConfig, name: string, value: string | null, opts: { httpOnly: boolean; maxAgeMs?: number }): void {
  const secure = cookieSecure(ctx, cfg);
  // the cookies library refuses Secure on a connection it thinks is plain; configuration overrides it
  (ctx.cookies as unknown as { secure: boolean }).secure ||= secure;
  ctx.cookies.set(name, value, {
    httpOnly: opts.httpOnly,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: value === null ? undefined : opts.maxAgeMs,
    overwrite: true,
  });
}

/**
 * Resolves who a request acts for: `Authorization: Bearer gpt_…` (API token) or
 * the session cookie. State-changing requests with a cookie session must carry
 * the session's CSRF token in X-CSRF-Token; token requests are exempt (a
 * browser never attaches a bearer token by itself).
 */
export function authMiddleware(db: Kysely<any>, cfg: AuthConfig): Middleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/api')) return next();
    const authz = ctx.get('authorization');
    if (authz) {
      const m = /^Bearer\s+(\S+)$/i.exec(authz);
      if (!m || !m[1]!.startsWith(TOKEN_PREFIX)) throw new Unauthorized('unsupported Authorization header; use Bearer <API token>');
      const user = await tokenUser(db, m[1]!);
      if (!user) throw new Unauthorized('the API token is invalid or revoked');
      ctx.state.principal = principalOf(user, 'token') satisfies Principal;
      return next();
    }
    const cookie = ctx.cookies.get(SESSION_COOKIE);
    if (cookie) {
      const s = await sessionUser(db, cookie);
      if (s) {
        ctx.state.principal = principalOf(s.user, 'session') satisfies Principal;
        ctx.state.csrfToken = s.csrfToken;
        ctx.state.sessionToken = cookie;
        if (!SAFE_METHODS.has(ctx.method) && !CSRF_EXEMPT.has(ctx.path)) {
          const given = ctx.get(CSRF_HEADER);
          if (!given || !safeEqual(given, s.csrfToken)) throw new Forbidden(`missing or wrong CSRF token (send the ${CSRF_HEADER} header)`);
        }
      } else {
        setCookie(ctx, cfg, SESSION_COOKIE, null, { httpOnly: true });
      }
    }
    return next();
  };
}

export function principal(ctx: Context): Principal | undefined {
  return ctx.state.principal as Principal | undefined;
}

export function requirePrincipal(ctx: Context): Principal {
  const p = principal(ctx);
  if (!p) throw new Unauthorized();
  return p;
}

export function requireAdmin(ctx: Context): Principal {
  const p = requirePrincipal(ctx);
  if (p.role !== 'admin') throw new Forbidden('only an administrator may do this');
  return p;
}
