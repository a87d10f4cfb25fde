import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../api/config.ts';
import { startServer } from '../../api/server.ts';
import { browserAvailable, ensurePortalBuild, launchBrowser } from './browser.ts';

type MapWindow = Window & { __geoportalMap: import('maplibre-gl').Map };

describe.runIf(browserAvailable())('portal map in Chromium', () => {
  let stop: () => Promise<void>;
  let base: string;
  let browser: Browser;
  let page: Page;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-e2e-'));

  beforeAll(async () => {
    ensurePortalBuild();
    // the whole product as `npm start` runs it: embedded database, seeded by the ETL, API + portal on one port
    const config = { ...loadConfig({}), port: 0, host: '127.0.0.1', dataDir };
    const s = await startServer(config, () => {});
    stop = s.stop;
    const addr = s.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
    await page.goto(base + '/');
    await page.waitForSelector('.map[data-ready="true"]', { timeout: 60_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await stop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('draws all 25 municipalities and the pasport layer from our vector tiles', async () => {
    const drawn = await page.evaluate(() => {
      const map = (window as unknown as MapWindow).__geoportalMap;
      const obce = new Set(map.queryRenderedFeatures({ layers: ['obce-fill'] }).map((f) => f.properties.kod));
      const sites = map.queryRenderedFeatures({ layers: ['stanoviste-trideneho-odpadu-circle'] });
      return { obce: obce.size, sites: sites.length };
    });
    expect(drawn.obce).toBe(25);
    expect(drawn.sites).toBeGreaterThan(100);
  });

  it('names the map for assistive technology', async () => {
    expect(await page.getAttribute('.map', 'aria-label')).toBe('Mapa ORP Chomutov');
    expect(await page.getAttribute('html', 'lang')).toBe('cs');
  });

  it('shows the attributes of a clicked feature', async () => {
    const target = await page.evaluate(() => {
      const map = (window as unknown as MapWindow).__geoportalMap;
      const f = map.queryRenderedFeatures({ layers: ['stanoviste-trideneho-odpadu-circle'] })[0]!;
      const [lon, lat] = (f.geometry as GeoJSON.Point).coordinates as [number, number];
      map.jumpTo({ center: [lon, lat], zoom: 17 });
      return { nazev: String(f.properties.nazev), lon, lat };
    });
    await page.waitForFunction(() => (window as unknown as MapWindow).__geoportalMap.loaded());
    const point = await page.evaluate(({ lon, lat }) => (window as unknown as MapWindow).__geoportalMap.project([lon, lat]), target);
    const box = (await page.locator('.map').boundingBox())!;
    await page.mouse.click(box.x + point.x, box.y + point.y);
    const panel = page.locator('aside.detail');
    await panel.waitFor({ timeout: 10_000 });
    expect(await panel.locator('h2').textContent()).toBe('Stanoviště tříděného odpadu');
    expect(await panel.textContent()).toContain(target.nazev);
    expect(await panel.textContent()).toContain('Přístup');
  });

  it('hides a layer when its toggle is switched off', async () => {
    const count = () => page.evaluate(() => (window as unknown as MapWindow).__geoportalMap.queryRenderedFeatures({ layers: ['stanoviste-trideneho-odpadu-circle'] }).length);
    expect(await count()).toBeGreaterThan(0);
    await page.getByRole('checkbox', { name: 'Stanoviště tříděného odpadu' }).uncheck();
    await page.waitForFunction(() => (window as unknown as MapWindow).__geoportalMap.loaded());
    expect(await count()).toBe(0);
  });
});
