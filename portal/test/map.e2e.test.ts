import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from './server.ts';
import { importFile } from '../../etl/import.ts';
import { browserAvailable, launchBrowser } from './browser.ts';
import { seriousAxeViolations } from './axe.ts';

type MapWindow = Window & { __geoportalMap: import('maplibre-gl').Map };

const XSS = '<img src=x onerror=alert(1)>';
// a point in Chomutov's centre (náměstí 1. máje)
const XSS_POINT: [number, number] = [13.4178, 50.4605];

const mapWin = (page: Page) => ({
  idle: () => page.waitForFunction(() => { const m = (window as unknown as MapWindow).__geoportalMap; return m.loaded() && !m.isMoving(); }),
  rendered: (layer: string) =>
    page.evaluate((l) => (window as unknown as MapWindow).__geoportalMap.queryRenderedFeatures({ layers: [l] }).map((f) => ({ id: Number(f.id), props: f.properties })), layer),
});

describe.runIf(browserAvailable())('portal map in Chromium', () => {
  let stop: () => Promise<void>;
  let base: string;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-e2e-'));

  beforeAll(async () => {
    // the whole product as `npm start` runs it: embedded database, seeded by the ETL, API + portal on one port
    // an optional online basemap, configured as an operator would; the test answers its tiles itself
    process.env.PUBLIC_ORTHOPHOTO_URL = '/__test-ortho/{z}/{x}/{y}.png';
    process.env.PUBLIC_ZTM_URL = '/__test-ztm/{z}/{x}/{y}.png';
    const s = await startTestServer(dataDir);
    stop = s.stop;
    // public information entered through the real ETL: one valid item whose title is an XSS attempt, one expired
    const file = join(dataDir, 'informace.geojson');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', id: 'xss-1', geometry: { type: 'Point', coordinates: XSS_POINT }, properties: { nazev: XSS, druh: 'uzavirka', popis: `popis ${XSS}`, platnost_od: '2020-01-01', platnost_do: '2099-12-31' } },
          { type: 'Feature', id: 'old-1', geometry: { type: 'Point', coordinates: [13.42, 50.462] }, properties: { nazev: 'Skončená akce', druh: 'udalost', platnost_od: '2019-01-01', platnost_do: '2019-01-02' } },
        ],
      }),
    );
    const report = await importFile(s.database.db, { path: file, layerId: 'verejne-informace', srid: 4326, allowWithdraw: true }); // replaces the seeded samples
    expect(report.rejects).toEqual([]);
    expect(report.inserted).toBe(2);
    base = s.base;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(base + '/');
    await page.waitForSelector('.map[data-ready="true"]', { timeout: 150_000 });
  }, 600_000);
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

  it('names the map for assistive technology and points to its text alternative', async () => {
    expect(await page.getAttribute('.map', 'aria-label')).toBe('Mapa ORP Chomutov');
    expect(await page.getAttribute('html', 'lang')).toBe('cs');
    const described = await page.getAttribute('.map', 'aria-describedby');
    expect(await page.locator(`#${described}`).textContent()).toContain('Seznam prvků v mapě');
  });

  it('builds the layer tree by theme with legends from the schemas', async () => {
    const tree = page.locator('#side');
    expect(await tree.getByRole('heading', { name: 'Odpady' }).count()).toBe(1);
    expect(await tree.getByRole('heading', { name: 'Hranice' }).count()).toBe(1);
    const legend = tree.getByRole('group', { name: 'Legenda: Stanoviště tříděného odpadu' });
    expect(await legend.textContent()).toContain('obyvatelům domu');
    expect(await tree.getByRole('slider', { name: 'Průhlednost vrstvy Stanoviště tříděného odpadu' }).count()).toBe(1);
  });

  it('shows only public information valid today', async () => {
    await page.evaluate((c) => (window as unknown as MapWindow).__geoportalMap.jumpTo({ center: c, zoom: 15 }), XSS_POINT);
    await mapWin(page).idle();
    const shown = (await mapWin(page).rendered('verejne-informace-circle')).map((f) => f.props.nazev);
    expect(shown).toEqual([XSS]);
  });

  it('renders a hostile attribute as text in the panel and the list, and runs nothing', async () => {
    const point = await page.evaluate((c) => (window as unknown as MapWindow).__geoportalMap.project(c), XSS_POINT);
    const box = (await page.locator('.map').boundingBox())!;
    await page.mouse.click(box.x + point.x, box.y + point.y);
    const panel = page.locator('aside.detail');
    await panel.waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('aside.detail dl')?.getAttribute('aria-busy') === 'false');
    expect(await panel.locator('h2').textContent()).toBe('Uzavírky a události');
    expect(await panel.textContent()).toContain(XSS);
    // the full record came from the API: the description is not in the tiles
    expect(await panel.textContent()).toContain(`popis ${XSS}`);
    expect(await panel.textContent()).toContain('uzavírka');
    await page.getByRole('button', { name: 'Zobrazit seznam prvků' }).click();
    const row = page.locator('table[data-layer="verejne-informace"] tbody tr');
    await row.first().waitFor();
    expect(await row.first().textContent()).toContain(XSS);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await page.getByRole('button', { name: 'Skrýt seznam prvků' }).click();
    await page.getByRole('button', { name: 'Zavřít' }).click();
  });

  it('shows the attributes of a clicked feature', async () => {
    const target = await page.evaluate(() => {
      const map = (window as unknown as MapWindow).__geoportalMap;
      map.fitBounds([[13.18, 50.348], [13.568, 50.619]], { duration: 0 });
      const f = map.queryRenderedFeatures({ layers: ['stanoviste-trideneho-odpadu-circle'] })[0]!;
      const [lon, lat] = (f.geometry as GeoJSON.Point).coordinates as [number, number];
      map.jumpTo({ center: [lon, lat], zoom: 17 });
      return { nazev: String(f.properties.nazev), lon, lat };
    });
    await mapWin(page).idle();
    const point = await page.evaluate(({ lon, lat }) => (window as unknown as MapWindow).__geoportalMap.project([lon, lat]), target);
    const box = (await page.locator('.map').boundingBox())!;
    await page.mouse.click(box.x + point.x, box.y + point.y);
    const panel = page.locator('aside.detail');
    await panel.waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('aside.detail dl')?.getAttribute('aria-busy') === 'false');
    expect(await panel.locator('h2').textContent()).toBe('Stanoviště tříděného odpadu');
    expect(await panel.textContent()).toContain(target.nazev);
    expect(await panel.textContent()).toContain('Přístup');
    // labels from the schema for attributes outside the tiles, and the municipality by name
    expect(await panel.textContent()).toContain('Poznámka');
    expect(await panel.locator('dt', { hasText: 'Obec' }).count()).toBe(1);
  });

  it('lists exactly the features drawn in the view, sortable, and selects from the list by keyboard', async () => {
    await page.evaluate(() => (window as unknown as MapWindow).__geoportalMap.zoomTo(15, { duration: 0 }));
    await mapWin(page).idle();
    await page.getByRole('button', { name: 'Zobrazit seznam prvků' }).click();
    const table = page.locator('table[data-layer="stanoviste-trideneho-odpadu"]');
    await table.waitFor();
    await page.waitForTimeout(300);
    const drawn = new Set((await mapWin(page).rendered('stanoviste-trideneho-odpadu-circle')).map((f) => f.id));
    const listed = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-fid'))));
    expect(drawn.size).toBeGreaterThan(0);
    expect(new Set(listed)).toEqual(drawn);
    expect(listed.length).toBe(drawn.size);
    // sorting by a column, announced by aria-sort
    const header = table.getByRole('button', { name: /Počet kontejnerů/ });
    await header.click();
    expect(await table.locator('th[aria-sort="ascending"]').count()).toBe(1);
    const counts = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => parseInt(r.children[3]!.textContent!, 10)).filter((n) => !Number.isNaN(n)));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    // keyboard: focus the first "Show" button and press Enter → the panel opens with focus on its heading
    const show = table.locator('tbody tr').first().getByRole('button');
    await show.focus();
    await page.keyboard.press('Enter');
    await page.locator('aside.detail').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('detail-title');
    await page.getByRole('button', { name: 'Skrýt seznam prvků' }).click();
  });

  it('puts position, layers and selection in a share link that restores them', async () => {
    await page.getByRole('checkbox', { name: 'Uzavírky a události', exact: true }).uncheck();
    await page.waitForFunction(() => location.search.includes('layers=') && location.search.includes('sel='));
    const url = page.url();
    const before = await page.evaluate(() => { const m = (window as unknown as MapWindow).__geoportalMap; return { c: m.getCenter().toArray(), z: m.getZoom() }; });
    const title = await page.locator('aside.detail .feature-name').textContent();
    const other = await browser.newPage({ viewport: { width: 1000, height: 760 } });
    await other.goto(url);
    await other.waitForSelector('.map[data-ready="true"]', { timeout: 150_000 });
    const after = await other.evaluate(() => { const m = (window as unknown as MapWindow).__geoportalMap; return { c: m.getCenter().toArray(), z: m.getZoom() }; });
    expect(after.z).toBeCloseTo(before.z, 1);
    expect(after.c[0]).toBeCloseTo(before.c[0]!, 4);
    expect(after.c[1]).toBeCloseTo(before.c[1]!, 4);
    expect(await other.getByRole('checkbox', { name: 'Uzavírky a události', exact: true }).isChecked()).toBe(false);
    expect(await other.getByRole('checkbox', { name: 'Stanoviště tříděného odpadu' }).isChecked()).toBe(true);
    await other.locator('aside.detail .feature-name').waitFor();
    expect(await other.locator('aside.detail .feature-name').textContent()).toBe(title);
    expect(await mapWin(other).rendered('verejne-informace-circle')).toHaveLength(0);
    await other.close();
    await page.getByRole('checkbox', { name: 'Uzavírky a události', exact: true }).check();
  });

  it('hides a layer when its toggle is switched off', async () => {
    const count = async () => (await mapWin(page).rendered('stanoviste-trideneho-odpadu-circle')).length;
    expect(await count()).toBeGreaterThan(0);
    await page.getByRole('checkbox', { name: 'Stanoviště tříděného odpadu' }).uncheck();
    await mapWin(page).idle();
    expect(await count()).toBe(0);
    await page.getByRole('checkbox', { name: 'Stanoviště tříděného odpadu' }).check();
    await mapWin(page).idle();
    expect(await count()).toBeGreaterThan(0);
  });

  it('finds a municipality with the keyboard and zooms the map to it', async () => {
    const input = page.getByRole('combobox', { name: 'Hledat obec nebo místo' });
    await input.fill('jirk');
    await page.getByRole('option', { name: /Jirkov/ }).waitFor();
    await input.press('ArrowDown');
    expect(await input.getAttribute('aria-activedescendant')).toBe('search-opt-0');
    await input.press('Enter');
    await page.waitForTimeout(1500);
    await mapWin(page).idle();
    const names = await page.evaluate(() => {
      const m = (window as unknown as MapWindow).__geoportalMap;
      const c = m.project(m.getCenter());
      return m.queryRenderedFeatures(c, { layers: ['obce-fill'] }).map((f) => String(f.properties.nazev));
    });
    expect(names).toContain('Jirkov');
  });

  it('measures a distance with the keyboard-only "add point at centre"', async () => {
    await page.evaluate(() => (window as unknown as MapWindow).__geoportalMap.jumpTo({ center: [13.4, 50.46], zoom: 14 }));
    await page.getByRole('button', { name: 'Měřit vzdálenost' }).click();
    await page.getByRole('button', { name: 'Přidat bod ve středu mapy' }).click();
    await page.evaluate(() => (window as unknown as MapWindow).__geoportalMap.jumpTo({ center: [13.41, 50.46] }));
    await page.getByRole('button', { name: 'Přidat bod ve středu mapy' }).click();
    // 0.01° of longitude at 50.46° N ≈ 709 m
    const text = (await page.getByTestId('measure-value').textContent())!;
    const metres = parseFloat(text.replace(/\s/g, '').replace(',', '.'));
    expect(metres).toBeGreaterThan(700);
    expect(metres).toBeLessThan(720);
    await page.getByRole('button', { name: 'Ukončit měření' }).click();
  });

  it('saves the current view as a PNG image', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Uložit jako obrázek' }).click()]);
    expect(download.suggestedFilename()).toBe('geoportal-chomutov.png');
    const path = await download.path();
    const bytes = readFileSync(path);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.length).toBeGreaterThan(5000); // a drawn map, not an empty canvas
  });

  it('"near me": flies to the granted position, explains a refusal politely', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1000, height: 760 }, geolocation: { latitude: 50.4605, longitude: 13.4178 }, permissions: ['geolocation'] });
    const p = await ctx.newPage();
    await p.goto(base + '/');
    await p.waitForSelector('.map[data-ready="true"]', { timeout: 150_000 });
    await p.getByRole('button', { name: 'V mém okolí' }).click();
    await p.waitForFunction(() => document.querySelector('[role=status][aria-live]')?.textContent === 'Mapa ukazuje vaše okolí.', null, { timeout: 20_000 });
    await mapWin(p).idle();
    const c = await p.evaluate(() => (window as unknown as MapWindow).__geoportalMap.getCenter().toArray());
    expect(c[0]).toBeCloseTo(13.4178, 3);
    expect(c[1]).toBeCloseTo(50.4605, 3);
    await ctx.close();
    const denied = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const d = await denied.newPage();
    await d.goto(base + '/');
    await d.waitForSelector('.map[data-ready="true"]', { timeout: 150_000 });
    await d.getByRole('button', { name: 'V mém okolí' }).click();
    await d.waitForFunction(() => document.querySelector('[role=status][aria-live]')?.textContent?.startsWith('Přístup k poloze jste nepovolili'), null, { timeout: 20_000 });
    await denied.close();
  });

  it('slides a configured online basemap under our layers and keeps them', async () => {
    const p = await browser.newPage({ viewport: { width: 1000, height: 760 } });
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    let tiles = 0;
    await p.route('**/__test-ortho/**', (r) => {
      tiles++;
      return r.fulfill({ contentType: 'image/png', body: png });
    });
    await p.goto(base + '/');
    await p.waitForSelector('.map[data-ready="true"]', { timeout: 150_000 });
    await p.getByRole('combobox', { name: 'Podkladová mapa' }).selectOption('ortho');
    await p.waitForFunction(() => location.search.includes('basemap=ortho'));
    await mapWin(p).idle();
    expect(tiles).toBeGreaterThan(0);
    expect(await mapWin(p).rendered('obce-fill').then((f) => f.length)).toBeGreaterThan(0);
    const order = await p.evaluate(() => (window as unknown as MapWindow).__geoportalMap.getStyle().layers.map((l) => l.id));
    expect(order.indexOf('basemap-ortho')).toBeLessThan(order.indexOf('obce-fill'));
    // ČÚZK's topographic base map (ZTM) is a second choice, with its own attribution
    let ztm = 0;
    await p.route('**/__test-ztm/**', (r) => {
      ztm++;
      return r.fulfill({ contentType: 'image/png', body: png });
    });
    const select = p.getByRole('combobox', { name: 'Podkladová mapa' });
    expect(await select.locator('option').allTextContents()).toEqual(['Základní (bez internetu)', 'Ortofoto ČÚZK', 'Základní topografická mapa ČÚZK']);
    await select.selectOption('ztm');
    await p.waitForFunction(() => location.search.includes('basemap=ztm'));
    await mapWin(p).idle();
    expect(ztm).toBeGreaterThan(0);
    const ids = await p.evaluate(() => (window as unknown as MapWindow).__geoportalMap.getStyle().layers.map((l) => l.id));
    expect(ids).toContain('basemap-ztm');
    expect(ids).not.toContain('basemap-ortho');
    await p.waitForFunction(() => document.querySelector('.maplibregl-ctrl-attrib')?.textContent?.includes('ČÚZK, ZTM'));
    await p.close();
  });

  it('has no serious or critical axe violations on the map page', async () => {
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('switches to English keeping the map where it is', async () => {
    await mapWin(page).idle();
    await page.waitForTimeout(400);
    const before = await page.evaluate(() => { const m = (window as unknown as MapWindow).__geoportalMap; (window as unknown as { __marker: boolean }).__marker = true; return { c: m.getCenter().toArray(), z: m.getZoom() }; });
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(new URL(page.url()).searchParams.get('lang')).toBe('en');
    expect(await page.getByRole('navigation', { name: 'Main navigation' }).textContent()).toContain('Planning');
    expect(await page.getByRole('checkbox', { name: 'Sorted waste container sites' }).count()).toBe(1);
    expect(await page.getAttribute('.map', 'aria-label')).toBe('Map of ORP Chomutov');
    const after = await page.evaluate(() => { const m = (window as unknown as MapWindow).__geoportalMap; return { marker: (window as unknown as { __marker?: boolean }).__marker, c: m.getCenter().toArray(), z: m.getZoom() }; });
    expect(after.marker).toBe(true); // no reload
    expect(after.z).toBeCloseTo(before.z, 2);
    expect(after.c[0]).toBeCloseTo(before.c[0]!, 4);
    // a fresh load of the English link restores the same view
    const other = await browser.newPage({ viewport: { width: 1000, height: 760 } });
    await other.goto(page.url());
    await other.waitForSelector('.map[data-ready="true"]', { timeout: 150_000 });
    expect(await other.getAttribute('html', 'lang')).toBe('en');
    const z = await other.evaluate(() => (window as unknown as MapWindow).__geoportalMap.getZoom());
    expect(z).toBeCloseTo(before.z, 1);
    expect(await seriousAxeViolations(other)).toEqual([]);
    await other.close();
  });

  it('fits a 360 px wide phone: no sideways scrolling, 44 px touch targets, collapsible panels', async () => {
    const phone = await browser.newPage({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    await phone.goto(base + '/');
    await phone.waitForSelector('.map[data-ready="true"]', { timeout: 150_000 });
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(await phone.locator('#side').isVisible()).toBe(false);
    const layersButton = phone.getByRole('button', { name: 'Vrstvy a legenda' });
    await layersButton.tap();
    expect(await phone.locator('#side').isVisible()).toBe(true);
    const small = await phone.evaluate(() =>
      [...document.querySelectorAll('#side button, #side input[type=checkbox], .bar button, header a, header button')]
        .filter((e) => (e as HTMLElement).offsetParent !== null)
        .map((e) => { const r = e.getBoundingClientRect(); const l = e.closest('label')?.getBoundingClientRect() ?? r; return { h: Math.max(r.height, l.height), w: Math.max(r.width, l.width), t: e.textContent }; })
        .filter((r) => r.h < 44 || r.w < 44),
    );
    expect(small).toEqual([]);
    expect(await seriousAxeViolations(phone)).toEqual([]);
    await phone.close();
  });
});
