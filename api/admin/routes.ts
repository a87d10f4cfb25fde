import Router from '@koa/router';
import type { Kysely } from 'kysely';
import { HttpProblem, NotFound } from '../problem.ts';
import { isObject, readJsonBody } from '../auth/body.ts';
import { requireAdmin } from '../auth/middleware.ts';
import { isRole, type Role } from '../auth/principal.ts';
import { checkEmail, checkPassword, checkRoleSpec, createUser, findUser, findUserByEmail, listUsers, publicUser, setDisabled, setPassword, setRole } from '../auth/users.ts';
import { InvalidContent } from '../editing/errors.ts';
import { sha256 } from '../auth/secrets.ts';

/** User management for administrators (the /sprava page uses it). */
export function adminRoutes(db: Kysely<any>): Router {
  const router = new Router();

  router.get('/api/admin/users', async (ctx) => {
    requireAdmin(ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { users: (await listUsers(db)).map(publicUser) };
  });

  router.post('/api/admin/users', async (ctx) => {
    requireAdmin(ctx);
    const body = await readJsonBody(ctx, 20_000);
    if (!isObject(body)) throw new HttpProblem(400, 'Bad Request', 'send a JSON object');
    const errors: { field: string; reason: string }[] = [];
    const email = typeof body.email === 'string' ? body.email.trim() : '';
    const badEmail = checkEmail(email);
    if (badEmail) errors.push({ field: 'email', reason: badEmail });
    else if (await findUserByEmail(db, email)) errors.push({ field: 'email', reason: 'a user with this e-mail exists' });
    // accounts without a password sign in only through OpenID Connect
    const password = typeof body.password === 'string' && body.password !== '' ? body.password : null;
    const weak = password === null ? undefined : checkPassword(password, email);
    if (weak) errors.push({ field: 'password', reason: weak });
    for (const reason of await checkRoleSpec(db, { role: String(body.role ?? ''), layers: body.layers, municipalityCode: body.municipalityCode }))
      errors.push({ field: 'role', reason });
    if (errors.length) throw new InvalidContent(errors);
    const u = await createUser(db, email, password, {
      role: body.role as Role,
      layers: body.layers as string[] | undefined,
      municipalityCode: body.municipalityCode as number | undefined,
    });
    ctx.status = 201;
    ctx.body = { user: publicUser(u) };
  });

  router.patch('/api/admin/users/:id', async (ctx) => {
    const me = requireAdmin(ctx);
    const id = Number(ctx.params.id);
    const existing = Number.isInteger(id) ? await findUser(db, id) : undefined;
    if (!existing) throw new NotFound(`no user ${String(ctx.params.id).slice(0, 20)}`);
    const body = await readJsonBody(ctx, 20_000);
    if (!isObject(body)) throw new HttpProblem(400, 'Bad Request', 'send a JSON object');
    const errors: { field: string; reason: string }[] = [];
    if (body.role !== undefined) {
      for (const reason of await checkRoleSpec(db, { role: String(body.role), layers: body.layers, municipalityCode: body.municipalityCode }))
        errors.push({ field: 'role', reason });
      if (id === me.userId && body.role !== 'admin') errors.push({ field: 'role', reason: 'you cannot take away your own administrator role' });
    }
    if (body.disabled !== undefined && typeof body.disabled !== 'boolean') errors.push({ field: 'disabled', reason: 'expected boolean' });
    if (body.disabled === true && id === me.userId) errors.push({ field: 'disabled', reason: 'you cannot disable yourself' });
    if (body.password !== undefined) {
      const weak = typeof body.password === 'string' ? checkPassword(body.password, existing.email) : 'expected text';
      if (weak) errors.push({ field: 'password', reason: weak });
    }
    if (errors.length) throw new InvalidContent(errors);
    if (body.role !== undefined && isRole(String(body.role)))
      await setRole(db, id, { role: body.role as Role, layers: body.layers as string[] | undefined, municipalityCode: body.municipalityCode as number | undefined });
    if (typeof body.disabled === 'boolean') await setDisabled(db, id, body.disabled);
    // a reset ends the user's sessions and revokes their API tokens (an administrator resetting their own keeps this session)
    if (typeof body.password === 'string')
      await setPassword(db, id, body.password, id === me.userId && ctx.state.sessionToken ? sha256(ctx.state.sessionToken as string) : undefined);
    ctx.body = { user: publicUser((await findUser(db, id))!) };
  });

  return router;
}
