import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../sql/testing.ts';
import { openHarness, type Harness } from './harness.ts';

type Op = { parameters?: { name: string; in: string }[] };

/**
 * OGC API Features Part 1, Req /req/core/query-param-unknown: a query parameter the API definition
 * does not specify answers 400; the known ones are the ones the OpenAPI document lists.
 */
describe.each(testBackends())('unknown query parameters on %s', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(backend);
  });
  afterAll(async () => h?.close());

  const PATHS: [string, string][] = [
    ['/', '/api'],
    ['/conformance', '/api/conformance'],
    ['/collections', '/api/collections'],
    ['/collections/{collectionId}', '/api/collections/obce'],
    ['/collections/{collectionId}/items', '/api/collections/obce/items?limit=1'],
    ['/collections/{collectionId}/items/{featureId}', '/api/collections/obce/items/1'],
    ['/collections/{collectionId}/queryables', '/api/collections/obce/queryables'],
    ['/collections/{collectionId}/schema', '/api/collections/obce/schema'],
    ['/collections/{collectionId}/sortables', '/api/collections/obce/sortables'],
    ['/collections/{collectionId}/tiles', '/api/collections/obce/tiles'],
    ['/search', '/api/search?q=cho'],
    ['/openapi', '/api/openapi'],
  ];

  it('answers 400 naming the parameter, and lists exactly the documented ones as known', async () => {
    const doc = (await h.api().get('/api/openapi').expect(200)).body as { paths: Record<string, { get: Op }> };
    for (const [template, url] of PATHS) {
      await h.api().get(url).expect(200);
      const res = await h.api().get(`${url}${url.includes('?') ? '&' : '?'}nonsense=1`).expect(400).expect('Content-Type', /problem\+json/);
      expect(res.body.parameter, url).toBe('nonsense');
      const known = (doc.paths[template]!.get.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      for (const k of known) expect(res.body.detail, `${url} knows ${k}`).toContain(k);
    }
  });

  it('accepts every documented parameter of items', async () => {
    const url = '/api/collections/obce/items?limit=2&bbox=13,50,14,51&bbox-crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84&crs=http://www.opengis.net/def/crs/EPSG/0/5514'
      + '&filter=kod%3E0&filter-lang=cql2-text&filter-crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84&properties=nazev&sortby=-nazev&f=json&datetime=2024-01-01';
    const res = await h.api().get(url).expect(200);
    expect(res.body.numberReturned).toBe(2);
    // the history read of the same collection
    await h.api().get('/api/collections/obce/items?asOf=2100-01-01T00:00:00Z&limit=1').expect(200);
  });

  it('accepts the parameters the portal sends', async () => {
    // portal/src/lib/map/search.ts
    await h.api().get('/api/search?q=cho&lang=en&limit=10').expect(200);
  });

  it('ignores unknown parameters on tile URLs (the portal editor adds a cache-buster)', async () => {
    await h.api().get('/api/tiles/obce/12/2200/1380.mvt?v=1').expect(200);
  });
});
