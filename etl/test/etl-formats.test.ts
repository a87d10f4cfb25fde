import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Koa from 'koa';
import request from 'supertest';
import { sql } from 'kysely';
import { layers, tableName, getLayer } from '../../schemas/index.ts';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { problemMiddleware } from '../../api/problem.ts';
import { landuseRoutes } from '../../api/landuse/routes.ts';
import { etlRoutes } from '../../api/etl/routes.ts';
import { importFile } from '../import.ts';
import { loadMapping, type FieldMapping } from '../mapping.ts';
import { runEtlCli } from '../cli.ts';
import { importPlanVersion } from '../landuse.ts';
import { seedLandUse, SEED_SOURCES } from '../seed.ts';
import { openGeoJson, splitFeatures } from '../readers/geojson.ts';
import { openShapefile } from '../readers/shapefile.ts';
import { loadSources } from '../schedule/sources.ts';
import { markStale, runSource, backoffMs } from '../schedule/runner.ts';
import { sampleFeatureCollection, sampleProperties } from './sample-feature.ts';
import { copyShapefile, makeBadInputs, writeZip } from './bad-input.ts';

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const mappings = new URL('../mappings/', import.meta.url).pathname;
const landuse = new URL('../samples/landuse/', import.meta.url).pathname;
const PRAHA = join(fixtures, 'praha_ipr_kontejnery_stanoviste_ZPK_O_Kont_TOstan_b_sjtsk.geojson');
const SITES = 'stanoviste-trideneho-odpadu';
const MALKOV = 563200;

function cliIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe.each(testBackends())('ETL formats, land-use plans, schedules and their API on %s', (backend) => {
  let database: Database;
  let dir: string;
  let app: Koa;
  const db = () => database.db;
  const count = async (table: string, where = sql`TRUE`) =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(table)} WHERE ${where}`.execute(db())).rows[0]!.n;
  const snapshot = async (table: string) =>
    (await sql<{ source_id: string; content_hash: string }>`SELECT source_id, content_hash FROM ${sql.raw(table)} ORDER BY source_id`.execute(db())).rows;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    dir = mkdtempSync(join(tmpdir(), 'geoportal-etl2-'));
    const obce = SEED_SOURCES[0];
    await importFile(database.db, { path: obce.path, layerId: obce.layer, mapping: loadMapping(obce.mapping) });
    app = new Koa();
    app.use(problemMiddleware);
    for (const r of [landuseRoutes(database.db), etlRoutes(database.db)]) app.use(r.routes());
  });
  afterAll(async () => {
    await database?.close();
  });

  it('imports a sample generated from every registered layer schema, and a second time changes nothing', async () => {
    for (const layer of layers.filter((l) => l.perMunicipality)) {
      const file = join(dir, `${layer.id}.geojson`);
      writeFileSync(file, JSON.stringify(sampleFeatureCollection(layer, 3)));
      const r = await importFile(db(), { path: file, layerId: layer.id });
      expect(r, layer.id).toMatchObject({ read: 3, inserted: 3, rejected: 0 });
      const rows = (
        await sql<{ j: Record<string, unknown>; municipality_code: number }>`SELECT to_jsonb(t) - 'geom' AS j, municipality_code
          FROM ${sql.raw(tableName(layer))} t ORDER BY source_id`.execute(db())
      ).rows;
      expect(rows.map((r) => r.municipality_code)).toEqual([562971, 562971, 562971]);
      const expected = sampleProperties(layer, 1);
      for (const [k, v] of Object.entries(expected)) expect(rows[1]!.j[k], `${layer.id}.${k}`).toEqual(v);
      const again = await importFile(db(), { path: file, layerId: layer.id });
      expect(again, layer.id).toMatchObject({ inserted: 0, updated: 0, deleted: 0, unchanged: 3 });
    }
    // the live rows (issue 16.3) learn who wrote: the run, through geoportal.actor set in the import transaction
    const actors = await sql<{ actor: string }>`SELECT DISTINCT changed_by AS actor FROM layer_stromy`.execute(db());
    expect(actors.rows.map((r) => r.actor)).toEqual([expect.stringMatching(/^etl:run:\d+$/)]);
  });

  it('reads GeoPackages: the SRS from gpkg_spatial_ref_sys, one layer of many chosen by name', async () => {
    const brno = await importFile(db(), {
      path: join(fixtures, 'gpkg/brno_air_quality_stations.gpkg'),
      layerId: 'detska-hriste',
      mapping: { layer: 'detska-hriste', idField: 'code', fields: { nazev: 'name' } },
      // Brno's stations replace the three generated samples (issue 13.2: a withdrawal the operator states)
      allowWithdraw: true,
    });
    expect(brno).toMatchObject({ read: 10, inserted: 10, rejected: 0 });
    expect(brno.warnings.join()).toMatch(/outside/);
    const b = (await sql<{ x: number; y: number }>`SELECT avg(ST_X(geom)) AS x, avg(ST_Y(geom)) AS y FROM layer_detska_hriste`.execute(db())).rows[0]!;
    expect(b.x).toBeCloseTo(16.6, 0);
    expect(b.y).toBeCloseTo(49.2, 0);

    const gpkg = join(fixtures, 'gpkg/praha_zizkov_ruian_budovy_ulice_osm.gpkg');
    // RÚIAN streets repeat `Kod` per segment: the GeoPackage fid is the stable id
    const streets: FieldMapping = { layer: 'kabelove-vedeni-vo', fields: { oznaceni: 'Nazev' }, constants: { ulozeni: 'zem' } };
    expect(await importFile(db(), { path: gpkg, layerId: 'kabelove-vedeni-vo', mapping: streets }).catch((e: Error) => e.message)).toMatch(/11 layers .*budovy.*ulice.*--source-layer/);
    // the streets replace the three generated samples: a withdrawal the operator states (issue 13.2)
    const r = await importFile(db(), { path: gpkg, layerId: 'kabelove-vedeni-vo', mapping: streets, sourceLayer: 'ulice', allowWithdraw: true });
    expect(r).toMatchObject({ read: 64, inserted: 64, rejected: 0 });
    // RÚIAN streets are stored in S-JTSK: transformed by PostGIS into Žižkov
    const s = (await sql<{ x: number; y: number; n: string }>`SELECT ST_X(ST_Centroid(ST_Collect(geom))) AS x, ST_Y(ST_Centroid(ST_Collect(geom))) AS y,
      max(oznaceni) AS n FROM layer_kabelove_vedeni_vo`.execute(db())).rows[0]!;
    expect(s.x).toBeCloseTo(14.45, 1);
    expect(s.y).toBeCloseTo(50.08, 1);
  });

  it('reads a zipped shapefile (windows-1250 DBF, S-JTSK .prj) and re-reads it as unchanged', async () => {
    const shp = copyShapefile(dir, 'zipme');
    const zipPath = join(dir, 'kontejnery.zip');
    await writeZip(
      zipPath,
      ['.shp', '.shx', '.dbf', '.prj', '.cpg'].map((ext) => ({ name: `data/kontejnery${ext}`, data: readFileSync(shp.replace(/\.shp$/, ext)) })),
    );
    const mapping = loadMapping(join(mappings, 'praha-ipr-kontejnery-shp.json'));
    const r = await importFile(db(), { path: zipPath, layerId: SITES, mapping, allowWithdraw: true });
    expect(r).toMatchObject({ read: 200, inserted: 200, rejected: 0 });
    const again = await importFile(db(), { path: zipPath, layerId: SITES, mapping });
    expect(again).toMatchObject({ inserted: 0, updated: 0, deleted: 0, unchanged: 200 });
    const row = (await sql<{ nazev: string }>`SELECT nazev FROM layer_stanoviste_trideneho_odpadu WHERE source_id = '3620'`.execute(db())).rows[0]!;
    expect(row.nazev).toBe('Jungmannova 737/16');
  });

  it('reads CSV: ČÚZK-style positive, swapped S-JTSK in windows-1250, and WGS 84 lat/lon', async () => {
    const doc = JSON.parse(readFileSync(PRAHA, 'utf8')) as { features: { properties: Record<string, string | number>; geometry: { coordinates: number[] } }[] };
    const some = doc.features.slice(0, 300);
    const lines = ['ID;STATIONNAME;PRISTUP;Souřadnice Y;Souřadnice X'];
    for (const f of some) {
      const [x, y] = f.geometry.coordinates as [number, number];
      lines.push([f.properties.ID, f.properties.STATIONNAME, f.properties.PRISTUP, String(-x).replace('.', ','), String(-y).replace('.', ',')].join(';'));
    }
    const csv = join(dir, 'adresy_cp1250.csv');
    writeFileSync(csv, new TextEncoder().encode('').length === 0 ? encodeCp1250(lines.join('\r\n') + '\r\n') : '');
    const mapping = loadMapping(join(mappings, 'praha-ipr-kontejnery.json'));
    const r = await importFile(db(), { path: csv, layerId: SITES, mapping, encoding: 'windows-1250' });
    // the first 200 sites came from the shapefile with a station number the CSV lacks: updated, not duplicated
    expect(r).toMatchObject({ read: 300, inserted: 100, updated: 200, rejected: 0 });
    const f0 = some[0]!;
    const check = (
      await sql<{ d: number; nazev: string }>`SELECT ST_Distance(geom, ST_Transform(ST_SetSRID(ST_Point(${f0.geometry.coordinates[0]}::float8, ${f0.geometry.coordinates[1]}::float8), 5514), 4326)) AS d, nazev
        FROM layer_stanoviste_trideneho_odpadu WHERE source_id = ${String(f0.properties.ID)}`.execute(db())
    ).rows[0]!;
    expect(check.d).toBeLessThan(1e-9);
    expect(check.nazev).toBe(f0.properties.STATIONNAME);

    const pts = (await sql<{ id: string; nazev: string; lon: number; lat: number }>`SELECT source_id AS id, nazev, ST_X(geom) AS lon, ST_Y(geom) AS lat
      FROM layer_stanoviste_trideneho_odpadu ORDER BY source_id LIMIT 50`.execute(db())).rows;
    const wgs = join(dir, 'wgs.csv');
    writeFileSync(wgs, ['id,nazev,lat,lon', ...pts.map((p) => `${p.id},"${p.nazev}",${p.lat},${p.lon}`)].join('\n'));
    const w = await importFile(db(), { path: wgs, layerId: SITES, mapping: { layer: SITES, idField: 'id' }, dryRun: true });
    expect(w).toMatchObject({ read: 50, rejected: 0, status: 'dry-run' });
  });

  it('streams large GeoJSON feature by feature, whatever the chunking', async () => {
    const whole = await openGeoJson(PRAHA);
    const streamed = await openGeoJson(PRAHA, { streamAbove: 0 });
    expect(streamed.srid).toBe(5514);
    expect(streamed.count).toBeUndefined();
    const a: unknown[] = [];
    for await (const r of whole.records()) a.push(r);
    const b: unknown[] = [];
    for await (const r of streamed.records()) b.push(r);
    expect(b).toHaveLength(5534);
    expect(b).toEqual(a);
    const tricky = '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"n":"a } ] \\" {"},"geometry":null},\n{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]}';
    async function* chunks(s: string, n: number) {
      for (let i = 0; i < s.length; i += n) yield s.slice(i, i + n);
    }
    const parts: string[] = [];
    for await (const p of splitFeatures(chunks(tricky, 3), 't.json')) parts.push(p);
    expect(parts.map((p) => JSON.parse(p))).toEqual(JSON.parse(tricky).features);
    const cut: string[] = [];
    await expect(async () => {
      for await (const p of splitFeatures(chunks(tricky.slice(0, 90), 7), 't.json')) cut.push(p);
    }).rejects.toThrow(/ends inside the features array/);
  });

  it('imports land-use plan versions: the current one in the layers, every one queryable, re-import a no-op', async () => {
    const reports = await seedLandUse(db());
    expect(reports.length).toBeGreaterThanOrEqual(4 * 6);
    expect(reports.every((r) => r.rejected === 0 && r.status === 'succeeded')).toBe(true);
    const versions = (await sql<{ id: number; label: string; is_current: boolean }>`SELECT id, label, is_current FROM landuse_plan_version
      WHERE municipality_code = ${MALKOV} ORDER BY effective_from`.execute(db())).rows;
    expect(versions.map((v) => [v.label, v.is_current])).toEqual([['Územní plán', false], ['Změna č. 1', true]]);
    const ids = async (where: ReturnType<typeof sql>) =>
      (await sql<{ o: string }>`SELECT oznaceni AS o FROM layer_up_plochy_zmen WHERE municipality_code = ${MALKOV} AND ${where} ORDER BY 1`.execute(db())).rows.map((r) => r.o);
    const current = await ids(sql`TRUE`);
    expect(current).not.toContain('Z1');
    expect(current).toContain('Z9');
    expect(await ids(sql`druh = 'P'`)).toEqual(['P1', 'P2']);
    // Málkov's DBF spells the attributes CasH/Typ/Index: matched case-insensitively
    expect(await count('layer_up_plochy_rzv', sql`municipality_code = ${MALKOV} AND cash = '2'`)).toBeGreaterThan(5);
    expect(await count('layer_up_plochy_rzv', sql`municipality_code = 563277 AND cash = '2'`)).toBeGreaterThan(0);
    expect(await count('layer_up_zastavene_uzemi', sql`municipality_code IN (563200, 563277, 563340)`)).toBe(3);
    const first = await sql<{ n: number }>`SELECT count(*)::int AS n FROM landuse_archive
      WHERE version_id = ${versions[0]!.id} AND layer_id = 'up-plochy-zmen' AND properties->>'oznaceni' = 'Z1'`.execute(db());
    expect(first.rows[0]!.n).toBe(1);

    const again = await importPlanVersion(db(), join(landuse, '563200-malkov/zmena-1'));
    expect(again.runs.map((r) => [r.inserted, r.updated, r.deleted])).toEqual(again.runs.map(() => [0, 0, 0]));
    expect(await importPlanVersion(db(), join(landuse, '563200-malkov/up')).catch((e: Error) => e.message)).toMatch(/older than the current/);
    // vendor DBF without .cpg is read as windows-1250
    const zmeny = await openShapefile(join(landuse, '563200-malkov/up/PlochyZmen_p.shp'));
    const recs: { properties: Record<string, unknown> }[] = [];
    for await (const r of zmeny.records()) recs.push(r);
    expect(String(recs[0]!.properties.popis)).toMatch(/^Zastavitelná plocha – bydlení v rodinných domech, příjezd z místní komunikace$/);

    const list = await request(app.callback()).get(`/api/landuse/${MALKOV}/versions`).expect(200);
    expect(list.body.versions.map((v: { label: string; current: boolean }) => [v.label, v.current])).toEqual([['Územní plán', false], ['Změna č. 1', true]]);
    const old = await request(app.callback()).get(`/api/landuse/${MALKOV}/versions/${versions[0]!.id}/up-plochy-zmen`).expect(200);
    expect(old.type).toBe('application/geo+json');
    expect(old.body.planVersion).toMatchObject({ label: 'Územní plán', current: false, synthetic: true });
    const z1 = old.body.features.find((f: { properties: { oznaceni: string } }) => f.properties.oznaceni === 'Z1');
    expect(z1.properties).toMatchObject({ druh: 'Z' });
    expect(z1.geometry.type).toBe('MultiPolygon');
    const bad = await request(app.callback()).get('/api/landuse/abc/versions').expect(400);
    expect(bad.type).toBe('application/problem+json');
    expect(bad.body.parameter).toBe('municipality');
    await request(app.callback()).get(`/api/landuse/${MALKOV}/versions/${versions[0]!.id}/stromy`).expect(404);
    await request(app.callback()).get('/api/landuse/562971/versions').expect(404);
  });

  it('refuses every file of the bad-input corpus as a whole: clear error, exit code 1, nothing changed', async () => {
    const before = await snapshot(tableName(getLayer(SITES)!));
    expect(before.length).toBeGreaterThan(0);
    const mapping = join(mappings, 'praha-ipr-kontejnery-shp.json');
    for (const c of await makeBadInputs(join(dir, 'bad'))) {
      const msg = await importFile(db(), { path: c.path, layerId: SITES, mapping: loadMapping(mapping) }).then(() => 'imported', (e: Error) => e.message);
      expect(msg, c.name).toMatch(c.expect);
      const { io, err } = cliIo();
      expect(await runEtlCli(['import', c.path, '--layer', SITES, '--mapping', mapping], db(), io), c.name).toBe(1);
      expect(err.join('\n'), c.name).toMatch(c.expect);
    }
    expect(await snapshot(tableName(getLayer(SITES)!))).toEqual(before);
  });

  it('rejects bad records by file, record and field (duplicates, oversized values, wrong encoding, invalid geometry), exit code 3', async () => {
    const doc = JSON.parse(readFileSync(PRAHA, 'utf8')) as { features: { properties: Record<string, unknown> }[] };
    const features = doc.features.slice(0, 40);
    features[2]!.properties.ID = features[1]!.properties.ID;
    features[5]!.properties.STATIONNAME = 'x'.repeat(70_000);
    features[7]!.properties.VENDOR_EXTRA = 'unknown column';
    const file = join(dir, 'records.geojson');
    writeFileSync(file, JSON.stringify({ ...doc, features }));
    const { io, out } = cliIo();
    const code = await runEtlCli(['import', file, '--layer', SITES, '--mapping', join(mappings, 'praha-ipr-kontejnery.json'), '--dry-run'], db(), io);
    expect(code).toBe(3);
    const text = out.join('\n');
    expect(text).toMatch(/reject: records\.geojson record 3 field ID: duplicate source id/);
    expect(text).toMatch(/reject: records\.geojson record 6 field STATIONNAME: value of 70000 characters exceeds the limit/);
    expect(text).toMatch(/warning: columns not used by the layer or mapping: OBJECTID, CITYDISTRICTRUIANCODE, CITYDISTRICT/);

    // a .cpg claiming UTF-8 on a windows-1250 DBF: the records with Czech letters are rejected, not stored garbled
    const shp = copyShapefile(dir, 'wrongcpg');
    writeFileSync(shp.replace(/\.shp$/, '.cpg'), 'UTF-8');
    const r = await importFile(db(), { path: shp, layerId: SITES, mapping: loadMapping(join(mappings, 'praha-ipr-kontejnery-shp.json')), dryRun: true });
    expect(r.rejected).toBeGreaterThan(10);
    expect(r.rejects[0]).toMatchObject({ file: 'kontejnery.shp', field: 'PRISTUP', reason: expect.stringMatching(/bytes that are not utf-8 \(wrong \.cpg or --encoding\?\)/) });
    expect(r.rejects.every((j) => /not utf-8/.test(j.reason))).toBe(true);

    // a self-intersecting polygon: repaired and flagged, or rejected, as configured
    const layer = getLayer('zelene-plochy')!;
    const fc = sampleFeatureCollection(layer, 2);
    (fc.features[1]!.geometry as { coordinates: number[][][][] }).coordinates = [[[[-807700, -991700], [-807690, -991690], [-807690, -991700], [-807700, -991690], [-807700, -991700]]]];
    const bow = join(dir, 'bowtie.geojson');
    writeFileSync(bow, JSON.stringify(fc));
    const repaired = await importFile(db(), { path: bow, layerId: layer.id, dryRun: true });
    expect(repaired.rejected).toBe(0);
    expect(repaired.warnings.join()).toMatch(/1 invalid geometries repaired with ST_MakeValid: record 2 \(Self-intersection/);
    const refused = await importFile(db(), { path: bow, layerId: layer.id, dryRun: true, invalidGeometry: 'reject' });
    expect(refused.rejects).toEqual([{ file: 'bowtie.geojson', record: 2, field: 'geometry', reason: expect.stringMatching(/^invalid geometry: Self-intersection/) }]);
  });

  it('serves runs and their rejects over the API', async () => {
    const runs = await request(app.callback()).get('/api/etl/runs?limit=500').expect(200);
    const withRejects = runs.body.runs.find((r: { counts: { rejected: number }; status: string }) => r.counts.rejected > 0 && r.status === 'dry-run');
    expect(withRejects).toBeDefined();
    expect(withRejects.source).not.toContain('/');
    const one = await request(app.callback()).get(`/api/etl/runs/${withRejects.id}`).expect(200);
    expect(one.body.rejects[0]).toMatchObject({ file: expect.any(String), record: expect.any(Number), reason: expect.any(String) });
    expect(one.body.durationMs).toBeGreaterThanOrEqual(0);
    expect((await request(app.callback()).get('/api/etl/runs/x').expect(400)).body.parameter).toBe('runId');
    await request(app.callback()).get('/api/etl/runs/999999').expect(404);
    expect((await request(app.callback()).get('/api/etl/runs?limit=0').expect(400)).body.parameter).toBe('limit');
    // runs of non-public layers (camera positions) are for signed-in users only
    const hidden = (await sql<{ id: number }>`SELECT max(id) AS id FROM etl_run WHERE layer_id = 'kamery'`.execute(db())).rows[0]!.id;
    expect(hidden).toBeGreaterThan(0);
    expect(runs.body.runs.some((r: { layer: string }) => r.layer === 'kamery')).toBe(false);
    await request(app.callback()).get(`/api/etl/runs/${hidden}`).expect(404);
    const signedIn = new Koa();
    signedIn.use(problemMiddleware);
    signedIn.use(async (ctx, next) => {
      ctx.state.principal = { userId: 1, email: 'a@b.cz', role: 'reader', layers: [], municipalityCode: null, via: 'session' };
      await next();
    });
    signedIn.use(etlRoutes(db()).routes());
    expect((await request(signedIn.callback()).get(`/api/etl/runs/${hidden}`).expect(200)).body.layer).toBe('kamery');
  });

  it('runs scheduled sources: one at a time, retries with backoff, marks stale ones, downloads URLs', async () => {
    const sitesFile = join(dir, 'sites.geojson');
    writeFileSync(sitesFile, JSON.stringify(sampleFeatureCollection(getLayer('mobiliar')!, 5)));
    const server: Server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/geo+json' });
      res.end(readFileSync(sitesFile));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const cfg = join(dir, 'sources.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        sources: [
          { name: 'lavicky', path: sitesFile, layer: 'mobiliar', cron: '0 3 * * *', expectedPeriodHours: 24 },
          { name: 'lavicky-http', url: `http://127.0.0.1:${port}/lavicky`, layer: 'mobiliar', cron: '0 4 * * *', expectedPeriodHours: 24 },
          { name: 'chybi', path: join(dir, 'missing.geojson'), layer: 'mobiliar', cron: '0 5 * * *', expectedPeriodHours: 1 },
        ],
      }),
    );
    const sources = loadSources(cfg);
    const [local, http, missing] = sources as [typeof sources[0], typeof sources[0], typeof sources[0]];
    try {
      const ok = await runSource(db(), local);
      expect(ok.status).toBe('succeeded');
      // another live process holds the lease: the same source does not run twice at once
      await sql`UPDATE etl_source_state SET running_by = ${`${hostname()}:${process.pid}`}, running_since = now() WHERE name = 'lavicky'`.execute(db());
      expect(await runSource(db(), local)).toMatchObject({ status: 'busy' });
      // a holder that died (no such process) loses the lease
      await sql`UPDATE etl_source_state SET running_by = ${`${hostname()}:999999999`} WHERE name = 'lavicky'`.execute(db());
      expect((await runSource(db(), local)).status).toBe('succeeded');
      const viaHttp = await runSource(db(), http);
      expect(viaHttp).toMatchObject({ status: 'succeeded', report: { inserted: 0, unchanged: 5 } });

      const t0 = Date.now();
      const failed = await runSource(db(), missing);
      expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/file not found/) });
      const st = (await sql<{ attempts: number; next_retry_at: Date; running_by: string | null }>`SELECT attempts, next_retry_at, running_by FROM etl_source_state WHERE name = 'chybi'`.execute(db())).rows[0]!;
      expect(st.attempts).toBe(1);
      expect(st.running_by).toBeNull();
      expect(new Date(st.next_retry_at).getTime() - t0).toBeGreaterThanOrEqual(backoffMs(1) - 1000);
      await runSource(db(), missing);
      expect(backoffMs(2)).toBe(2 * backoffMs(1));
      expect((await sql<{ attempts: number }>`SELECT attempts FROM etl_source_state WHERE name = 'chybi'`.execute(db())).rows[0]!.attempts).toBe(2);

      await sql`UPDATE etl_source_state SET last_success_at = now() - interval '30 hours' WHERE name = 'lavicky-http'`.execute(db());
      expect((await markStale(db(), sources)).sort()).toEqual(['chybi', 'lavicky-http']);
      process.env.ETL_SOURCES = cfg;
      const { io, out } = cliIo();
      expect(await runEtlCli(['sources'], db(), io)).toBe(0);
      expect(out.find((l) => l.startsWith('chybi'))).toMatch(/STALE\t2\t/);
      expect(await runEtlCli(['run-source', 'lavicky-http'], db(), cliIo().io)).toBe(0);
      expect(await runEtlCli(['run-source', 'nic'], db(), cliIo().io)).toBe(2);
      const api = await request(app.callback()).get('/api/etl/sources').expect(200);
      expect(api.body.sources.map((s: { name: string; stale: boolean }) => [s.name, s.stale])).toEqual([['lavicky', false], ['lavicky-http', false], ['chybi', true]]);
      expect(api.body.sources[2].lastError).toBe('missing.geojson: file not found');
      const runs = await sql<{ trigger: string }>`SELECT DISTINCT trigger FROM etl_run WHERE trigger LIKE 'schedule:%' ORDER BY 1`.execute(db());
      expect(runs.rows.map((r) => r.trigger)).toEqual(['schedule:chybi', 'schedule:lavicky', 'schedule:lavicky-http'].filter((t) => t !== 'schedule:chybi'));
    } finally {
      delete process.env.ETL_SOURCES;
      server.close();
    }
  });
});

/** windows-1250 for the Czech letters the Prague names use (Node has no cp1250 encoder). */
function encodeCp1250(s: string): Buffer {
  const map: Record<string, number> = { Š: 0x8a, š: 0x9a, Ť: 0x8d, ť: 0x9d, Ž: 0x8e, ž: 0x9e, Ľ: 0xbc, ľ: 0xbe, Á: 0xc1, á: 0xe1, Č: 0xc8, č: 0xe8, Ď: 0xcf, ď: 0xef, É: 0xc9, é: 0xe9, Ě: 0xcc, ě: 0xec, Í: 0xcd, í: 0xed, Ň: 0xd2, ň: 0xf2, Ó: 0xd3, ó: 0xf3, Ř: 0xd8, ř: 0xf8, Ú: 0xda, ú: 0xfa, Ů: 0xd9, ů: 0xf9, Ý: 0xdd, ý: 0xfd, Ö: 0xd6, ö: 0xf6, Ü: 0xdc, ü: 0xfc, Ä: 0xc4, ä: 0xe4, '–': 0x96 };
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (map[ch] !== undefined) out.push(map[ch]!);
    else throw new Error(`no windows-1250 byte for ${ch}`);
  }
  return Buffer.from(out);
}
