import Router from '@koa/router';
import type { Context } from 'koa';
import { sql, type Kysely } from 'kysely';
import { HttpProblem, NotFound } from '../problem.ts';
import { readJsonBody, isObject } from '../auth/body.ts';
import { randomToken, safeEqual, sha256 } from '../auth/secrets.ts';
import { Forbidden, Unauthorized, setCookie, CSRF_HEADER } from '../auth/middleware.ts';
import type { AuthConfig } from '../auth/config.ts';
import type { Principal } from '../auth/principal.ts';
import type { Mailer } from './mailer.ts';
import { KEY_HEADER, type KeyDirectory } from './keys.ts';
import { usageRows, type UsageRecorder } from './usage.ts';

export const DEV_SESSION_COOKIE = 'geoportal_dev';
const LINK_TTL_MS = 60 * 60 * 1000;
const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,63}$/;

export interface DevelopersOptions {
  db: Kysely<any>;
  keys: KeyDirectory;
  usage: UsageRecorder;
  mailer: Mailer;
  auth: AuthConfig;
}

class BadBody extends HttpProblem {
  constructor(detail: string) {
    super(400, 'Bad Request', detail);
  }
}

interface DevSession {
  accountId: number;
  email: string;
  csrfToken: string;
}

async function devSession(db: Kysely<any>, ctx: Context): Promise<DevSession | undefined> {
  const token = ctx.cookies.get(DEV_SESSION_COOKIE);
  if (!token) return undefined;
  const r = (await sql<{ account_id: string | number; email: string; csrf_token: string }>`SELECT s.account_id, a.email, s.csrf_token
    FROM developer_session s JOIN developer_account a ON a.id = s.account_id WHERE s.token_hash = ${sha256(token)} AND s.expires_at > now()`.execute(db)).rows[0];
  return r ? { accountId: Number(r.account_id), email: r.email, csrfToken: r.csrf_token } : undefined;
}

/**
 * The developers' door (issue 19): sign-up and sign-in by an e-mailed link, their API keys, and the
 * usage statistics of those keys; the admin sees every key's statistics. Developer sessions are apart
 * from staff sessions and give no editing rights; writes need the session's CSRF token.
 */
export function developerRoutes(o: DevelopersOptions): Router {
  const router = new Router();
  const { db } = o;

  async function signedIn(ctx: Context, write = false): Promise<DevSession> {
    const s = await devSession(db, ctx);
    if (!s) throw new Unauthorized('sign in through the link sent to your e-mail (POST /api/developers/signup)');
    if (write) {
      const given = ctx.get(CSRF_HEADER);
      if (!given || !safeEqual(given, s.csrfToken)) throw new Forbidden(`missing or wrong CSRF token (send the ${CSRF_HEADER} header)`);
    }
    return s;
  }
  const keyId = (ctx: Context) => {
    const id = Number(ctx.params.id);
    if (!Number.isSafeInteger(id) || id <= 0) throw new NotFound('no such key');
    return id;
  };

  // sign-up and sign-in are one step: the link signs the address in, and creates the account the first time
  router.post('/api/developers/signup', async (ctx) => {
    const body = await readJsonBody(ctx, 10_000);
    const email = isObject(body) && typeof body.email === 'string' ? body.email.trim() : '';
    if (!EMAIL.test(email)) throw new BadBody('"email" must be an e-mail address');
    const r = await sql<{ id: string | number }>`INSERT INTO developer_account (email) VALUES (${email})
      ON CONFLICT ((lower(email))) DO UPDATE SET email = developer_account.email RETURNING id`.execute(db);
    const token = randomToken();
    await sql`DELETE FROM developer_link WHERE expires_at < now()`.execute(db);
    await sql`INSERT INTO developer_link (token_hash, account_id, expires_at) VALUES (${sha256(token)}, ${Number(r.rows[0]!.id)}, ${new Date(Date.now() + LINK_TTL_MS)})`.execute(db);
    const base = (ctx.state as { publicBaseUrl?: string }).publicBaseUrl ?? `${ctx.protocol}://${ctx.host}`;
    const link = `${base}/vyvojari?potvrzeni=${token}`;
    await o.mailer({
      to: email,
      subject: 'Geoportál Chomutov – přihlášení vývojáře / developer sign-in',
      text: `Přihlaste se odkazem (platí 1 hodinu) / Sign in with this link (valid for 1 hour):\n${link}\n`,
    });
    // the same answer whether the address was known: the response does not reveal who has signed up
    ctx.status = 202;
    ctx.body = { sent: true };
  });

  router.post('/api/developers/confirm', async (ctx) => {
    const body = await readJsonBody(ctx, 10_000);
    const token = isObject(body) && typeof body.token === 'string' ? body.token : '';
    const r = (await sql<{ account_id: string | number }>`UPDATE developer_link SET used_at = now()
      WHERE token_hash = ${sha256(token)} AND used_at IS NULL AND expires_at > now() RETURNING account_id`.execute(db)).rows[0];
    if (!r) throw new HttpProblem(400, 'Bad Request', 'the link is invalid, used or expired; ask for a new one');
    const accountId = Number(r.account_id);
    await sql`UPDATE developer_account SET confirmed_at = coalesce(confirmed_at, now()) WHERE id = ${accountId}`.execute(db);
    const session = randomToken();
    const csrfToken = randomToken();
    await sql`DELETE FROM developer_session WHERE expires_at < now()`.execute(db);
    await sql`INSERT INTO developer_session (token_hash, account_id, csrf_token, expires_at) VALUES (${sha256(session)}, ${accountId}, ${csrfToken}, ${new Date(Date.now() + SESSION_TTL_MS)})`.execute(db);
    setCookie(ctx, o.auth, DEV_SESSION_COOKIE, session, { httpOnly: true, maxAgeMs: SESSION_TTL_MS });
    const s = (await sql<{ email: string }>`SELECT email FROM developer_account WHERE id = ${accountId}`.execute(db)).rows[0]!;
    ctx.body = { email: s.email, csrfToken };
  });

  router.get('/api/developers/me', async (ctx) => {
    const s = await signedIn(ctx);
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = { email: s.email, csrfToken: s.csrfToken };
  });

  router.post('/api/developers/logout', async (ctx) => {
    const token = ctx.cookies.get(DEV_SESSION_COOKIE);
    if (token) await sql`DELETE FROM developer_session WHERE token_hash = ${sha256(token)}`.execute(db);
    setCookie(ctx, o.auth, DEV_SESSION_COOKIE, null, { httpOnly: true });
    ctx.status = 204;
  });

  router.get('/api/developers/keys', async (ctx) => {
    const s = await signedIn(ctx);
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = { keys: await o.keys.list(s.accountId) };
  });

  router.post('/api/developers/keys', async (ctx) => {
    const s = await signedIn(ctx, true);
    const body = await readJsonBody(ctx, 10_000);
    const name = isObject(body) && typeof body.name === 'string' ? body.name.trim() : '';
    if (!name || name.length > 100) throw new BadBody('"name" must be 1–100 characters');
    const { id, key } = await o.keys.create(s.accountId, name);
    ctx.status = 201;
    ctx.body = { id, name, key, header: KEY_HEADER };
  });

  router.post('/api/developers/keys/:id/rotate', async (ctx) => {
    const s = await signedIn(ctx, true);
    const key = await o.keys.rotate(s.accountId, keyId(ctx));
    if (!key) throw new NotFound('no such live key');
    ctx.body = { id: keyId(ctx), key };
  });

  router.delete('/api/developers/keys/:id', async (ctx) => {
    const s = await signedIn(ctx, true);
    if (!(await o.keys.revoke(s.accountId, keyId(ctx)))) throw new NotFound('no such live key');
    ctx.status = 204;
  });

  const days = (ctx: Context) => {
    const d = Number(ctx.query.days ?? 30);
    if (!Number.isInteger(d) || d < 1 || d > 366) throw new BadBody('"days" must be 1–366');
    return d;
  };

  router.get('/api/developers/usage', async (ctx) => {
    const s = await signedIn(ctx);
    await o.usage.flush();
    const ids = (await o.keys.list(s.accountId)).map((k) => k.id);
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = { days: await usageRows(db, ids, days(ctx)) };
  });

  router.get('/api/admin/usage', async (ctx) => {
    const p = ctx.state.principal as Principal | undefined;
    if (!p) throw new Unauthorized();
    if (p.role !== 'admin') throw new Forbidden('administrators only');
    await o.usage.flush();
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = { days: await usageRows(db, undefined, days(ctx)) };
  });

  return router;
}

/** A request that presents an API key the service does not know (revoked, mistyped) is refused, not served anonymously. */
export function apiKeyCheck(keys: KeyDirectory) {
  return async (ctx: Context, next: () => Promise<unknown>): Promise<void> => {
    const raw = ctx.get(KEY_HEADER);
    if (raw && ctx.path.startsWith('/api') && !(await keys.resolve(raw))) throw new Unauthorized(`the API key in ${KEY_HEADER} is invalid or revoked`);
    await next();
  };
}
