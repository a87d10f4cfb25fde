import { networkInterfaces } from 'node:os';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { createApp, type AppOptions } from '../app.ts';
import { DEFAULT_AUTH } from '../auth/config.ts';
import { createUser } from '../auth/users.ts';
import { loadConfig } from '../config.ts';
import { parseTrustProxy } from '../middleware/client-address.ts';

const PASSWORD = 'modrá-konvice-na-čaj';

/** a non-loopback address of this machine: a connection to it is not exempt as a local tool */
const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe('TRUST_PROXY setting', () => {
  it('is off by default and accepts addresses and CIDR blocks of both families', () => {
    expect(loadConfig({}).trustedProxies.size).toBe(0);
    const p = loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.7,fd00::/64' }).trustedProxies;
    expect(p.trusts('10.1.2.3')).toBe(true);
    expect(p.trusts('::ffff:10.1.2.3')).toBe(true);
    expect(p.trusts('192.0.2.7')).toBe(true);
    expect(p.trusts('192.0.2.8')).toBe(false);
    expect(p.trusts('fd00::5')).toBe(true);
    expect(p.trusts('fd01::5')).toBe(false);
    expect(() => parseTrustProxy('proxy.example')).toThrow(/TRUST_PROXY/);
    expect(() => parseTrustProxy('10.0.0.0/33')).toThrow(/TRUST_PROXY/);
  });
});

describe.each(testBackends())('client address and sign-in limits on %s', (backend) => {
  let database: Database;
  const servers: Server[] = [];
  const listen = async (opts: Partial<AppOptions>, host = '127.0.0.1') => {
    const s = createApp({ database, ...opts }).listen(0, host);
    servers.push(s);
    await new Promise((r) => s.once('listening', r));
    return s;
  };

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await createUser(database.db, 'vlastnik@chomutov.test', PASSWORD, { role: 'reader' });
    await createUser(database.db, 'druhy@chomutov.test', PASSWORD, { role: 'reader' });
  }, 180_000);
  afterAll(async () => {
    for (const s of servers) s.close();
    await database?.close();
  });

  it('ignores X-Forwarded-For unless the peer is a trusted proxy (a new value per request does not reset the sign-in limit)', async () => {
    await sql`DELETE FROM login_client_throttle`.execute(database.db);
    const untrusting = await listen({ auth: { ...DEFAULT_AUTH, loginRateLimit: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await request(untrusting).post('/api/auth/login').set('X-Forwarded-For', `198.51.100.${i + 1}`).send({ email: 'nikdo@x.test', password: 'x' })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);

    await sql`DELETE FROM login_client_throttle`.execute(database.db);
    const trusting = await listen({ auth: { ...DEFAULT_AUTH, loginRateLimit: 3 }, trustedProxies: parseTrustProxy('127.0.0.1') });
    const viaProxy: number[] = [];
    for (let i = 0; i < 5; i++)
      viaProxy.push((await request(trusting).post('/api/auth/login').set('X-Forwarded-For', `198.51.100.${i + 1}`).send({ email: 'nikdo2@x.test', password: 'x' })).status);
    // behind the trusted proxy these are five clients, each with its own limit
    expect(viaProxy).toEqual([401, 401, 401, 401, 401]);
    // what the client wrote left of the proxy's own entry is not believed
    await sql`DELETE FROM login_client_throttle`.execute(database.db);
    const forged: number[] = [];
    for (let i = 0; i < 5; i++)
      forged.push((await request(trusting).post('/api/auth/login').set('X-Forwarded-For', `10.9.9.${i}, 198.51.100.77`).send({ email: 'nikdo3@x.test', password: 'x' })).status);
    expect(forged).toEqual([401, 401, 401, 429, 429]);
    await sql`DELETE FROM login_client_throttle`.execute(database.db);
  });

  it('believes X-Forwarded-Proto only from a trusted proxy', async () => {
    const untrusting = await listen({});
    const links = (await request(untrusting).get('/api').set('X-Forwarded-Proto', 'https').set('X-Forwarded-Host', 'evil.example').expect(200)).body.links as { href: string }[];
    for (const l of links) expect(l.href).toMatch(/^http:\/\/127\.0\.0\.1:/);
    const trusting = await listen({ trustedProxies: parseTrustProxy('127.0.0.0/8') });
    const proxied = (await request(trusting).get('/api').set('X-Forwarded-Proto', 'https').set('X-Forwarded-Host', 'geoportal.chomutov.test').expect(200)).body.links as { href: string }[];
    for (const l of proxied) expect(l.href).toMatch(/^https:\/\/geoportal\.chomutov\.test\/api/);
    // HSTS only when the request really came over https (here: said so by the trusted proxy)
    const viaHttps = await request(trusting).get('/api/conformance').set('X-Forwarded-Proto', 'https').expect(200);
    expect(viaHttps.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
    const forgedHttps = await request(untrusting).get('/api/conformance').set('X-Forwarded-Proto', 'https').expect(200);
    expect(forgedHttps.headers['strict-transport-security']).toBeUndefined();
    expect(forgedHttps.headers['x-content-type-options']).toBe('nosniff');
  });

  it('grants no rate-limit exemption for a forwarded loopback address', async () => {
    // through a trusted proxy: the client claims to be local, the proxy appended the real address
    const proxied = await listen({ rateLimit: { perMinute: 3 }, trustedProxies: parseTrustProxy('127.0.0.1') });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(proxied).get('/api/conformance').set('X-Forwarded-For', '127.0.0.1, 198.51.100.9')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // even an address the trusted proxy itself reports as loopback is limited: only a direct local connection is exempt
    const local: number[] = [];
    for (let i = 0; i < 5; i++) local.push((await request(proxied).get('/api/conformance').set('X-Forwarded-For', '::1')).status);
    expect(local).toEqual([200, 200, 200, 429, 429]);
  });

  it.skipIf(!external)('grants no exemption to a remote client that sends X-Forwarded-For: 127.0.0.1 (peer not a proxy)', async () => {
    const server = await listen({ rateLimit: { perMinute: 3 } }, '0.0.0.0');
    const url = `http://${external}:${(server.address() as AddressInfo).port}`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(url).get('/api/conformance').set('X-Forwarded-For', '127.0.0.1')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const tile: number[] = [];
    // the cached-tile fast path counts in the same limiter with the same address
    for (let i = 0; i < 2; i++) tile.push((await request(url).get('/api/tiles/obce/0/0/0.mvt').set('X-Forwarded-For', '127.0.0.1')).status);
    expect(tile).toEqual([429, 429]);
  });

  it('slows down failures from unknown addresses without locking the owner out from an address they used before', async () => {
    await sql`DELETE FROM login_client_throttle`.execute(database.db);
    const app = await listen({ trustedProxies: parseTrustProxy('127.0.0.1') });
    const from = (ip: string, password: string, email = 'vlastnik@chomutov.test') =>
      request(app).post('/api/auth/login').set('X-Forwarded-For', ip).send({ email, password });
    expect((await from('203.0.113.5', PASSWORD)).status).toBe(200);
    // an attacker from ever new addresses
    const attacker: number[] = [];
    for (let i = 0; i <= DEFAULT_AUTH.maxFailedLogins; i++) attacker.push((await from(`198.51.100.${20 + i}`, 'hádám-heslo-' + i)).status);
    expect(attacker.slice(0, DEFAULT_AUTH.maxFailedLogins)).toEqual(Array(DEFAULT_AUTH.maxFailedLogins).fill(401));
    expect(attacker.at(-1)).toBe(429);
    // even the right password from an unknown address waits now
    const unknown = await from('198.51.100.99', PASSWORD);
    expect(unknown.status).toBe(429);
    expect(Number(unknown.headers['retry-after'])).toBeGreaterThan(0);
    // the owner, from the address they signed in from before, is not locked out
    expect((await from('203.0.113.5', PASSWORD)).status).toBe(200);
    // failures from a known address are limited too, for that address only
    const known: number[] = [];
    for (let i = 0; i <= DEFAULT_AUTH.maxFailedLogins; i++) known.push((await from('203.0.113.5', 'zapomněl-jsem-' + i)).status);
    expect(known.at(-1)).toBe(429);
    // the addresses are kept only as hashes
    const rows = await sql<{ client_hash: string }>`SELECT client_hash FROM login_known_client`.execute(database.db);
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const r of rows.rows) expect(r.client_hash).toMatch(/^[0-9a-f]{64}$/);
    // another account is untouched by all this
    expect((await from('198.51.100.99', PASSWORD, 'druhy@chomutov.test')).status).toBe(200);
    await sql`DELETE FROM login_client_throttle`.execute(database.db);
  });
});
