import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { testBackends } from '../../../sql/testing.ts';
import { layers } from '../../../schemas/index.ts';
import { binary, decodeTile, tileFor } from '../decode-tile.ts';
import { openHarness, type Harness } from './harness.ts';

const SITES = 'stanoviste-trideneho-odpadu';

/**
 * RFC 9110 §8.8.3: the gzip and the identity body of a tile are two representations and carry
 * two different strong ETags, each revalidating (304) only itself; on the fast path
 * (api/tiles/fast-path.ts) and on the Koa route alike. TileJSON: the center zoom lies in [minzoom, maxzoom].
 */
describe.each(testBackends())('tile conformance on %s', (backend) => {
  let h: Harness;
  let urls: string[];
  beforeAll(async () => {
    h = await openHarness(backend);
    const site = (await sql<{ x: number; y: number }>`SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM layer_stanoviste_trideneho_odpadu ORDER BY fid LIMIT 1`.execute(h.database.db)).rows[0]!;
    const t = tileFor(site.x, site.y, 16);
    // the fast path, and the OGC API – Tiles URL that Koa answers
    urls = [`/api/tiles/${SITES}/${t.z}/${t.x}/${t.y}.mvt`, `/api/collections/${SITES}/tiles/WebMercatorQuad/${t.z}/${t.y}/${t.x}`];
  });
  afterAll(async () => h?.close());

  const get = (url: string, coding: string, inm?: string) => {
    const r = h.api().get(url).set('Accept-Encoding', coding).buffer(true).parse(binary);
    return inm ? r.set('If-None-Match', inm) : r;
  };

  it('gives the gzip and the identity representation their own ETag, and 304s for each', async () => {
    for (const url of urls) {
      const gz = await get(url, 'gzip').expect(200);
      const plain = await get(url, 'identity').expect(200);
      expect(gz.headers['content-encoding'], url).toBe('gzip');
      expect(plain.headers['content-encoding'], url).toBeUndefined();
      expect(decodeTile(plain.body as Buffer)[SITES]!.length).toBeGreaterThan(0);
      const eg = gz.headers.etag as string;
      const ei = plain.headers.etag as string;
      expect(eg, url).toMatch(/^"[^"]+"$/);
      expect(ei, url).toMatch(/^"[^"]+"$/);
      expect(eg, url).not.toBe(ei);
      await get(url, 'gzip', eg).expect(304);
      await get(url, 'identity', ei).expect(304);
      // a validator of the other representation does not revalidate this one
      const cross = await get(url, 'identity', eg).expect(200);
      expect(cross.headers.etag).toBe(ei);
      await get(url, 'gzip', ei).expect(200);
    }
  });

  it('puts the TileJSON center zoom within [minzoom, maxzoom] for every public layer', async () => {
    for (const l of layers.filter((x) => x.public !== false)) {
      const tj = (await h.api().get(`/api/tiles/${l.id}.json`).expect(200)).body as { minzoom: number; maxzoom: number; center: number[] };
      expect(tj.center[2], l.id).toBeGreaterThanOrEqual(tj.minzoom);
      expect(tj.center[2], l.id).toBeLessThanOrEqual(tj.maxzoom);
    }
  });
});
