import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { layers } from '../../../schemas/index.ts';
import { importFile } from '../../../etl/import.ts';
import { loadMapping } from '../../../etl/mapping.ts';
import { deliverUap } from '../../../etl/uap/deliver.ts';
import { gdalAvailable, HIDDEN_NAME, SYNTHETIC_HIDDEN_PROVIDER, SYNTHETIC_PROVIDER, writeSyntheticDelivery } from '../../../etl/uap/test/synthetic-delivery.ts';
import { decodeTile, tileFor } from '../../test/decode-tile.ts';
import { createApp } from '../../app.ts';

const ETL = join(import.meta.dirname, '../../../etl');
const CHOMUTOV = 562971;
const HIDDEN_LAYER = 'uap-linie-neverejne';

/**
 * Issue 22: a delivery the provider did not allow to publish appears on no public surface: tiles,
 * items, downloads, catalogue, search, OpenAPI, ETL run list, ÚAP state. A public delivery of the
 * same kind next to it does appear, so each check would see the hidden one if it leaked.
 */
describe.runIf(gdalAvailable()).each(testBackends())('a non-public ÚAP delivery on the public surfaces (%s)', (backend) => {
  let database: Database;
  let server: Server;
  let dir: string;
  let tile: { z: number; x: number; y: number };
  const anon = () => request(server);
  const hiddenMentions = (text: string) => [HIDDEN_NAME, SYNTHETIC_HIDDEN_PROVIDER, HIDDEN_LAYER].filter((s) => text.includes(s));

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const { db } = database;
    dir = mkdtempSync(join(tmpdir(), 'geoportal-uap-surfaces-'));
    const files = writeSyntheticDelivery(dir);
    await importFile(db, { path: join(ETL, 'samples/data/obce_orp_chomutov.geojson'), layerId: 'obce', mapping: loadMapping(join(ETL, 'mappings/obce-ruian.json')) });
    await deliverUap(db, { provider: SYNTHETIC_PROVIDER, deliveredOn: '2026-11-20', isPublic: true, actor: 'test', synthetic: true, parts: [{ jev: 73, path: files.vedeniShpZip }] });
    await deliverUap(db, { provider: SYNTHETIC_HIDDEN_PROVIDER, deliveredOn: '2026-11-20', isPublic: false, actor: 'test', synthetic: true, parts: [{ jev: 68, path: files.hiddenGpkg }] });
    const c = (await sql<{ lon: number; lat: number }>`SELECT ST_X(ST_Centroid(geom)) AS lon, ST_Y(ST_Centroid(geom)) AS lat FROM layer_uap_linie_neverejne`.execute(db)).rows[0]!;
    tile = tileFor(c.lon, c.lat, 14);
    server = createApp({ database }).listen(0);
  }, 240_000);

  afterAll(async () => {
    server?.close();
    await database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the delivery is stored (staff would see it)', async () => {
    const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_uap_linie_neverejne WHERE nazev = ${HIDDEN_NAME}`.execute(database.db)).rows[0]!.n;
    expect(n).toBe(1);
  });

  it('tiles: the layer is refused, and the public layers’ tile over the feature does not carry it', async () => {
    const { z, x, y } = tile;
    expect((await anon().get(`/api/tiles/${HIDDEN_LAYER}/${z}/${x}/${y}.mvt`)).status).toBe(404);
    expect((await anon().get(`/api/tiles/uap-linie,${HIDDEN_LAYER}/${z}/${x}/${y}.mvt`)).status).toBe(404);
    expect((await anon().get(`/api/tiles/${HIDDEN_LAYER}.json`)).status).toBe(404);
    expect((await anon().get(`/api/collections/${HIDDEN_LAYER}/tiles`)).status).toBe(404);
    const ids = layers.filter((l) => l.public !== false && l.theme === 'territorial-analysis').map((l) => l.id);
    const res = await anon().get(`/api/tiles/${ids.join(',')}/${z}/${x}/${y}.mvt`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    const decoded = res.body.length ? decodeTile(new Uint8Array(res.body as Buffer)) : {};
    // the public line of the other provider is in this tile; the hidden one is not
    expect(Object.keys(decoded)).toContain('uap-linie');
    expect(hiddenMentions(JSON.stringify(decoded))).toEqual([]);
  });

  it('items and collections: not listed, not readable, not in the public layer', async () => {
    const cols = await anon().get('/api/collections').expect(200);
    expect(hiddenMentions(cols.text)).toEqual([]);
    expect(cols.body.collections.map((c: { id: string }) => c.id)).toContain('uap-linie');
    await anon().get(`/api/collections/${HIDDEN_LAYER}`).expect(404);
    await anon().get(`/api/collections/${HIDDEN_LAYER}/items`).expect(404);
    await anon().get(`/api/collections/${HIDDEN_LAYER}/items?asOf=2030-01-01T00:00:00Z`).expect((r) => expect([401, 404]).toContain(r.status));
    const items = await anon().get('/api/collections/uap-linie/items?limit=1000').expect(200);
    expect(items.body.features.length).toBe(2);
    expect(hiddenMentions(items.text)).toEqual([]);
  });

  it('downloads: the layer is refused whole and per municipality, the public file does not hold it', async () => {
    await anon().get(`/api/downloads/${HIDDEN_LAYER}.geojson`).expect(404);
    await anon().get(`/api/downloads/${HIDDEN_LAYER}.gpkg`).expect(404);
    await anon().get(`/api/downloads/obec/${CHOMUTOV}/${HIDDEN_LAYER}.geojson`).expect(404);
    const pub = await anon().get('/api/downloads/uap-linie.geojson').expect(200);
    expect(hiddenMentions(pub.text)).toEqual([]);
    expect(pub.text).toContain(SYNTHETIC_PROVIDER);
    const csv = await anon().get(`/api/downloads/obec/${CHOMUTOV}/uap-linie.csv`).expect(200);
    expect(hiddenMentions(csv.text)).toEqual([]);
  });

  it('catalogue: records for the public ÚAP layers, none for the non-public one', async () => {
    const cat = await anon().get('/api/catalog').set('Accept', 'text/turtle').expect(200);
    expect(hiddenMentions(cat.text)).toEqual([]);
    expect(cat.text).toContain('/datasets/uap-linie');
    await anon().get(`/api/catalog/datasets/${HIDDEN_LAYER}`).expect(404);
    await anon().get(`/api/catalog/series/${HIDDEN_LAYER}`).expect(404);
    await anon().get(`/api/catalog/datasets/${HIDDEN_LAYER}/obec/${CHOMUTOV}`).expect(404);
    await anon().get(`/api/catalog/schemas/${HIDDEN_LAYER}.json`).expect(404);
    await anon().get(`/api/catalog/portal/${HIDDEN_LAYER}`).expect(404);
    const portal = await anon().get('/api/catalog/portal.json').expect(200);
    expect(hiddenMentions(portal.text)).toEqual([]);
    const ds = await anon().get('/api/catalog/datasets/uap-linie').set('Accept', 'text/turtle').expect(200);
    expect(ds.text).toContain('/api/downloads/uap-linie.gpkg');
  });

  it('search, OpenAPI, ETL runs and the ÚAP state say nothing of it', async () => {
    const s = await anon().get(`/api/search?q=${encodeURIComponent('Tajný syntetický')}`).expect(200);
    expect(hiddenMentions(s.text)).toEqual([]);
    const visible = await anon().get(`/api/search?q=${encodeURIComponent('Syntetické vedení')}`).expect(200);
    expect(visible.body.hits.some((h: { collection?: string; layer?: string }) => (h.collection ?? h.layer) === 'uap-linie')).toBe(true);
    const api = await anon().get('/api/openapi').expect(200);
    expect(hiddenMentions(api.text)).toEqual([]);
    const runs = await anon().get('/api/etl/runs?limit=1000').expect(200);
    expect(hiddenMentions(runs.text)).toEqual([]);
    await anon().get(`/api/uap/${CHOMUTOV}`).expect(401);
    await anon().get('/api/uap/deliveries').expect(401);
  });
});
