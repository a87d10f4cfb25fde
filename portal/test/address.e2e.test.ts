import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestServer } from './server.ts';
import { browserAvailable, launchBrowser } from './browser.ts';
import { seriousAxeViolations } from './axe.ts';
import { createUser } from '../../api/auth/users.ts';
import type { Database } from '../../sql/connection.ts';

type MapWindow = Window & { __geoportalMap: import('maplibre-gl').Map };

/**
 * Issue 17, as a citizen: on a phone, type a street, pick an address, and the map flies there and
 * shows our own RÚIAN basemap (buildings, street names, house numbers) with no request leaving the machine.
 */
describe.runIf(browserAvailable())('address search on a phone in Chromium', () => {
  let stop: () => Promise<void>;
  let base: string;
  let database: Database;
  let browser: Browser;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-e2e-address-'));

  beforeAll(async () => {
    // the product as `npm start` runs it, seeded (synthetic Chomutov RÚIAN sample) by the ETL; no online basemap configured
    delete process.env.PUBLIC_ORTHOPHOTO_URL;
    delete process.env.PUBLIC_ZTM_URL;
    const s = await startTestServer(dataDir);
    stop = s.stop;
    base = s.base;
    database = s.database;
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

  it('shows the stored nearest address of a pasport point, without asking the reverse lookup', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    const items = (await (await fetch(`${base}/api/collections/stanoviste-trideneho-odpadu/items?limit=1000`)).json()) as { features: { id: number; properties: Record<string, unknown> }[] };
    const site = items.features.find((f) => typeof f.properties.adresni_misto === 'string')!;
    expect(site, 'a seeded container site near a synthetic address').toBeDefined();
    const reverse: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/api/search/reverse')) reverse.push(r.url()); });
    await page.goto(`${base}/?sel=stanoviste-trideneho-odpadu:${site.id}`);
    const row = page.locator('.detail dt', { hasText: /^Nejbližší adresa$/ });
    await row.waitFor({ timeout: 150_000 });
    expect(await row.count()).toBe(1);
    expect(await page.locator('.detail dd').allTextContents()).toContain(site.properties.adresni_misto);
    expect(reverse).toEqual([]);
    await page.close();
  });

  it('lets staff place a new feature at a searched address on a phone', async () => {
    await createUser(database.db, 'adresy-spravce@chomutov.test', 'heslo-spravce-adres', { role: 'admin' });
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: 'cs-CZ' });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/prihlaseni?next=/editor`);
    await page.getByLabel('E-mail').fill('adresy-spravce@chomutov.test');
    await page.getByLabel('Heslo').fill('heslo-spravce-adres');
    await page.getByRole('button', { name: 'Přihlásit se' }).click();
    await page.waitForURL(/\/editor/);
    await page.locator('.map[data-ready="true"]').waitFor({ timeout: 60_000 });
    await page.getByLabel('Vrstva').selectOption('stanoviste-trideneho-odpadu');

    const box = page.getByRole('combobox', { name: 'Umístit na adresu' });
    await box.fill('Husova 12');
    const option = page.getByRole('option', { name: /Husova 1234\/12, Chomutov/ });
    await option.waitFor();
    await option.tap();
    await expect.poll(async () => (await page.getByRole('status').allTextContents()).join(' | ')).toMatch(/Umístěno u adresy Husova 1234\/12, Chomutov/);
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.locator('#f-nazev').fill('U Husovy 12');
    await page.locator('#f-pristup').selectOption('volne');
    await page.getByRole('button', { name: 'Uložit' }).click();
    await expect.poll(() => page.locator('p.message').first().textContent(), { timeout: 20_000 }).toBe('Uloženo.');
    const fid = Number((await page.getByRole('heading', { name: /Vybraný prvek č\. \d+/ }).textContent())!.match(/\d+/)![0]);

    const address = ((await (await fetch(`${base}/api/search?q=${encodeURIComponent('Husova 1234/12')}&collections=adresni-mista`)).json()) as { hits: { point: [number, number] }[] }).hits[0]!.point;
    const item = (await (await fetch(`${base}/api/collections/stanoviste-trideneho-odpadu/items/${fid}`)).json()) as { geometry: { coordinates: [number, number] }; properties: Record<string, unknown> };
    expect(item.geometry.coordinates[0]).toBeCloseTo(address[0], 6);
    expect(item.geometry.coordinates[1]).toBeCloseTo(address[1], 6);
    expect(item.properties).toMatchObject({ nazev: 'U Husovy 12', adresni_misto: 'Husova 1234/12, Chomutov' });
    expect(errors).toEqual([]);
    await ctx.close();
  }, 180_000);
});
