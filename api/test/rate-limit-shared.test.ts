import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { Redis } from 'ioredis';
import { openTestDatabase } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { createApp } from '../app.ts';
import { RateLimiter } from '../middleware/rate-limit.ts';

/**
 * Issue 20, point 3: the general per-client rate limit counted across
 * instances in Redis (REDIS_URL), in-process without it. Two apps stand for two
 * API instances: each has its own limiter and its own Redis connection.
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? (process.env.CI ? 'redis://127.0.0.1:6379' : undefined);
if (!REDIS_URL) console.warn('[shared rate limit tests skipped] TEST_REDIS_URL is not set (Redis on 127.0.0.1:6379, e.g. redis://127.0.0.1:6379/1)');
const local = { ip: '203.0.113.9', peer: '203.0.113.9', forwarded: false };

describe('rate limit', () => {
  let database: Database;
  const servers: Server[] = [];
  const clients: Redis[] = [];
  const prefix = `test:rl:${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    // the limiter does not depend on the backend: the quicker one to set up
    database = await openTestDatabase(process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');
  }, 300_000);
  afterAll(async () => {
    for (const s of servers) s.close();
    if (clients[0]) {
      const keys = await clients[0].keys(`${prefix}*`);
      if (keys.length) await clients[0].del(...keys);
    }
    for (const c of clients) c.disconnect();
    await database?.close();
  });

  const redis = (url = REDIS_URL!) => {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 200 });
    c.on('error', () => {});
    clients.push(c);
    return c;
  };
  const instance = (limiter: RateLimiter) => {
    const s = createApp({ database, rateLimit: limiter.opts, limiter }).listen(0);
    servers.push(s);
    return s;
  };

  it.runIf(!!REDIS_URL)('holds across two instances sharing Redis: the sixth request of a client is refused by either', async () => {
    const [ra, rb] = [redis(), redis()];
    await ra.connect();
    await rb.connect();
    const a = instance(new RateLimiter({ perMinute: 5, limitLoopback: true, redis: ra, redisPrefix: prefix }));
    const b = instance(new RateLimiter({ perMinute: 5, limitLoopback: true, redis: rb, redisPrefix: prefix }));
    const remaining: string[] = [];
    for (const s of [a, b, a, b, a]) remaining.push((await request(s).get('/api/conformance').expect(200)).headers['ratelimit-remaining']);
    // one counter: each instance saw what the other counted
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    for (const s of [b, a]) {
      const r = await request(s).get('/api/conformance').expect(429).expect('Content-Type', /problem\+json/);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(r.body).toMatchObject({ status: 429, title: 'Too Many Requests', retryAfter: Number(r.headers['retry-after']) });
    }
  });

  it('without Redis each instance counts for itself', async () => {
    const a = instance(new RateLimiter({ perMinute: 2, limitLoopback: true }));
    const b = instance(new RateLimiter({ perMinute: 2, limitLoopback: true }));
    for (const s of [a, a, b, b]) await request(s).get('/api/conformance').expect(200);
    await request(a).get('/api/conformance').expect(429);
  });

  it('with Redis unreachable it limits in-process and no request fails', async () => {
    // a port nothing listens on: the store is down from the start
    const down = redis('redis://127.0.0.1:1/0');
    void down.connect().catch(() => {});
    const limiter = new RateLimiter({ perMinute: 2, limitLoopback: true, redis: down, redisPrefix: prefix });
    expect(limiter.shared).toBe(true);
    const s = instance(limiter);
    for (let i = 0; i < 2; i++) await request(s).get('/api/conformance').expect(200);
    await request(s).get('/api/conformance').expect(429);
  });

  it.runIf(!!REDIS_URL)('the limit is a parameter of each check: one key may have a higher limit than the default', async () => {
    const r = redis();
    await r.connect();
    const limiter = new RateLimiter({ perMinute: 2, redis: r, redisPrefix: `${prefix}:param` });
    const key = `key-${randomBytes(3).toString('hex')}`;
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await limiter.take(local, undefined, { key, limit: 3 }));
    expect(seen.map((d) => d?.remaining)).toEqual([2, 1, 0, 0]);
    expect(seen.map((d) => d?.retryAfter !== undefined)).toEqual([false, false, false, true]);
    // the same request object is counted once (the tile fast path hands requests on to Koa)
    const req = {};
    const first = await limiter.take(local, req);
    expect(await limiter.take(local, req)).toEqual(first);
    expect(first).toMatchObject({ limit: 2, remaining: 1 });
  });
});
