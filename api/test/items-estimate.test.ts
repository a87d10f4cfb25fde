import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { getLayer, tableName } from '../../schemas/index.ts';
import { createApp } from '../app.ts';

/**
 * Issue 20, point 4: numberMatched is counted exactly up to ITEMS_EXACT_COUNT_MAX
 * matches; beyond it the count (what makes items slow on a layer of millions)
 * is skipped and the planner's estimate given as numberMatchedEstimate, the
 * standard member left out (OGC API - Features: numberMatched, when present, is exact).
 */
const LAYER = 'stanoviste-trideneho-odpadu';
const N = 3000;

describe.each(testBackends())('items numberMatched beyond the exact-count threshold on %s', (backend) => {
  let database: Database;
  const servers: Server[] = [];
  const app = (exactMax?: number) => {
    const s = createApp({ database, itemsExactCountMax: exactMax, rateLimit: { perMinute: 0 } }).listen(0);
    servers.push(s);
    return s;
  };

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const t = sql.raw(tableName(getLayer(LAYER)!));
    // N sites, one in three "obyvatelum-domu", spread over the ORP
    await sql`INSERT INTO ${t} (source_id, municipality_code, cislo_stanoviste, nazev, pristup, pocet_kontejneru, stav, geom, content_hash)
      SELECT 'e' || i, 562971, 'S-' || i, 'Stanoviště č. ' || i, CASE WHEN i % 3 = 0 THEN 'obyvatelum-domu' ELSE 'volne' END,
             i % 9, ((i % 5) + 1)::text,
             ST_SetSRID(ST_MakePoint(13.2 + ((i::bigint * 7919) % 100000) / 100000.0 * 0.4, 50.4 + ((i::bigint * 104729) % 100000) / 100000.0 * 0.2), 4326), md5(i::text)
      FROM generate_series(1, ${N}) i`.execute(database.db);
    await sql`ANALYZE ${t}`.execute(database.db);
  }, 300_000);
  afterAll(async () => {
    for (const s of servers) s.close();
    await database?.close();
  });

  it('counts exactly up to the threshold', async () => {
    const r = await request(app(N)).get(`/api/collections/${LAYER}/items?limit=5`).expect(200);
    expect(r.body.numberMatched).toBe(N);
    expect(r.body).not.toHaveProperty('numberMatchedEstimate');
  });

  it('beyond it gives the estimate instead, flagged by its name, and still pages', async () => {
    const s = app(500);
    const r = await request(s).get(`/api/collections/${LAYER}/items?limit=5`).expect(200);
    expect(r.body).not.toHaveProperty('numberMatched');
    expect(r.body.numberMatchedEstimate).toBeGreaterThan(500);
    // the planner's estimate of a freshly analysed table is close to the truth
    expect(Math.abs(r.body.numberMatchedEstimate - N) / N).toBeLessThan(0.2);
    expect(r.body.numberReturned).toBe(5);
    expect(r.body.links.some((l: { rel: string }) => l.rel === 'next')).toBe(true);
    // filtered: the estimate follows the filter (a third of the rows)
    const f = await request(s).get(`/api/collections/${LAYER}/items?limit=5&filter=${encodeURIComponent("pristup = 'obyvatelum-domu'")}&filter-lang=cql2-text`).expect(200);
    expect(f.body).not.toHaveProperty('numberMatched');
    expect(Math.abs(f.body.numberMatchedEstimate - N / 3) / (N / 3)).toBeLessThan(0.3);
  });

  it('a filter the planner expects to match few is counted exactly on a large layer', async () => {
    const r = await request(app(1000)).get(`/api/collections/${LAYER}/items?limit=5&bbox=13.2,50.4,13.24,50.42`).expect(200);
    const exact = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(tableName(getLayer(LAYER)!))} WHERE geom && ST_MakeEnvelope(13.2, 50.4, 13.24, 50.42, 4326)`.execute(database.db)).rows[0]!.n;
    expect(r.body.numberMatched).toBe(exact);
    expect(r.body).not.toHaveProperty('numberMatchedEstimate');
  });
});
