import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { sql } from 'kysely';
import { startTestServer } from './server.ts';
import { createUser } from '../../api/auth/users.ts';
import { zipFiles } from '../../api/downloads/zip.ts';
import type { Database } from '../../sql/connection.ts';
import { browserAvailable, launchBrowser } from './browser.ts';
import { seriousAxeViolations } from './axe.ts';

type Win = Window & { __geoportalImportMap?: import('maplibre-gl').Map };

const LAYER = 'stanoviste-trideneho-odpadu';
const TABLE = 'layer_stanoviste_trideneho_odpadu';
const PASSWORD = 'heslo-importu-456';
const ADMIN = 'spravce@import-e2e.test';
const EDITOR = 'obec@import-e2e.test';
const FIXTURES = join(import.meta.dirname, '../../etl/test/fixtures');
const PRAGUE_GEOJSON = join(FIXTURES, 'praha_ipr_kontejnery_stanoviste_ZPK_O_Kont_TOstan_b_sjtsk.geojson');
const PARTS = ['kontejnery.shp', 'kontejnery.shx', 'kontejnery.dbf', 'kontejnery.prj', 'kontejnery.cpg'];
/** the whole Prague file as its vendor ships it (5,534 sites) needs GDAL to write the shapefile; CI installs it */
const HAVE_OGR2OGR = spawnSync('ogr2ogr', ['--version']).status === 0;
if (!HAVE_OGR2OGR && process.env.CI === 'true') throw new Error('ogr2ogr (Debian gdal-bin) is required under CI');

/** Issue 16 acceptance: a clerk's import in the portal — upload, preview, hold warning, progress, features on the map. */
describe.runIf(browserAvailable())('import from the portal in Chromium', () => {
  let stop: () => Promise<void>;
  let database: Database;
  let base: string;
  let browser: Browser;
  let codeA: number;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-import-e2e-'));
  const files = mkdtempSync(join(tmpdir(), 'geoportal-import-files-'));
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const s = await startTestServer(dataDir);
    stop = s.stop;
    database = s.database;
    base = s.base;
    const pick = await sql<{ code: number }>`SELECT municipality_code AS code FROM ${sql.raw(TABLE)} WHERE municipality_code IS NOT NULL
      GROUP BY municipality_code HAVING count(*) >= 3 ORDER BY count(*) DESC LIMIT 1`.execute(database.db);
    codeA = pick.rows[0]!.code;
    await createUser(database.db, ADMIN, PASSWORD, { role: 'admin' });
    await createUser(database.db, EDITOR, PASSWORD, { role: 'municipality_editor', municipalityCode: codeA });
    // the Prague container shapefile: all 5,534 sites, windows-1250, S-JTSK, as the vendor's GIS writes it;
    // without GDAL (outside CI) the 200-site cut of it kept among the fixtures
    let shpDir = join(FIXTURES, 'kontejnery_cp1250');
    if (HAVE_OGR2OGR) {
      shpDir = join(files, 'praha');
      mkdirSync(shpDir);
      const r = spawnSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-lco', 'ENCODING=CP1250', join(shpDir, 'kontejnery.shp'), PRAGUE_GEOJSON], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    } else console.warn('import.e2e: ogr2ogr missing, uploading the 200-site fixture instead of the whole Prague file');
    await zipFiles(join(files, 'kontejnery.zip'), PARTS.map((n) => ({ name: n, path: join(shpDir, n) })));
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stop?.();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  async function signIn(width: number, email: string): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width, height: 800 }, locale: 'cs-CZ' });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/prihlaseni`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Heslo').fill(PASSWORD);
    await page.getByRole('button', { name: 'Přihlásit se' }).click();
    // the staff navigation links the import
    await page.getByRole('link', { name: 'Import dat ze souboru' }).click();
    await page.waitForURL(/\/importy\/novy/);
    await page.getByRole('heading', { level: 1, name: 'Nový import dat' }).waitFor();
    return page;
  }

  async function previewFile(page: Page, paths: string[]) {
    await page.getByLabel('Vrstva').selectOption(LAYER);
    await page.getByLabel('Soubor(y)').setInputFiles(paths);
    await page.getByRole('button', { name: 'Nahrát a zobrazit náhled' }).click();
    await page.getByRole('heading', { level: 2, name: 'Náhled importu' }).waitFor({ timeout: 60_000 });
    await page.locator('.map[data-ready="true"]').waitFor({ timeout: 60_000 });
  }

  /** features of the preview drawn on the map (rendered, not only loaded) */
  async function renderedPreviewFeatures(page: Page): Promise<number> {
    return page.evaluate(() => {
      const m = (window as unknown as Win).__geoportalImportMap!;
      return m.queryRenderedFeatures({ layers: ['import-preview-point'] }).length;
    });
  }

  async function runAndWatch(page: Page) {
    const confirm = page.getByRole('button', { name: 'Potvrdit a spustit import' });
    await confirm.click();
    const bar = page.getByRole('progressbar', { name: 'Průběh importu' });
    await bar.waitFor();
    expect(Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(0);
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 60_000 }).toBe('100');
    await expect.poll(() => page.getByTestId('progress-text').textContent()).toMatch(/Import dokončen\./);
    expect(await bar.getAttribute('aria-valuetext')).toBe('Import dokončen.');
    const report = page.getByRole('link', { name: 'Zobrazit protokol importu' });
    return Number((await report.getAttribute('href'))!.match(/\/importy\/(\d+)/)![1]);
  }

  it('a municipality editor (360 px) imports their own containers: only that municipality changes, after an explicit choice on the hold', async () => {
    const { db } = database;
    const pts = await sql<{ x: number; y: number }>`SELECT ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y FROM layer_obce WHERE kod = ${codeA}`.execute(db);
    const far = await sql<{ x: number; y: number }>`SELECT ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y FROM layer_obce WHERE kod <> ${codeA} ORDER BY kod LIMIT 1`.execute(db);
    const { x, y } = pts.rows[0]!;
    const site = (i: number, at: [number, number]) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: at },
      properties: { OBJECTID: i, ID: 7000 + i, STATIONNUM: `S/${i}`, STATIONNAM: `Syntetické stanoviště ${i}`, CITYDISTRI: 0, CITYDIST_1: 'synthetic', PRISTUP: 'volně' },
    });
    // SYNTHETIC: same vendor columns as the Prague export, generated here; the last site lies in another municipality
    const file = join(files, 'kontejnery-obec-synthetic.geojson');
    writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', name: 'SYNTHETIC', features: [site(1, [x, y]), site(2, [x + 0.0002, y]), site(3, [x, y + 0.0002]), site(4, [far.rows[0]!.x, far.rows[0]!.y])] }));
    const before = (await sql<{ fid: string; content_hash: string }>`SELECT fid::text, content_hash FROM ${sql.raw(TABLE)} WHERE municipality_code IS DISTINCT FROM ${codeA} ORDER BY fid`.execute(db)).rows;

    const page = await signIn(360, EDITOR);
    await page.getByText(`Import se týká jen vaší obce (${codeA})`).waitFor();
    await previewFile(page, [file]);
    expect(await page.getByTestId('id-column').textContent()).toMatch(/^ID \(vybrán automaticky/);
    expect(await page.locator('#map-nazev').inputValue()).toBe('STATIONNAM');
    await expect.poll(() => renderedPreviewFeatures(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    const outcome = await page.getByTestId('outcome').textContent();
    expect(outcome).toMatch(/3\s*nové prvky/);
    expect(outcome).toMatch(/1\s*odmítnuté záznamy/);
    await page.getByText(/Odmítnuté záznamy a důvody/).click();
    await page.getByRole('cell', { name: /leží mimo obec/ }).waitFor();
    // the hold: A's earlier features are not in the file
    const held = page.getByTestId('held');
    await held.getByRole('heading', { name: 'Import by stáhl většinu vrstvy' }).waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Potvrdit a spustit import' }).isDisabled()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await held.getByLabel(/Ano, soubor nahrazuje celou vrstvu/).check();
    const runId = await runAndWatch(page);
    expect(await seriousAxeViolations(page)).toEqual([]);

    const inA = await sql<{ source_id: string }>`SELECT source_id FROM ${sql.raw(TABLE)} WHERE municipality_code = ${codeA} AND source_id NOT LIKE 'edit:%' ORDER BY source_id`.execute(db);
    expect(inA.rows.map((r) => r.source_id)).toEqual([7001, 7002, 7003].map((n) => `${codeA}:${n}`));
    expect((await sql<{ fid: string; content_hash: string }>`SELECT fid::text, content_hash FROM ${sql.raw(TABLE)} WHERE municipality_code IS DISTINCT FROM ${codeA} ORDER BY fid`.execute(db)).rows).toEqual(before);
    const run = await (await fetch(`${base}/api/etl/runs/${runId}`)).json();
    expect(run).toMatchObject({ status: 'succeeded', trigger: expect.stringMatching(/^portal:user:\d+$/), counts: { inserted: 3, rejected: 1 } });
    await page.context().close();
  }, 240_000);

  it('an administrator (1366 px) imports the zipped Prague shapefile without a mapping file: ID chosen, columns matched, hold, progress, features on the map', async () => {
    const page = await signIn(1366, ADMIN);
    await previewFile(page, [join(files, 'kontejnery.zip')]);
    expect(await page.getByTestId('format').textContent()).toBe('Shapefile (ZIP)');
    expect(await page.getByTestId('id-column').textContent()).toMatch(/^ID \(vybrán automaticky/);
    expect(await page.locator('#imp-id').inputValue()).toBe('ID');
    expect(await page.locator('#map-nazev').inputValue()).toBe('STATIONNAM');
    expect(await page.locator('#map-cislo_stanoviste').inputValue()).toBe('STATIONNUM');
    expect(await page.locator('#map-pristup').inputValue()).toBe('PRISTUP');
    await page.getByText('windows-1250').waitFor();
    await page.getByText('EPSG:5514').waitFor();
    // the first features on the map, in Prague
    await expect.poll(() => renderedPreviewFeatures(page), { timeout: 30_000 }).toBeGreaterThan(5);
    const center = await page.evaluate(() => (window as unknown as Win).__geoportalImportMap!.getCenter().toArray());
    expect(center[0]).toBeGreaterThan(14.2);
    expect(center[0]).toBeLessThan(14.7);
    expect(await page.locator('table.sample tbody tr').count()).toBe(10);
    // the file would withdraw the whole (seeded) layer: held with a clear warning and an explicit choice
    const held = page.getByTestId('held');
    await held.getByRole('heading', { name: 'Import by stáhl většinu vrstvy' }).waitFor();
    expect(await held.textContent()).toMatch(/would withdraw \d+ of \d+ features .*nic nebylo změněno/);
    const confirm = page.getByRole('button', { name: 'Potvrdit a spustit import' });
    expect(await confirm.isDisabled()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await held.getByLabel(/Ano, soubor nahrazuje celou vrstvu/).check();
    await page.getByLabel(/Uložit přiřazení pod názvem/).fill('IPR Praha – kontejnery');
    const runId = await runAndWatch(page);
    const run = await (await fetch(`${base}/api/etl/runs/${runId}`)).json();
    expect(run.status).toBe('succeeded');
    expect(run.counts.inserted).toBe(HAVE_OGR2OGR ? 5534 : 200);
    // the published features on the same map, from the layer's tiles
    await expect
      .poll(
        () =>
          page.evaluate((layer) => {
            const m = (window as unknown as Win).__geoportalImportMap!;
            return m.querySourceFeatures(layer, { sourceLayer: layer }).length;
          }, LAYER),
        { timeout: 30_000 },
      )
      .toBeGreaterThan(5);
    // the report
    await page.getByRole('link', { name: 'Zobrazit protokol importu' }).click();
    await page.getByRole('heading', { level: 1, name: `Import dat ${runId}` }).waitFor();
    expect(pageErrors).toEqual([]);
    await page.context().close();
  }, 240_000);
});
