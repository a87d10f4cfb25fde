import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../api/config.ts';
import { startServer } from '../../api/server.ts';
import { browserAvailable, ensurePortalBuild, launchBrowser } from './browser.ts';
import { seriousAxeViolations } from './axe.ts';

/**
 * Issue 18.6 in the browser: /informace lists closures and events of the three geometries (seeded
 * synthetic samples), with "now / planned / past" in the address, the calendar and news feeds
 * linked, and the map opening a closed street section from the list.
 */
interface Fc { features: { id: number; geometry: { type: string }; properties: { nazev: string; collection: string } }[] }

describe.runIf(browserAvailable())('closures and events page and the municipality dashboard (Chromium)', () => {
  let stop: () => Promise<void>;
  let base: string;
  let browser: Browser;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-closures-'));
  const errors: string[] = [];
  const api = async (when: string) => ((await (await fetch(`${base}/api/public-information?when=${when}`)).json()) as Fc).features;

  beforeAll(async () => {
    ensurePortalBuild();
    // as `npm start` runs it: seeded by the ETL, which brings the synthetic closures and events
    const s = await startServer({ ...loadConfig({}), port: 0, host: '127.0.0.1', dataDir }, () => {});
    stop = s.stop;
    base = `http://127.0.0.1:${(s.server.address() as { port: number }).port}`;
    browser = await launchBrowser();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await stop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (const width of [1366, 360]) {
    it(`${width} px: now / planned / past, places, sections and areas, feeds linked; axe clean`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(`${base}/informace`);
        await page.getByRole('heading', { level: 1, name: 'Uzavírky a události' }).waitFor();
        const titles = () => page.locator('li.item h2').allTextContents();
        for (const [label, when, kdy] of [['Platí nyní', 'now', null], ['Plánované', 'planned', 'planovane'], ['Proběhlé', 'past', 'probehle']] as const) {
          await page.getByRole('navigation', { name: 'Zobrazit' }).getByRole('link', { name: label, exact: true }).click();
          await expect.poll(() => new URL(page.url()).searchParams.get('kdy')).toBe(kdy);
          const expected = (await api(when)).map((f) => f.properties.nazev);
          expect(expected.length, when).toBeGreaterThan(0);
          await expect.poll(titles, { timeout: 20_000 }).toEqual(expected);
          expect(await page.getByRole('navigation', { name: 'Zobrazit' }).getByRole('link', { name: label, exact: true }).getAttribute('aria-current')).toBe('page');
          expect(await seriousAxeViolations(page)).toEqual([]);
        }
        // a reload keeps the choice; every sample is labelled as such and the shapes are named
        await page.reload();
        await expect.poll(titles, { timeout: 20_000 }).toEqual((await api('past')).map((f) => f.properties.nazev));
        await page.getByRole('link', { name: 'Platí nyní', exact: true }).click();
        await expect.poll(titles, { timeout: 20_000 }).toEqual((await api('now')).map((f) => f.properties.nazev));
        for (const t of await titles()) expect(t).toMatch(/\(ukázka\)$/);
        const metas = (await page.locator('li.item .meta').allTextContents()).join(' ');
        for (const shape of ['místo', 'úsek', 'plocha']) expect(metas).toContain(shape);

        // the feeds the page links answer with their formats
        for (const [name, type] of [['Kalendář (iCalendar)', /text\/calendar/], ['RSS', /application\/rss\+xml/], ['Atom', /application\/atom\+xml/]] as const) {
          const href = await page.getByRole('link', { name, exact: true }).getAttribute('href');
          const r = await fetch(new URL(href!, base));
          expect(r.status, name).toBe(200);
          expect(r.headers.get('content-type'), name).toMatch(type);
        }
        expect(await page.locator('link[rel="alternate"][type="application/atom+xml"]').count()).toBe(1);

        // a closed street section opens on the map with its panel
        const section = page.locator('li.item[data-collection="verejne-informace-useky"]').first();
        const name = (await section.locator('h2').textContent())!;
        await section.getByRole('link', { name: /Na mapě/ }).click();
        const panel = page.locator('aside.detail');
        await panel.waitFor({ timeout: 60_000 });
        await expect.poll(() => panel.locator('.feature-name').textContent(), { timeout: 30_000 }).toBe(name);
        expect(await panel.locator('h2').textContent()).toBe('Uzavírky a události – úseky');
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    }, 240_000);
  }

  for (const width of [1366, 360]) {
    it(`${width} px: the municipality dashboard shows the summary API's numbers (issue 18.7); axe clean`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        const kod = 562971;
        const s = (await (await fetch(`${base}/api/municipalities/${kod}/summary`)).json()) as {
          infrastructure: { layer: string; total: number }[]; changes: { total: number }; closures: { now: number; planned: number; items: { nazev: string }[] };
          alerts: { open: number }; freshness: { layer: string }[]; datasets: { id: string }[];
        };
        await page.goto(`${base}/obec/${kod}`);
        await page.getByRole('heading', { level: 1, name: 'Obec Chomutov' }).waitFor();
        await page.getByTestId('closures-count').waitFor({ timeout: 60_000 });
        expect(await page.getByTestId('closures-count').textContent()).toBe(`Platí nyní: ${s.closures.now} · plánované: ${s.closures.planned}`);
        expect(s.closures.now).toBeGreaterThan(0);
        expect(await page.locator('ul.closures li a').allTextContents()).toEqual(s.closures.items.map((i) => i.nazev));
        expect(await page.getByTestId('alerts-open').textContent()).toBe(`Aktivní výstrahy: ${s.alerts.open}`);
        for (const x of s.infrastructure) {
          const shown = Number((await page.locator(`tr[data-layer="${x.layer}"] td`).first().textContent())!.replace(/\D/g, ''));
          expect(shown, x.layer).toBe(x.total);
        }
        // the seed wrote every sample today: the changes of 30 days are all seeded features
        expect(Number((await page.getByTestId('changes-total').textContent())!.replace(/\D/g, ''))).toBe(s.changes.total);
        expect(await page.locator('tr[data-fresh]').count()).toBe(s.freshness.length);
        expect(await page.locator('tr[data-fresh="stanoviste-trideneho-odpadu"] td').last().textContent()).toBe('aktuální');
        expect(await page.locator('li[data-dataset]').evaluateAll((els) => els.map((e) => e.getAttribute('data-dataset')))).toEqual(s.datasets.map((d) => d.id));
        const gj = await page.locator('li[data-dataset="stanoviste-trideneho-odpadu"] a', { hasText: 'GEOJSON' }).getAttribute('href');
        expect((await fetch(new URL(gj!, base))).status).toBe(200);
        expect(await seriousAxeViolations(page)).toEqual([]);
        // nothing wider than the phone's screen
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    }, 240_000);
  }
});
