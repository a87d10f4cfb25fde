import Router from '@koa/router';
import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { sql, type Kysely } from 'kysely';
import { HttpProblem, NotFound, TooManyRequests } from '../problem.ts';
import { apiBase } from '../links.ts';
import { isObject, readJsonBody } from './body.ts';
import type { AuthConfig } from './config.ts';
import { CSRF_COOKIE, Forbidden, requirePrincipal, SESSION_COOKIE, setCookie, Unauthorized } from './middleware.ts';
import { authorizationRedirect, completeSignIn, oidcConfiguration, type OidcAttempt } from './oidc.ts';
import { principalOf } from './principal.ts';
import { sha256, verifyPassword } from './secrets.ts';
import { InvalidContent } from '../editing/errors.ts';
import { createApiToken, createSession, deleteSession, listTokens, revokeToken } from './sessions.ts';
import { checkPassword, findUser, findUserByEmail, publicUser, setPassword } from './users.ts';

const OIDC_COOKIE = 'geoportal_oidc';

async function startSession(ctx: Context, db: Kysely<any>, cfg: AuthConfig, userId: number): Promise<string> {
  const s = await createSession(db, userId, cfg.sessionTtlSeconds);
  const maxAgeMs = cfg.sessionTtlSeconds * 1000;
  setCookie(ctx, cfg, SESSION_COOKIE, s.token, { httpOnly: true, maxAgeMs });
  setCookie(ctx, cfg, CSRF_COOKIE, s.csrfToken, { httpOnly: false, maxAgeMs });
  return s.csrfToken;
}

/** The key of an address in login_throttle: normalised as findUserByEmail compares, then hashed. */
function addressKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

async function unknownAddressLock(db: Kysely<any>, email: string): Promise<Date | null> {
  const r = await sql<{ locked_until: Date | null }>`SELECT locked_until FROM login_throttle WHERE email_hash = ${addressKey(email)}`.execute(db);
  return r.rows[0]?.locked_until ?? null;
}

/** Same counting and lockout as an account's failed_logins; entries a day without failures are forgotten. */
async function countUnknownAddressFailure(db: Kysely<any>, email: string, cfg: AuthConfig): Promise<void> {
  await sql`INSERT INTO login_throttle AS t (email_hash, failed_logins, locked_until)
      VALUES (${addressKey(email)}, 1, CASE WHEN 1 >= ${cfg.maxFailedLogins} THEN now() + make_interval(secs => ${cfg.lockoutSeconds}) END)
    ON CONFLICT (email_hash) DO UPDATE SET failed_logins = t.failed_logins + 1, last_failed_at = now(),
      locked_until = CASE WHEN t.failed_logins + 1 >= ${cfg.maxFailedLogins} THEN now() + make_interval(secs => ${cfg.lockoutSeconds}) ELSE t.locked_until END`.execute(db);
  await sql`DELETE FROM login_throttle WHERE last_failed_at < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())`.execute(db);
}

/**
 * Counts a sign-in attempt of a client address in a fixed window (login_client_throttle: shared by
 * every API instance); returns the seconds to wait when over the limit, else 0.
 */
async function countClientAttempt(db: Kysely<any>, ip: string, cfg: AuthConfig): Promise<number> {
  const r = await sql<{ attempts: number; wait: number }>`
    INSERT INTO login_client_throttle AS t (client_hash, window_start, attempts)
      VALUES (${createHash('sha256').update(ip).digest('hex')}, now(), 1)
    ON CONFLICT (client_hash) DO UPDATE SET
      attempts = CASE WHEN t.window_start <= now() - make_interval(secs => ${cfg.loginRateWindowSeconds}) THEN 1 ELSE t.attempts + 1 END,
      window_start = CASE WHEN t.window_start <= now() - make_interval(secs => ${cfg.loginRateWindowSeconds}) THEN now() ELSE t.window_start END
    RETURNING attempts, extract(epoch FROM t.window_start + make_interval(secs => ${cfg.loginRateWindowSeconds}) - now())::float8 AS wait`.execute(db);
  const { attempts, wait } = r.rows[0]!;
  if (attempts === 1) await sql`DELETE FROM login_client_throttle WHERE window_start < now() - interval '1 day'`.execute(db);
  return attempts > cfg.loginRateLimit ? Math.max(1, Math.ceil(wait)) : 0;
}

function knownClientKey(userId: number, ip: string): string {
  return createHash('sha256').update(`${userId}\n${ip}`).digest('hex');
}

interface KnownClient {
  failed_logins: number;
  locked_until: Date | null;
}

/** The address's record for this account when the account signed in from it within the last 90 days. */
async function knownClient(db: Kysely<any>, userId: number, ip: string): Promise<KnownClient | undefined> {
  const r = await sql<KnownClient>`SELECT failed_logins, locked_until FROM login_known_client
    WHERE user_id = ${userId} AND client_hash = ${knownClientKey(userId, ip)} AND last_success_at > now() - interval '90 days'`.execute(db);
  return r.rows[0];
}

async function countKnownClientFailure(db: Kysely<any>, userId: number, ip: string, cfg: AuthConfig): Promise<void> {
  await sql`UPDATE login_known_client SET failed_logins = failed_logins + 1,
      locked_until = CASE WHEN failed_logins + 1 >= ${cfg.maxFailedLogins} THEN now() + make_interval(secs => ${cfg.lockoutSeconds}) ELSE locked_until END
    WHERE user_id = ${userId} AND client_hash = ${knownClientKey(userId, ip)}`.execute(db);
}

async function rememberClient(db: Kysely<any>, userId: number, ip: string): Promise<void> {
  await sql`INSERT INTO login_known_client AS k (user_id, client_hash) VALUES (${userId}, ${knownClientKey(userId, ip)})
    ON CONFLICT (user_id, client_hash) DO UPDATE SET last_success_at = now(), failed_logins = 0, locked_until = NULL`.execute(db);
  await sql`DELETE FROM login_known_client WHERE user_id = ${userId} AND last_success_at < now() - interval '90 days'`.execute(db);
}

export function authRoutes(db: Kysely<any>, cfg: AuthConfig): Router {
  const router = new Router();

  router.post('/api/auth/login', async (ctx) => {
    const wait = await countClientAttempt(db, ctx.ip, cfg);
    if (wait) {
      throw new TooManyRequests('too many sign-in attempts from this address; try again later', wait);
    }
    const body = await readJsonBody(ctx, 10_000);
    if (!isObject(body) || typeof body.email !== 'string' || typeof body.password !== 'string')
      throw new HttpProblem(400, 'Bad Request', 'send {"email": …, "password": …}');
    const user = await findUserByEmail(db, body.email);
    // a known address (the owner signed in from it before) is judged by its own counter, so a run of
    // failures from elsewhere never locks the owner out; an address without an account is throttled
    // like one with (login_throttle), so a 429 tells nothing
    const known = user ? await knownClient(db, user.id, ctx.ip) : undefined;
    const lockedUntil = known ? known.locked_until : user ? user.locked_until : await unknownAddressLock(db, body.email);
    if (lockedUntil && new Date(lockedUntil) > new Date()) {
      const seconds = Math.ceil((new Date(lockedUntil).getTime() - Date.now()) / 1000);
      throw new TooManyRequests('the account is temporarily locked after repeated failed sign-ins', seconds);
    }
    const ok = await verifyPassword(user?.password_hash ?? null, body.password);
    if (!user || !ok || user.disabled) {
      if (user && known) await countKnownClientFailure(db, user.id, ctx.ip, cfg);
      else if (user)
        await sql`UPDATE app_user SET failed_logins = failed_logins + 1,
            locked_until = CASE WHEN failed_logins + 1 >= ${cfg.maxFailedLogins} THEN now() + make_interval(secs => ${cfg.lockoutSeconds}) ELSE locked_until END
          WHERE id = ${user.id}`.execute(db);
      else await countUnknownAddressFailure(db, body.email, cfg);
      throw new Unauthorized('wrong e-mail or password');
    }
    // success from an unknown address clears the account's counter; from a known one only that address's
    if (!known) await sql`UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = ${user.id}`.execute(db);
    await rememberClient(db, user.id, ctx.ip);
    if (ctx.state.sessionToken) await deleteSession(db, ctx.state.sessionToken as string);
    const csrfToken = await startSession(ctx, db, cfg, user.id);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { user: publicUser(user), csrfToken };
  });

  router.post('/api/auth/logout', async (ctx) => {
    requirePrincipal(ctx);
    if (ctx.state.sessionToken) await deleteSession(db, ctx.state.sessionToken as string);
    setCookie(ctx, cfg, SESSION_COOKIE, null, { httpOnly: true });
    setCookie(ctx, cfg, CSRF_COOKIE, null, { httpOnly: false });
    ctx.status = 204;
  });

  // the signed-in user's own password: the current one is asked again (a stolen session alone cannot change it)
  router.post('/api/auth/password', async (ctx) => {
    const p = requirePrincipal(ctx);
    if (p.via !== 'session') throw new Forbidden('change the password in a signed-in browser session, not with an API token');
    const wait = await countClientAttempt(db, ctx.ip, cfg);
    if (wait) {
      throw new TooManyRequests('too many attempts from this address; try again later', wait);
    }
    const body = await readJsonBody(ctx, 10_000);
    if (!isObject(body) || typeof body.currentPassword !== 'string' || typeof body.newPassword !== 'string')
      throw new HttpProblem(400, 'Bad Request', 'send {"currentPassword": …, "newPassword": …}');
    const user = await findUser(db, p.userId);
    if (!user?.password_hash) throw new HttpProblem(409, 'Conflict', 'this account signs in only through the identity provider and has no password');
    if (!(await verifyPassword(user.password_hash, body.currentPassword))) throw new Forbidden('the current password is wrong');
    const weak = checkPassword(body.newPassword, user.email);
    if (weak) throw new InvalidContent([{ field: 'newPassword', reason: weak }]);
    await setPassword(db, user.id, body.newPassword, sha256(ctx.state.sessionToken as string));
    ctx.status = 204;
  });

  router.get('/api/auth/me', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const p = ctx.state.principal as ReturnType<typeof principalOf> | undefined;
    const user = p ? await findUser(db, p.userId) : undefined;
    ctx.body = { user: user ? publicUser(user) : null, csrfToken: (ctx.state.csrfToken as string | undefined) ?? null, oidc: cfg.oidc !== undefined };
  });

  router.get('/api/auth/tokens', async (ctx) => {
    const p = requirePrincipal(ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { tokens: await listTokens(db, p.userId) };
  });

  router.post('/api/auth/tokens', async (ctx) => {
    const p = requirePrincipal(ctx);
    const body = await readJsonBody(ctx, 10_000);
    const name = isObject(body) && typeof body.name === 'string' ? body.name.trim() : '';
    if (!name || name.length > 100) throw new HttpProblem(422, 'Unprocessable Content', 'name the token (1–100 characters)', { errors: [{ field: 'name', reason: 'required, at most 100 characters' }] });
    const t = await createApiToken(db, p.userId, name);
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { id: t.id, name, token: t.token, note: 'shown only now; store it safely' };
  });

  router.delete('/api/auth/tokens/:id', async (ctx) => {
    const p = requirePrincipal(ctx);
    const id = Number(ctx.params.id);
    if (!Number.isInteger(id) || !(await revokeToken(db, p.userId, id))) throw new NotFound(`no active token ${String(ctx.params.id).slice(0, 20)} of yours`);
    ctx.status = 204;
  });

  router.get('/api/auth/oidc/login', async (ctx) => {
    if (!cfg.oidc) throw new NotFound('OpenID Connect is not configured (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET)');
    const config = await oidcConfiguration(cfg.oidc).catch((e: Error) => {
      throw new HttpProblem(502, 'Bad Gateway', `the identity provider could not be reached: ${e.message}`);
    });
    const { url, attempt } = await authorizationRedirect(config, redirectUri(ctx, cfg));
    setCookie(ctx, cfg, OIDC_COOKIE, Buffer.from(JSON.stringify(attempt)).toString('base64url'), { httpOnly: true, maxAgeMs: 10 * 60_000 });
    ctx.redirect(url.href);
  });

  router.get('/api/auth/oidc/callback', async (ctx) => {
    if (!cfg.oidc) throw new NotFound('OpenID Connect is not configured');
    const raw = ctx.cookies.get(OIDC_COOKIE);
    if (!raw) throw new HttpProblem(400, 'Bad Request', 'no sign-in in progress (start at /api/auth/oidc/login)');
    setCookie(ctx, cfg, OIDC_COOKIE, null, { httpOnly: true });
    let attempt: OidcAttempt;
    try {
      attempt = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as OidcAttempt;
    } catch {
      throw new HttpProblem(400, 'Bad Request', 'damaged sign-in state');
    }
    const config = await oidcConfiguration(cfg.oidc);
    const current = new URL(ctx.originalUrl, redirectUri(ctx, cfg));
    const email = await completeSignIn(config, current, attempt).catch((e: Error) => {
      throw new HttpProblem(401, 'Unauthorized', `the identity provider's answer was refused: ${e.message}`);
    });
    if (!email) throw new Forbidden('the identity provider gave no verified e-mail');
    const user = await findUserByEmail(db, email);
    if (!user || user.disabled) throw new Forbidden('no active geoportal account has this e-mail; ask the administrator');
    await startSession(ctx, db, cfg, user.id);
    ctx.redirect('/editor');
  });

  return router;
}

export function redirectUri(ctx: Context, cfg: AuthConfig): string {
  return cfg.oidc?.redirectUri ?? `${apiBase(ctx)}/auth/oidc/callback`;
}
