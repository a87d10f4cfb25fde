import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { createApp } from '../../app.ts';
import { DEFAULT_AUTH } from '../config.ts';
import { createUser } from '../users.ts';

const ADMIN_PASSWORD = 'stará-radnice-1560';
const PASSWORD = 'zelený-čajník-na-kamnech';

describe.each(testBackends())('passwords, sessions and tokens on %s', (backend) => {
  let database: Database;
  let server: Server;

  async function login(email: string, password: string) {
    const agent = request.agent(server);
    const res = await agent.post('/api/auth/login').send({ email, password }).expect(200);
    // the answer carries the CSRF token: no cache may keep it
    expect(res.headers['cache-control']).toBe('no-store');
    return { agent, csrf: res.body.csrfToken as string };
  }
  async function newToken(s: Awaited<ReturnType<typeof login>>): Promise<string> {
    return (await s.agent.post('/api/auth/tokens').set('x-csrf-token', s.csrf).send({ name: 'skript' }).expect(201)).body.token as string;
  }
  const me = async (agent: ReturnType<typeof request.agent>) => (await agent.get('/api/auth/me').expect(200)).body.user as { email: string } | null;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await createUser(database.db, 'admin@chomutov.test', ADMIN_PASSWORD, { role: 'admin' });
    server = createApp({ database, auth: { ...DEFAULT_AUTH, loginRateLimit: 1000 } }).listen(0);
  }, 180_000);
  afterAll(async () => {
    server?.close();
    await database?.close();
  });

  it('refuses common passwords and ones containing the e-mail name when an administrator creates or resets an account', async () => {
    const admin = await login('admin@chomutov.test', ADMIN_PASSWORD);
    for (const password of ['password1234', 'aaaaaaaaaaaa', 'qwertyuiop12', 'Marie.Kralova-2024']) {
      const r = await admin.agent.post('/api/admin/users').set('x-csrf-token', admin.csrf).send({ email: 'marie.kralova@chomutov.test', role: 'reader', password }).expect(422);
      expect(r.body.errors.map((e: { field: string }) => e.field), password).toEqual(['password']);
    }
    const made = await admin.agent.post('/api/admin/users').set('x-csrf-token', admin.csrf).send({ email: 'marie.kralova@chomutov.test', role: 'reader', password: PASSWORD }).expect(201);
    await admin.agent.patch(`/api/admin/users/${made.body.user.id}`).set('x-csrf-token', admin.csrf).send({ password: 'heslo-MARIE.KRALOVA-1' }).expect(422);
  });

  it('an own password change keeps this session and ends every other session and API token', async () => {
    await createUser(database.db, 'petr.svoboda@chomutov.test', PASSWORD, { role: 'reader' });
    const here = await login('petr.svoboda@chomutov.test', PASSWORD);
    const elsewhere = await login('petr.svoboda@chomutov.test', PASSWORD);
    const token = await newToken(here);
    await request(server).get('/api/auth/tokens').set('Authorization', `Bearer ${token}`).expect(200);

    const change = (body: object, csrf = here.csrf) => here.agent.post('/api/auth/password').set('x-csrf-token', csrf).send(body);
    await request(server).post('/api/auth/password').send({ currentPassword: PASSWORD, newPassword: 'nové-dlouhé-heslo-77' }).expect(401);
    await here.agent.post('/api/auth/password').send({ currentPassword: PASSWORD, newPassword: 'nové-dlouhé-heslo-77' }).expect(403);
    await change({ currentPassword: 'to-nebylo-ono-123', newPassword: 'nové-dlouhé-heslo-77' }).expect(403);
    const weak = await change({ currentPassword: PASSWORD, newPassword: 'password1234' }).expect(422).expect('Content-Type', /problem\+json/);
    expect(weak.body.errors[0].field).toBe('newPassword');
    await change({ currentPassword: PASSWORD, newPassword: 'moje-petr.svoboda-heslo' }).expect(422);
    // an API token cannot change the password
    await request(server).post('/api/auth/password').set('Authorization', `Bearer ${token}`).send({ currentPassword: PASSWORD, newPassword: 'nové-dlouhé-heslo-77' }).expect(403);
    // nothing changed so far
    expect(await me(elsewhere.agent)).not.toBeNull();

    await change({ currentPassword: PASSWORD, newPassword: 'nové-dlouhé-heslo-77' }).expect(204);
    expect((await me(here.agent))?.email).toBe('petr.svoboda@chomutov.test');
    expect(await me(elsewhere.agent)).toBeNull();
    await request(server).get('/api/auth/tokens').set('Authorization', `Bearer ${token}`).expect(401);
    await request(server).post('/api/auth/login').send({ email: 'petr.svoboda@chomutov.test', password: PASSWORD }).expect(401);
    await login('petr.svoboda@chomutov.test', 'nové-dlouhé-heslo-77');
  });

  it('an administrator password reset ends all sessions of the user and revokes their API tokens', async () => {
    const u = await createUser(database.db, 'jana.dvorakova@chomutov.test', PASSWORD, { role: 'reader' });
    const session = await login('jana.dvorakova@chomutov.test', PASSWORD);
    const token = await newToken(session);
    const admin = await login('admin@chomutov.test', ADMIN_PASSWORD);
    await admin.agent.patch(`/api/admin/users/${u.id}`).set('x-csrf-token', admin.csrf).send({ password: 'heslo-od-správce-9' }).expect(200);
    expect(await me(session.agent)).toBeNull();
    await request(server).get('/api/auth/tokens').set('Authorization', `Bearer ${token}`).expect(401);
    const fresh = await login('jana.dvorakova@chomutov.test', 'heslo-od-správce-9');
    const listed = (await fresh.agent.get('/api/auth/tokens').expect(200)).body.tokens as { revoked_at: string | null }[];
    expect(listed.length).toBe(1);
    expect(listed[0]!.revoked_at).not.toBeNull();
    // the administrator's own session is untouched
    expect((await me(admin.agent))?.email).toBe('admin@chomutov.test');
  });
});
