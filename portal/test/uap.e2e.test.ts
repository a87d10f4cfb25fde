import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { sql } from 'kysely';
import { loadConfig } from '../../api/config.ts';
import { startServer } from '../../api/server.ts';
import { createUser } from '../../api/auth/users.ts';
import { deliverUap } from '../../etl/uap/deliver.ts';
import { gdalAvailable, SYNTHETIC_PROVIDER, writeSyntheticDelivery, type SyntheticFiles } from '../../etl/uap/test/synthetic-delivery.ts';
import { browserAvailable, ensurePortalBuild, launchBrowser } from './browser.ts';
import { seriousAxeViolations } from './axe.ts';

type MapWindow = Window & { __geoportalMap: import('maplibre-gl').Map };

const PASSWORD = 'heslo-odboru-uup-1';
const CHOMUTOV = 562971;

describe.runIf(browserAvailable() && gdalAvailable())('ÚAP in Chromium: the state page, its upload form and the planner', () => {
  let stop: () => Promise<void>;
  let base: string;
  let browser: Browser;
  let files: SyntheticFiles;
  let center: { lon: number; lat: number };
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-uap-e2e-'));

  beforeAll(async () => {
    ensurePortalBuild();
    const s = await startServer({ ...loadConfig({}), port: 0, host: '127.0.0.1', dataDir }, () => {});
    stop = s.stop;
    base = `http://127.0.0.1:${(s.server.address() as { port: number }).port}`;
    const { db } = s.database;
    files = writeSyntheticDelivery(dataDir);
    // the synthetic test delivery of jev 73 (zipped Shapefile, S-JTSK, windows-1250)
    await deliverUap(db, { provider: SYNTHETIC_PROVIDER, deliveredOn: '2026-11-20', isPublic: true, actor: 'test', synthetic: true, parts: [{ jev: 73, path: files.vedeniShpZip }] });
    center = (await sql<{ lon: number; lat: number }>`SELECT ST_X(ST_Centroid(ST_Collect(geom))) AS lon, ST_Y(ST_Centroid(ST_Collect(geom))) AS lat FROM layer_uap_linie`.execute(db)).rows[0]!;
    await createUser(db, 'uup@chomutov.test', PASSWORD, { role: 'plan_admin' });
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await stop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function pageAs(email: string | null) {
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'cs-CZ' });
    if (email) expect((await ctx.request.post(`${base}/api/auth/login`, { data: { email, password: PASSWORD } })).status()).toBe(200);
    return { ctx, page: await ctx.newPage() };
  }

  it('asks visitors to sign in and shows them no state', async () => {
    const { ctx, page } = await pageAs(null);
    await page.goto(`${base}/uap`);
    await page.getByText('Stránka je pro odbor územního plánování').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid=uap-state]').count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await ctx.close();
  });

  it('shows the planning department the delivered jev, takes a GeoPackage delivery through the form, and prints a summary', async () => {
    const { ctx, page } = await pageAs('uup@chomutov.test');
    await page.goto(`${base}/uap?obec=${CHOMUTOV}`);
    const row73 = page.locator('tr[data-jev="73"]');
    await row73.waitFor({ timeout: 60_000 });
    expect(await row73.getAttribute('data-status')).toBe('delivered');
    expect(await row73.textContent()).toContain(SYNTHETIC_PROVIDER);
    expect(await row73.textContent()).toContain('syntetická data');
    expect(await page.locator('tr[data-jev="72"]').getAttribute('data-status')).toBe('missing');
    await expect.poll(() => page.locator('.summary').textContent()).toContain('Předáno 1');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // the upload form posts the provider's GeoPackage to POST /api/uap/deliveries
    await page.getByLabel('Poskytovatel údajů').fill(SYNTHETIC_PROVIDER);
    await page.getByLabel(/^Jevy/).fill('72:stanice, 50:zaplavy');
    await page.getByLabel('Soubor', { exact: true }).setInputFiles(files.gpkg);
    await page.getByRole('button', { name: 'Předat' }).click();
    const status = page.locator('[data-testid=uap-upload-status]');
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/Předání č\. \d+ zaznamenáno: 4 prvků, jevy 72, 50/);
    await expect.poll(() => page.locator('tr[data-jev="72"]').getAttribute('data-status'), { timeout: 30_000 }).toBe('delivered');
    expect(await page.locator('tr[data-jev="50"]').getAttribute('data-status')).toBe('delivered');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // printed: the table stays, the controls and the form do not
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('[data-testid=uap-state] table').isVisible()).toBe(true);
    expect(await page.locator('[data-testid=uap-upload]').isVisible()).toBe(false);
    expect(await page.locator('nav#main-nav').isVisible()).toBe(false);
    await ctx.close();
  });

  it('draws the public ÚAP layers in the planner next to the land-use plan and infrastructure', async () => {
    const { ctx, page } = await pageAs(null);
    await page.goto(`${base}/planovani`);
    await page.waitForSelector('.map[data-ready="true"]', { timeout: 150_000 });
    const toggle = page.getByRole('checkbox', { name: 'ÚAP – linie', exact: true });
    expect(await toggle.isChecked()).toBe(true);
    expect(await page.getByRole('heading', { name: 'Územně analytické podklady' }).count()).toBeGreaterThan(0);
    await page.evaluate(([lon, lat]) => (window as unknown as MapWindow).__geoportalMap.jumpTo({ center: [lon!, lat!], zoom: 15 }), [center.lon, center.lat]);
    await page.waitForFunction(
      () => (window as unknown as MapWindow).__geoportalMap.queryRenderedFeatures({ layers: ['uap-linie-line'] }).some((f) => String(f.properties.nazev).startsWith('Syntetické')),
      undefined,
      { timeout: 60_000 },
    );
    expect(await seriousAxeViolations(page)).toEqual([]);
    await ctx.close();
  });
});
