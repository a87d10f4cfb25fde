import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestServer } from './server.ts';
import { browserAvailable, launchBrowser } from './browser.ts';

type MapWindow = Window & { __geoportalMap: import('maplibre-gl').Map };

/**
 * Issue 17, as a citizen: on a phone, type a street, pick an address, and the map flies there and
 * shows our own RÚIAN basemap (buildings, street names, house numbers) with no request leaving the machine.
 */
describe.runIf(browserAvailable())('address search on a phone in Chromium', () => {
  let stop: () => Promise<void>;
  let base: string;
  let browser: Browser;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-e2e-address-'));

  beforeAll(async () => {
    // the product as `npm start` runs it, seeded (synthetic Chomutov RÚIAN sample) by the ETL; no online basemap configured
    delete process.env.PUBLIC_ORTHOPHOTO_URL;
    delete process.env.PUBLIC_ZTM_URL;
    const s = await startTestServer(dataDir);
    stop = s.stop;
    base = s.base;
    browser = await launchBrowser();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await stop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('types "Husova", picks an address, flies there and draws buildings, street names and house numbers offline', async () => {
    const phone = await browser.newPage({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const requested: string[] = [];
    phone.on('request', (r) => requested.push(r.url()));
    await phone.goto(base + '/');
    await phone.waitForSelector('.map[data-ready="true"]', { timeout: 150_000 });

    const input = phone.getByRole('combobox', { name: 'Hledat obec nebo místo' });
    await input.tap();
    await input.fill('Husova');
    const option = phone.getByRole('option', { name: /Husova 1223\/1, Chomutov/ });
    await option.waitFor();
    await option.tap();

    const target = ((await (await fetch(`${base}/api/search?q=${encodeURIComponent('Husova 1223/1')}`)).json()) as { hits: { point: [number, number] }[] }).hits[0]!.point;
    await phone.waitForFunction(() => { const m = (window as unknown as MapWindow).__geoportalMap; return m.getZoom() >= 17 && !m.isMoving() && m.loaded(); }, undefined, { timeout: 30_000 });
    const view = await phone.evaluate(() => { const m = (window as unknown as MapWindow).__geoportalMap; return { c: m.getCenter().toArray(), z: m.getZoom() }; });
    expect(Math.abs(view.c[0]! - target[0])).toBeLessThan(0.0005);
    expect(Math.abs(view.c[1]! - target[1])).toBeLessThan(0.0005);

    const rendered = (layer: string, prop: string) =>
      phone.evaluate(([l, p]) => (window as unknown as MapWindow).__geoportalMap.queryRenderedFeatures({ layers: [l!] }).map((f) => String(f.properties[p!])), [layer, prop]);
    await phone.waitForFunction(() => (window as unknown as MapWindow).__geoportalMap.queryRenderedFeatures({ layers: ['adresni-mista-label'] }).length > 0, undefined, { timeout: 30_000 });
    expect((await rendered('stavebni-objekty-fill', 'kod')).length).toBeGreaterThan(0);
    expect(await rendered('ulice-label', 'nazev')).toContain('Husova');
    expect(await rendered('adresni-mista-label', 'cislo')).toContain('1223/1');
    // everything came from this server (or the page itself)
    expect(requested.filter((u) => !u.startsWith(base) && !/^(data|blob):/.test(u))).toEqual([]);
    await phone.close();
  });

  it('names the nearest address of an identified feature in its panel', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    // a city-owned plot (a polygon around a building): its nearest address is that building's
    const items = (await (await fetch(`${base}/api/collections/pozemky-mesta/items?limit=1`)).json()) as { features: { id: number; geometry: GeoJSON.Polygon | GeoJSON.MultiPolygon }[] };
    const plot = items.features[0]!;
    const coords = (plot.geometry.type === 'Polygon' ? plot.geometry.coordinates : plot.geometry.coordinates[0]!)[0]!;
    const xs = coords.map((c) => c[0]!);
    const ys = coords.map((c) => c[1]!);
    const centre = [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
    const expected = ((await (await fetch(`${base}/api/search/reverse?lon=${centre[0]!.toFixed(7)}&lat=${centre[1]!.toFixed(7)}&maxDistance=150`)).json()) as { hit: { title: string } }).hit.title;
    expect(expected).toMatch(/, Chomutov$/);
    await page.goto(`${base}/?sel=pozemky-mesta:${plot.id}`);
    const line = page.getByTestId('nearest-address');
    await line.waitFor({ timeout: 150_000 });
    expect(await line.textContent()).toContain(expected);
    expect(await page.locator('.detail dt', { hasText: 'Nejbližší adresa' }).count()).toBe(1);
    await page.close();
  });
});
