import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Server } from 'node:http';
import type Koa from 'koa';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { seedIfEmpty } from '../../../etl/seed.ts';
import { closeApp, createApp } from '../../app.ts';
import { parseTrustProxy } from '../../middleware/client-address.ts';
import { createUser } from '../../auth/users.ts';
import type { Mail } from '../mailer.ts';
import { p95 } from '../usage.ts';

const ANON_LIMIT = 5;
const KEY_LIMIT = 40;

describe('p95 from the latency histogram', () => {
  it('reads the 95th percentile within one bin (19 %)', () => {
    // 100 requests: 95 fast (about 2 ms), 5 slow (about 300 ms): p95 is a fast one
    const bins = new Map<number, number>([[18, 95], [47, 5]]);
    expect(p95(bins)).toBeLessThan(3);
    bins.set(18, 90);
    expect(p95(bins)).toBeGreaterThan(250);
    expect(p95(new Map())).toBeNull();
  });
});

describe.each(testBackends())('developers’ API keys and usage statistics on %s', (backend) => {
  let database: Database;
  let app: Koa;
  let server: Server;
  const mails: Mail[] = [];
  // clients are told apart by X-Forwarded-For from the trusted loopback proxy, as behind the city's proxy
  const from = (ip: string) => ({ 'X-Forwarded-For': ip });
  // the developer's own management calls come from addresses of their own, apart from the limits under test
  let n = 1;
  const dev = () => from(`198.51.100.${n++}`);
  let cookie = '';
  let csrf = '';
  let key = '';
  let keyId = 0;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await seedIfEmpty(database.db);
    await createUser(database.db, 'spravce@chomutov.test', 'heslo-spravce-1234', { role: 'admin' });
    app = createApp({
      database,
      rateLimit: { perMinute: ANON_LIMIT },
      trustedProxies: parseTrustProxy('127.0.0.1,::1'),
      developers: { apiKeyPerMinute: KEY_LIMIT, mailer: async (m) => void mails.push(m) },
    });
    server = app.listen(0);
  }, 300_000);
  afterAll(async () => {
    server?.close();
    if (app) await closeApp(app);
    await database?.close();
  });

  it('signs a developer up by an e-mailed link', async () => {
    await request(server).post('/api/developers/signup').set(dev()).send({ email: 'nope' }).expect(400);
    await request(server).post('/api/developers/signup').set(dev()).send({ email: 'vyvojar@example.cz' }).expect(202);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toBe('vyvojar@example.cz');
    const token = /[?&]potvrzeni=([\w-]+)/.exec(mails[0]!.text)![1]!;
    await request(server).post('/api/developers/confirm').set(dev()).send({ token: 'x' + token }).expect(400);
    const res = await request(server).post('/api/developers/confirm').set(dev()).send({ token }).expect(200);
    expect(res.body.email).toBe('vyvojar@example.cz');
    csrf = res.body.csrfToken;
    cookie = (res.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
    // a link is used once
    await request(server).post('/api/developers/confirm').set(dev()).send({ token }).expect(400);
  });

  it('creates a key (CSRF token required), stored only as a hash', async () => {
    await request(server).post('/api/developers/keys').set(dev()).set('Cookie', cookie).send({ name: 'moje aplikace' }).expect(403);
    const res = await request(server).post('/api/developers/keys').set(dev()).set('Cookie', cookie).set('X-CSRF-Token', csrf).send({ name: 'moje aplikace' }).expect(201);
    key = res.body.key;
    keyId = res.body.id;
    expect(key).toMatch(/^gpk_/);
    const stored = await sql<{ v: string }>`SELECT row_to_json(k)::text AS v FROM developer_key k`.execute(database.db);
    expect(stored.rows.some((r) => r.v.includes(key))).toBe(false);
    const list = await request(server).get('/api/developers/keys').set(dev()).set('Cookie', cookie).expect(200);
    expect(list.body.keys).toEqual([expect.objectContaining({ id: keyId, name: 'moje aplikace', perMinute: KEY_LIMIT, revokedAt: null })]);
    expect(JSON.stringify(list.body)).not.toContain(key);
  });

  it('a key passes the limit an anonymous client hits', async () => {
    const anon = [];
    for (let i = 0; i <= ANON_LIMIT; i++) anon.push((await request(server).get('/api/collections').set(from('203.0.113.7'))).status);
    expect(anon.slice(0, ANON_LIMIT).every((s) => s === 200)).toBe(true);
    expect(anon[ANON_LIMIT]).toBe(429);
    // the same address with the key: its own, higher limit, counted per key
    for (let i = 0; i < ANON_LIMIT * 3; i++) {
      const r = await request(server).get('/api/collections').set(from('203.0.113.7')).set('X-API-Key', key).expect(200);
      expect(r.headers['ratelimit-limit']).toBe(String(KEY_LIMIT));
    }
    // tiles (answered before Koa on the fast path) count against the key too
    await request(server).get('/api/tiles/obce/10/553/346.mvt').set(from('203.0.113.7')).set('X-API-Key', key).expect((r) => expect([200, 204]).toContain(r.status));
    await request(server).get('/api/collections').set(from('203.0.113.8')).set('X-API-Key', 'gpk_neplatny').expect(401);
  });

  it('shows the key holder its usage by day and endpoint family, and the admin every key’s', async () => {
    const res = await request(server).get('/api/developers/usage').set(dev()).set('Cookie', cookie).expect(200);
    const rows = res.body.days as { day: string; keyId: number; family: string; requests: number; errors: number; bytes: number; p95Ms: number }[];
    const features = rows.find((r) => r.keyId === keyId && r.family === 'features')!;
    expect(features.day).toBe(new Date().toISOString().slice(0, 10));
    expect(features.requests).toBe(ANON_LIMIT * 3);
    expect(features.errors).toBe(0);
    expect(features.bytes).toBeGreaterThan(0);
    expect(features.p95Ms).toBeGreaterThan(0);
    expect(rows.find((r) => r.keyId === keyId && r.family === 'tiles')?.requests).toBe(1);
    expect(rows.every((r) => r.keyId === keyId)).toBe(true);
    await request(server).get('/api/admin/usage').set(dev()).set('Cookie', cookie).expect(401);
    const login = await request(server).post('/api/auth/login').set(dev()).send({ email: 'spravce@chomutov.test', password: 'heslo-spravce-1234' }).expect(200);
    const staff = (login.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
    const all = (await request(server).get('/api/admin/usage').set(dev()).set('Cookie', staff).expect(200)).body.days as { keyId: number; family: string; requests: number; errors: number }[];
    const anon = all.find((r) => r.keyId === 0 && r.family === 'features')!;
    expect(anon.requests).toBeGreaterThanOrEqual(ANON_LIMIT + 1);
    expect(anon.errors).toBeGreaterThanOrEqual(1);
    expect(all.some((r) => r.keyId === keyId)).toBe(true);
    // kept without client addresses
    for (const t of ['api_usage_daily', 'api_usage_latency']) {
      const dump = await sql<{ v: string }>`SELECT row_to_json(x)::text AS v FROM ${sql.table(t)} x`.execute(database.db);
      expect(dump.rows.some((r) => /203\.0\.113\.|198\.51\.100\.|127\.0\.0\.1/.test(r.v))).toBe(false);
    }
  });

  it('rotates and revokes a key', async () => {
    const rot = await request(server).post(`/api/developers/keys/${keyId}/rotate`).set(dev()).set('Cookie', cookie).set('X-CSRF-Token', csrf).expect(200);
    await request(server).get('/api/collections').set(from('203.0.113.9')).set('X-API-Key', key).expect(401);
    await request(server).get('/api/collections').set(from('203.0.113.9')).set('X-API-Key', rot.body.key).expect(200);
    await request(server).delete(`/api/developers/keys/${keyId}`).set(dev()).set('Cookie', cookie).set('X-CSRF-Token', csrf).expect(204);
    await request(server).get('/api/collections').set(from('203.0.113.9')).set('X-API-Key', rot.body.key).expect(401);
    await request(server).delete(`/api/developers/keys/${keyId}`).set(dev()).set('Cookie', cookie).set('X-CSRF-Token', csrf).expect(404);
  });
});
