import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { testBackends } from '../../../sql/testing.ts';
import { getLayer, tableName } from '../../../schemas/index.ts';
import { MAX_LIMIT } from '../../features/params.ts';
import { local, openHarness, rel, walkIds, type Harness, type Link } from './harness.ts';

/** OGC API Features Part 1, Req /req/core/fc-limit-response: a limit above the maximum is not an error. */
describe.each(testBackends())('limit conformance on %s', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(backend);
    // more sites than one page of the maximum: copies of the sample under new source ids
    const t = sql.raw(tableName(getLayer('stanoviste-trideneho-odpadu')!));
    const cols = (await sql<{ c: string }>`SELECT column_name AS c FROM information_schema.columns
      WHERE table_name = ${tableName(getLayer('stanoviste-trideneho-odpadu')!)} AND table_schema = current_schema() AND column_name NOT IN ('fid', 'source_id') AND is_generated = 'NEVER' ORDER BY ordinal_position`.execute(h.database.db)).rows.map((r) => sql.ref(r.c));
    await sql`INSERT INTO ${t} (source_id, ${sql.join(cols)}) SELECT t.source_id || '-copy-' || g, ${sql.join(cols.map((c) => sql`t.${c}`))}
      FROM ${t} t, generate_series(1, ${Math.ceil(MAX_LIMIT / 600)}) g`.execute(h.database.db);
  }, 120_000);
  afterAll(async () => h?.close());

  it('answers a limit above the maximum with at most the maximum, and the next link continues', async () => {
    const layer = 'stanoviste-trideneho-odpadu';
    const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(tableName(getLayer(layer)!))}`.execute(h.database.db)).rows[0]!.n;
    const res = await h.api().get(`/api/collections/${layer}/items?limit=${MAX_LIMIT * 10}`).expect(200);
    expect(res.body.numberReturned).toBe(Math.min(n, MAX_LIMIT));
    expect(res.body.numberMatched).toBe(n);
    const next = rel(res.body.links as Link[], 'next');
    expect(n).toBeGreaterThan(MAX_LIMIT);
    expect(next).toBeTruthy();
    expect(Number(new URL(next!.href).searchParams.get('limit'))).toBe(MAX_LIMIT * 10);
    const all = await walkIds(h, `/api/collections/${layer}/items?limit=99999999`);
    expect(new Set(all).size).toBe(n);
    expect(all.length).toBe(n);
  });

  it('continues with next links when the maximum is smaller than the layer (paging of the clamped page)', async () => {
    // a layer larger than a page of the given size: the clamp must keep the cursor chain intact
    const res = await h.api().get('/api/collections/obce/items?limit=10').expect(200);
    const next = rel(res.body.links as Link[], 'next')!;
    expect(new URL(next.href).searchParams.get('limit')).toBe('10');
    const page2 = await h.api().get(local(next.href)).expect(200);
    expect(page2.body.numberReturned).toBeGreaterThan(0);
  });

  it('still refuses a limit that is not a positive integer', async () => {
    for (const bad of ['0', '-1', 'abc', '1.5']) {
      const r = await h.api().get(`/api/collections/obce/items?limit=${bad}`).expect(400);
      expect(r.body.parameter, bad).toBe('limit');
    }
  });
});
