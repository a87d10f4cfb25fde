import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../sql/testing.ts';
import { openHarness, type Harness } from './harness.ts';

type Collection = { id: string; extent?: { spatial?: { bbox: number[][] }; temporal?: { interval: unknown[] } } };

/**
 * OGC API Features Part 1 collection schema: a spatial extent holds at least one bbox of 4 or 6
 * numbers. A layer without features has no spatial extent (the schemas declare no area).
 */
describe.each(testBackends())('collection extent conformance on %s', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(backend);
  });
  afterAll(async () => h?.close());

  function valid(c: Collection): void {
    const b = c.extent?.spatial?.bbox;
    if (c.extent?.spatial) {
      expect(b!.length, c.id).toBeGreaterThanOrEqual(1);
      for (const box of b!) expect([4, 6], c.id).toContain(box.length);
    }
    if (c.extent) expect(Object.keys(c.extent).length, c.id).toBeGreaterThan(0);
  }

  it('gives empty collections no spatial extent, and data-bearing ones their bbox', async () => {
    const res = await h.api().get('/api/collections').expect(200);
    const cs = res.body.collections as Collection[];
    for (const c of cs) valid(c);
    const empty = await h.api().get('/api/collections/stromy/items?limit=1').expect(200);
    expect(empty.body.numberMatched).toBe(0);
    const stromy = (await h.api().get('/api/collections/stromy').expect(200)).body as Collection;
    valid(stromy);
    expect(stromy.extent?.spatial).toBeUndefined();
    const obce = (await h.api().get('/api/collections/obce').expect(200)).body as Collection;
    expect(obce.extent!.spatial!.bbox[0]).toHaveLength(4);
  });
});
