import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { recordChange } from '../../../sql/changes.ts';
import { createApp } from '../../app.ts';
import { layers, tableName, type LayerSchema } from '../../../schemas/index.ts';
import { FORMATS, type DownloadFormat } from '../formats.ts';
import { exportColumns } from '../rows.ts';
import { shapefileFieldNames } from '../write-shapefile.ts';

/** GDAL (Debian gdal-bin) reads every download back; without it the test is skipped, except under CI. */
function gdalAvailable(): boolean {
  if (spawnSync('ogr2ogr', ['--version']).status === 0) return true;
  if (process.env.CI === 'true') throw new Error('ogr2ogr not found: CI must install gdal-bin');
  console.warn('[download round-trip skipped] ogr2ogr not found; apt-get install gdal-bin');
  return false;
}

interface OgrFeature {
  id?: number;
  properties: Record<string, unknown>;
  geometry: unknown;
}

function ogrRead(file: string, format: DownloadFormat, layer: LayerSchema): OgrFeature[] {
  const src = format.id === 'shp' ? `/vsizip/${file}` : file;
  const oo =
    format.id === 'csv'
      ? layer.geometryType === 'Point'
        ? ['-oo', 'X_POSSIBLE_NAMES=lon', '-oo', 'Y_POSSIBLE_NAMES=lat', '-oo', 'KEEP_GEOM_COLUMNS=NO']
        : ['-oo', 'GEOM_POSSIBLE_NAMES=wkt', '-oo', 'KEEP_GEOM_COLUMNS=NO']
      : [];
  const out = execFileSync('ogr2ogr', ['-f', 'GeoJSON', '-preserve_fid', '-lco', 'COORDINATE_PRECISION=15', ...oo, '/vsistdout/', src], { maxBuffer: 1 << 30 });
  return (JSON.parse(out.toString('utf8')) as { features: OgrFeature[] }).features;
}

function ogrCount(file: string, format: DownloadFormat): number {
  const src = format.id === 'shp' ? `/vsizip/${file}` : file;
  const out = execFileSync('ogrinfo', ['-ro', '-so', '-al', src]).toString();
  return Number(/Feature Count: (\d+)/.exec(out)![1]);
}

/** Values as text: CSV and dBASE carry no types, and empty text is their null. Dates lose a zero time. */
function norm(v: unknown): string {
  if (v === null || v === undefined) return '';
  return String(v).replace(/[T ]00:00:00(\.000)?Z?$/, '').replace(/^(\d{4})\/(\d\d)\/(\d\d)$/, '$1-$2-$3');
}

/** dBASE logicals come back as T/F */
function normAs(type: string, v: unknown): string {
  const s = norm(v);
  if (type !== 'boolean') return s;
  return s === 'T' || s === '1' ? 'true' : s === 'F' || s === '0' ? 'false' : s;
}

describe.runIf(gdalAvailable()).each(testBackends())('downloads on %s read back by GDAL', (backend) => {
  let database: Database;
  let server: Server;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-dl-'));
  const work = mkdtempSync(join(tmpdir(), 'geoportal-dl-files-'));
  const api = () => request(server);
  let withData: LayerSchema[] = [];

  const fetchFile = async (url: string, name: string): Promise<{ path: string; res: request.Response }> => {
    const res = await api().get(url).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    const path = join(work, name);
    if (res.status === 200) writeFileSync(path, res.body as Buffer);
    return { path, res };
  };

  beforeAll(async () => {
    database = await openTestDatabase(backend, { seeded: true });
    server = createApp({ database, dataDir }).listen(0);
    for (const l of layers) {
      const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(tableName(l))}`.execute(database.db);
      if (n.rows[0]!.n > 0 && l.public !== false) withData.push(l);
    }
    expect(withData.map((l) => l.id)).toEqual(expect.arrayContaining(['obce', 'stanoviste-trideneho-odpadu']));
  }, 300_000);
  afterAll(async () => {
    server?.close();
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('round-trips every format of every layer: count, attributes, coordinates within 1 cm in S-JTSK', async () => {
    for (const layer of withData) {
      const cols = exportColumns(layer);
      const expected = new Map<number, unknown[]>();
      const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.raw(tableName(layer))} ORDER BY fid`.execute(database.db);
      for (const r of rows.rows)
        expected.set(Number(r.fid), cols.map((c) => (c.name === 'fid' ? r.fid : c.name === 'obec_kod' && !(c.name in r) ? r.municipality_code : r[c.name] instanceof Date ? (r[c.name] as Date).toISOString().slice(0, 10) : r[c.name])));
      for (const format of FORMATS) {
        const { path, res } = await fetchFile(`/api/downloads/${layer.id}.${format.ext}`, `${layer.id}.${format.ext}`);
        expect(res.status, `${layer.id}.${format.ext}`).toBe(200);
        expect(res.headers['content-type']).toContain(format.mediaType.split(';')[0]);
        expect(ogrCount(path, format), `${layer.id}.${format.ext}`).toBe(expected.size);
        const feats = ogrRead(path, format, layer);
        expect(feats.length).toBe(expected.size);
        const names = format.id === 'shp' ? shapefileFieldNames(cols) : cols.map((c) => c.name);
        const geoms: { fid: number; g: string }[] = [];
        for (const f of feats) {
          // GeoPackage keeps the fid as the feature id (its primary key), the others as a column
          if (format.id === 'gpkg') f.properties[names[0]!] = f.id;
          const fid = Number(f.properties[names[0]!]);
          const want = expected.get(fid);
          expect(want, `${layer.id}.${format.ext} fid ${fid}`).toBeDefined();
          const got = names.map((n) => f.properties[n]);
          if (format.id === 'csv' || format.id === 'shp') expect(got.map((v, i) => normAs(cols[i]!.type, v))).toEqual(want!.map((v, i) => normAs(cols[i]!.type, v)));
          // dates are compared in one spelling on both sides (an empty date, e.g. an open-ended closure, is '' on both)
          else expect(got.map((v, i) => (cols[i]!.type === 'date' ? norm(v) : v ?? null))).toEqual(want!.map((v, i) => (cols[i]!.type === 'date' ? norm(v) : v ?? null)));
          geoms.push({ fid, g: JSON.stringify(f.geometry) });
        }
        // PostGIS compares: same vertex count, Hausdorff distance in S-JTSK (EPSG:5514) below 1 cm
        const cmp = await sql<{ n: number; worst: number | null; npoints_differ: number }>`
          SELECT count(*)::int AS n, max(ST_HausdorffDistance(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(x.g), 4326), 5514), ST_Transform(t.geom, 5514))) AS worst,
                 sum(CASE WHEN ST_NPoints(ST_GeomFromGeoJSON(x.g)) <> ST_NPoints(t.geom) THEN 1 ELSE 0 END)::int AS npoints_differ
          FROM json_to_recordset(${JSON.stringify(geoms)}::json) AS x(fid bigint, g text) JOIN ${sql.raw(tableName(layer))} t ON t.fid = x.fid`.execute(database.db);
        expect(cmp.rows[0]!.n).toBe(expected.size);
        expect(cmp.rows[0]!.npoints_differ, `${layer.id}.${format.ext}`).toBe(0);
        expect(cmp.rows[0]!.worst ?? 0, `${layer.id}.${format.ext}`).toBeLessThan(0.01);
      }
    }
  }, 600_000);

  it('gives the CSV S-JTSK and WGS 84 coordinate columns, UTF-8 with BOM', async () => {
    const { res } = await fetchFile('/api/downloads/stanoviste-trideneho-odpadu.csv', 'x.csv');
    const text = (res.body as Buffer).toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const [header, first] = text.slice(1).split('\r\n');
    const h = header!.split(',');
    expect(h.slice(-4)).toEqual(['lon', 'lat', 'x_sjtsk', 'y_sjtsk']);
    const v = first!.split(',');
    const fid = Number(v[0]);
    const p = await sql<{ x: number; y: number }>`SELECT ST_X(ST_Transform(geom, 5514)) AS x, ST_Y(ST_Transform(geom, 5514)) AS y
      FROM layer_stanoviste_trideneho_odpadu WHERE fid = ${fid}`.execute(database.db);
    expect(Math.abs(Number(v.at(-2)) - p.rows[0]!.x)).toBeLessThan(0.01);
    expect(Math.abs(Number(v.at(-1)) - p.rows[0]!.y)).toBeLessThan(0.01);
    expect(Number(v.at(-2))).toBeLessThan(-700000); // S-JTSK Krovák East-North: negative
  });

  it('serves one municipality, a bbox, and refuses what it cannot do', async () => {
    const codes = await sql<{ k: number; n: number }>`SELECT municipality_code AS k, count(*)::int AS n FROM layer_stanoviste_trideneho_odpadu GROUP BY 1 ORDER BY 2 DESC LIMIT 1`.execute(database.db);
    const { k, n } = codes.rows[0]!;
    const one = await fetchFile(`/api/downloads/obec/${k}/stanoviste-trideneho-odpadu.gpkg`, 'one.gpkg');
    expect(one.res.status).toBe(200);
    expect(ogrCount(one.path, FORMATS.find((f) => f.id === 'gpkg')!)).toBe(n);
    const bbox = [13.38, 50.44, 13.42, 50.47];
    const inBox = await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_stanoviste_trideneho_odpadu WHERE geom && ST_MakeEnvelope(13.38, 50.44, 13.42, 50.47, 4326)`.execute(database.db);
    const boxed = await fetchFile(`/api/downloads/stanoviste-trideneho-odpadu.fgb?bbox=${bbox.join(',')}`, 'box.fgb');
    expect(boxed.res.status).toBe(200);
    expect(ogrCount(boxed.path, FORMATS.find((f) => f.id === 'fgb')!)).toBe(inBox.rows[0]!.n);
    expect(inBox.rows[0]!.n).toBeGreaterThan(0);
    expect(inBox.rows[0]!.n).toBeLessThan(n + 1000);
    // CQL2 through the API's compiler, combined with a municipality
    const many = await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_stanoviste_trideneho_odpadu WHERE pocet_kontejneru >= 3 AND municipality_code = ${k}`.execute(database.db);
    const filtered = await fetchFile(`/api/downloads/obec/${k}/stanoviste-trideneho-odpadu.csv?filter=${encodeURIComponent('pocet_kontejneru >= 3')}`, 'filtered.csv');
    expect(filtered.res.status).toBe(200);
    expect(ogrCount(filtered.path, FORMATS.find((f) => f.id === 'csv')!)).toBe(many.rows[0]!.n);
    expect(many.rows[0]!.n).toBeGreaterThan(0);
    expect(many.rows[0]!.n).toBeLessThan(n);
    const badFilter = await api().get(`/api/downloads/obce.geojson?filter=${encodeURIComponent('neexistuje = 1')}`).expect(400);
    expect(badFilter.body.parameter).toBe('filter');
    const bad = await api().get('/api/downloads/obce.geojson?bbox=1,2,3').expect(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    await api().get('/api/downloads/neni.geojson').expect(404);
    await api().get('/api/downloads/obec/12/stanoviste-trideneho-odpadu.csv').expect(400);
    await api().get('/api/downloads/obec/562971/obce.csv').expect(404);
  });

  it('caches on disk, answers 304 by content hash, and regenerates only after the layer changed', async () => {
    const url = '/api/downloads/obce.geojson';
    const first = await api().get(url).expect(200);
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const files = () => readdirSync(join(dataDir, 'downloads', 'obce')).filter((f) => f.endsWith('obce.geojson'));
    const before = files();
    expect(before).toHaveLength(1);
    await api().get(url).set('If-None-Match', etag).expect(304);
    expect(files()).toEqual(before);
    await recordChange(database.db, { layerId: 'obce', bbox: null, source: 'test' });
    await api().get(url).set('If-None-Match', etag).expect(304); // same content → same hash
    const after = files();
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before); // but it was generated anew for the new layer version
  });
});
