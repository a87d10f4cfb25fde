import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { sql } from 'kysely';
import { createUser } from '../../api/auth/users.ts';
import { startTestServer, type TestServer } from './server.ts';
import { browserAvailable, launchBrowser } from './browser.ts';
import { seriousAxeViolations } from './axe.ts';

type MapWindow = Window & { __geoportalMap: import('maplibre-gl').Map };

const SITES = 'stanoviste-trideneho-odpadu';
const PASSWORD = 'správné-heslo-123';
const NEW_NAME = 'Po úpravě – časová osa';

/** the names the map draws for one feature of the time-travel layer */
const drawnNames = (page: Page, fid: number) =>
  page.evaluate(
    ({ fid, layer }) => (window as unknown as MapWindow).__geoportalMap.queryRenderedFeatures({ layers: [`tt-${layer}-circle`] }).filter((f) => Number(f.id) === fid).map((f) => String(f.properties.nazev)),
    { fid, layer: SITES },
  );

/**
 * Issue 18.9 in the browser: a planner turns on the time travel, the slider (keyboard) goes back to
 * before an edit made through the API, the map draws the old state and the list names the change;
 * the list zooms to it; a swipe compares two states. Axe clean at 1366 and 360 px.
 */
describe.runIf(browserAvailable())('time travel on the planner map (Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-timetravel-e2e-'));
  let site: { fid: number; nazev: string; kod: number };

  beforeAll(async () => {
    s = await startTestServer(dataDir);
    site = (await sql<{ fid: number; nazev: string; kod: number }>`SELECT fid::int AS fid, nazev, municipality_code AS kod
      FROM layer_stanoviste_trideneho_odpadu WHERE nazev IS NOT NULL ORDER BY fid LIMIT 1`.execute(s.database.db)).rows[0]!;
    await createUser(s.database.db, 'planovac@chomutov.test', PASSWORD, { role: 'admin' });
    // the edit, through the API as the editor makes it, a second after the seed's moment
    await new Promise((r) => setTimeout(r, 1100));
    const login = await fetch(`${s.base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'planovac@chomutov.test', password: PASSWORD }) });
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const item = await fetch(`${s.base}/api/collections/${SITES}/items/${site.fid}`);
    const doc = (await item.json()) as { geometry: { coordinates: [number, number] } };
    const [x, y] = doc.geometry.coordinates;
    const res = await fetch(`${s.base}/api/collections/${SITES}/items/${site.fid}`, {
      method: 'PATCH',
      headers: { cookie, 'x-csrf-token': csrfToken, 'if-match': item.headers.get('etag')!, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ properties: { nazev: NEW_NAME }, geometry: { type: 'Point', coordinates: [x + 0.0004, y] } }),
    });
    expect(res.status, await res.text()).toBe(200);
    browser = await launchBrowser();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (const width of [1366, 360]) {
    it(`${width} px: the slider goes back before the edit, the map draws the old state, the list names the change and zooms to it`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(`${s.base}/planovani`);
        await page.locator('.map[data-ready="true"]').waitFor({ timeout: 60_000 });
        // the planner zooms to the chosen municipality
        await page.getByLabel('Obec', { exact: true }).selectOption(String(site.kod));
        await page.getByRole('checkbox', { name: 'Zobrazit vrstvu, jak vypadala k datu' }).check();
        await page.getByLabel('Vrstva', { exact: true }).selectOption(SITES);
        const slider = page.getByRole('slider', { name: /^Stav k/ });
        await slider.waitFor();
        const moments = ((await (await fetch(`${s.base}/api/collections/${SITES}/timeline`)).json()) as { moments: { at: string }[] }).moments;
        expect(moments.length).toBeGreaterThanOrEqual(2);
        const rendered = (at: string) => page.locator(`section[data-tt-rendered="${at}"]`).waitFor({ timeout: 90_000 });
        await rendered(moments.at(-1)!.at);

        // keyboard: one step back is the moment before the edit
        await slider.focus();
        await page.keyboard.press('ArrowLeft');
        await rendered(moments.at(-2)!.at);
        const list = page.getByRole('region', { name: /^Změny \(/ });
        const item = list.getByRole('button', { name: `Přiblížit: Změněno: ${NEW_NAME}` });
        await item.waitFor({ timeout: 20_000 });
        await expect.poll(() => page.getByTestId('changes-summary').textContent()).toBe('přidáno 0, změněno 1, odstraněno 0');

        // the list zooms to the feature; the map draws it as it was before the edit
        await item.click();
        await page.waitForFunction(() => { const m = (window as unknown as MapWindow).__geoportalMap; return m.getZoom() >= 15 && m.loaded() && !m.isMoving(); }, undefined, { timeout: 30_000 });
        await expect.poll(() => drawnNames(page, site.fid), { timeout: 30_000 }).toEqual([site.nazev]);
        // the highlight marks it as changed
        const marked = await page.evaluate(() => (window as unknown as MapWindow).__geoportalMap.queryRenderedFeatures({ layers: ['tt-changes-point'] }).map((f) => f.properties.change));
        expect(marked).toContain('changed');

        // End: the newest moment, the new name
        await slider.focus();
        await page.keyboard.press('End');
        await rendered(moments.at(-1)!.at);
        await expect.poll(() => drawnNames(page, site.fid), { timeout: 30_000 }).toEqual([NEW_NAME]);
        expect(await seriousAxeViolations(page)).toEqual([]);

        // the swipe between two states: the left before the edit, the right after
        await page.getByRole('checkbox', { name: 'Porovnat dva stavy posuvníkem' }).check();
        const left = page.getByRole('slider', { name: /^Stav k/ });
        await left.focus();
        await page.keyboard.press('ArrowLeft');
        await page.getByRole('region', { name: /^Mapa porovnání – levá strana/ }).first().waitFor();
        await page.getByRole('region', { name: /^Mapa porovnání – pravá strana/ }).first().waitFor();
        const swipe = page.getByRole('slider', { name: 'Posuvník porovnání' });
        await swipe.focus();
        await page.keyboard.press('ArrowRight');
        expect(Number(await swipe.inputValue())).toBeGreaterThan(50);
        await list.getByRole('button', { name: `Přiblížit: Změněno: ${NEW_NAME}` }).waitFor({ timeout: 20_000 });
        expect(await seriousAxeViolations(page)).toEqual([]);
        if (width === 360) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    }, 240_000);
  }
});
