import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from './server.ts';
import { writeBatch } from '../../etl/sensors/store.ts';
import { loadAlertRules } from '../../etl/sensors/alerts.ts';
import { getLayer } from '../../schemas/index.ts';
import { browserAvailable, launchBrowser } from './browser.ts';
import { seriousAxeViolations } from './axe.ts';

/**
 * Issue 18.8: every page, switched between Czech and English with the header's
 * switch, shows no text of the other language. What "text of the other
 * language" means here is a short list of UI words per language (below) plus
 * uPlot's English defaults: the check finds these, not every foreign word.
 * Names in the data (municipalities, streets, sensors) are Czech on English
 * pages by design and are not in the lists; code samples (<pre>) and text
 * marked with another `lang` (the switch itself) are left out.
 */

const CHOMUTOV = 562971;
const SITES = 'stanoviste-trideneho-odpadu';
/** a whole word or phrase (letters with diacritics count as letters, which `\b` does not know) */
const word = (w: string, flags = 'u') => new RegExp(`(?<!\\p{L})${w}(?!\\p{L})`, flags);

const ENGLISH_ON_CS: RegExp[] = [
  ...['Loading', 'Page not found', 'Internal Error', 'Sign in', 'Search', 'Download', 'Layers', 'Legend', 'Close', 'Save', 'Time', 'average', 'Error', 'the', 'and', 'of', 'Go back'].map((w) => word(w)),
  word('Not Found', 'iu'),
  /\d ?(am|pm)(?!\p{L})/iu,
];
const CZECH_ON_EN: RegExp[] = [
  'Načítám', 'Stránka nenalezena', 'Mapa', 'Vrstvy', 'Legenda', 'Zavřít', 'Hledat', 'stáhnout', 'Stáhnout', 'Přihlásit', 'Uložit', 'Čas', 'průměr',
  'Zpět', 'volně', 'ano', 'Obec', 'Přehled', 'Výstrahy', 'Veličina', 'Období', 'Chyba', 'nebo', 'jsou',
].map((w) => word(w));

/** Visible text of the page without code samples and without parts marked as another language. */
async function visibleText(page: Page, lang: 'cs' | 'en'): Promise<string> {
  return page.evaluate((l) => {
    const clone = document.body.cloneNode(true) as HTMLElement;
    for (const el of clone.querySelectorAll('pre, code, script, style, [hidden]')) el.remove();
    for (const el of clone.querySelectorAll('[lang]')) if (el.getAttribute('lang') !== l) el.remove();
    // innerText needs layout: measure the clone in the document, off screen
    clone.style.position = 'absolute';
    clone.style.left = '-99999px';
    document.documentElement.appendChild(clone);
    const text = clone.innerText;
    clone.remove();
    return text;
  }, lang);
}

function foreign(text: string, lang: 'cs' | 'en'): string[] {
  const out: string[] = [];
  for (const re of lang === 'cs' ? ENGLISH_ON_CS : CZECH_ON_EN) {
    const m = re.exec(text);
    if (m) out.push(`${re.source} in “${text.slice(Math.max(0, m.index - 30), m.index + 30).replace(/\s+/g, ' ')}”`);
  }
  return out;
}

/** Waits until the page has loaded what it loads in the browser (no busy region, no "loading" text). */
async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('load');
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]') && !/Načítám|Loading/.test(document.body.innerText), undefined, { timeout: 30_000 });
}

interface ChartCheck {
  x: string[];
  y: string[];
  /** labels wider than the space uPlot gave their axis */
  clipped: string[];
  plotWidth: number;
  boxWidth: number;
  legend: string;
}

/** The drawn chart's axis labels (canvas text, so read from uPlot) and whether each fits its axis. */
async function chartLabels(page: Page): Promise<ChartCheck> {
  return page.evaluate(() => {
    type Axis = { _values: string[] | null; _size: number; font: [string, number, number] | string; side: number };
    const u = (window as unknown as { __geoportalChart: { axes: Axis[]; ctx: CanvasRenderingContext2D; width: number; root: HTMLElement } }).__geoportalChart;
    const [xa, ya] = u.axes as [Axis, Axis];
    const font = Array.isArray(ya.font) ? ya.font[0] : ya.font;
    const ctx = document.createElement('canvas').getContext('2d')!;
    ctx.font = font;
    // a vertical axis: each label plus the tick (10 px) and gap (5 px) fits in its width
    const clipped = (ya._values ?? []).filter((v) => ctx.measureText(v).width + 15 > ya._size);
    const rows = Math.max(1, ...(xa._values ?? []).map((v) => String(v).split('\n').length));
    if (rows * 12 * 1.5 + 15 > xa._size) clipped.push(`x axis: ${rows} rows in ${xa._size}px`);
    return {
      x: (xa._values ?? []).map(String),
      y: (ya._values ?? []).map(String),
      clipped,
      plotWidth: u.width,
      boxWidth: (document.querySelector('.plot') as HTMLElement).clientWidth,
      legend: (document.querySelector('.u-legend') as HTMLElement | null)?.innerText ?? '',
    };
  });
}

describe.runIf(browserAvailable())('portal language: Czech and English pages show no text of the other language (Chromium)', () => {
  let stop: () => Promise<void>;
  let base: string;
  let browser: Browser;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-language-'));
  const pageErrors: string[] = [];

  const PAGES = ['/', '/data', `/data/${SITES}`, '/senzory', `/senzory/obec/${CHOMUTOV}`, '/obec', `/obec/${CHOMUTOV}`, '/planovani', '/informace', '/prihlaseni', '/editor', '/sprava', '/tato-stranka-neexistuje'];

  beforeAll(async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    process.env.MQTT_EMBEDDED_PORT = String(port);
    const s = await startTestServer(dataDir);
    delete process.env.MQTT_EMBEDDED_PORT;
    stop = s.stop;
    // a day of hourly air pressure (values over 1 000 hPa: the long labels that were cut off)
    const now = Date.now();
    const rows = Array.from({ length: 24 }, (_, i) => ({ sensorId: 'CV-PM-01', quantity: 'air_pressure', time: new Date(now - (24 - i) * 3_600_000), value: 1008 + (i % 7) * 1.35 }));
    await writeBatch(s.database.db, rows, [], loadAlertRules());
    base = s.base;
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await stop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('1366 px: every page, switched cs → en → cs with the header switch; 404 in both languages; axe clean', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
    const found: string[] = [];
    const a11y: string[] = [];
    try {
      for (const path of PAGES) {
        await page.goto(base + path);
        for (const [step, lang] of (['cs', 'en', 'cs'] as const).entries()) {
          if (step > 0) {
            await page.locator('header a.lang').click();
            await page.waitForURL((u) => (u.searchParams.get('lang') === 'en') === (lang === 'en'));
          }
          await settled(page);
          expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
          for (const f of foreign(await visibleText(page, lang), lang)) found.push(`${path} (${lang}): ${f}`);
          if (step < 2) a11y.push(...(await seriousAxeViolations(page)).map((v) => `${path} (${lang}): ${v}`));
        }
      }
      expect(found).toEqual([]);
      expect(a11y).toEqual([]);

      // the 404 page speaks the page language
      const r = await page.goto(`${base}/tato-stranka-neexistuje`);
      expect(r?.status()).toBe(404);
      expect(await page.locator('h1').textContent()).toBe('Stránka nenalezena');
      await page.goto(`${base}/tato-stranka-neexistuje?lang=en`);
      expect(await page.locator('h1').textContent()).toBe('Page not found');
      expect(pageErrors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 600_000);

  for (const width of [1366, 360]) {
    it(`${width} px: the sensor chart's axes and legend are in the page language and no label is cut off`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        for (const lang of ['cs', 'en'] as const) {
          await page.goto(`${base}/senzory${lang === 'en' ? '?lang=en' : ''}`);
          await page.locator('table.sensors tbody tr[data-sensor="CV-PM-01"] button').click();
          await page.locator('.chart select').selectOption('air_pressure');
          await page.waitForFunction(() => !!(window as unknown as { __geoportalChart?: unknown }).__geoportalChart && !!document.querySelector('.plot canvas'));
          await expect.poll(async () => (await chartLabels(page)).y.some((v) => /hPa/.test(v)), { timeout: 15_000 }).toBe(true);
          const c = await chartLabels(page);
          // hours on the 24-hour clock, the day where it changes; never "9:00am"
          expect(c.x.length).toBeGreaterThan(1);
          for (const v of c.x) expect(v).toMatch(lang === 'cs' ? /^(\d{1,2}\.\s?\d{1,2}\.\n)?\d{2}:\d{2}$/ : /^(\d{1,2}\s[A-Z][a-z]{2}\n)?\d{2}:\d{2}$/);
          for (const v of c.y) expect(v).toMatch(lang === 'cs' ? /^\d[\d\s]*(,\d+)? hPa$/ : /^\d[\d,]*(\.\d+)? hPa$/);
          expect(c.clipped).toEqual([]);
          expect(c.plotWidth).toBeLessThanOrEqual(c.boxWidth);
          expect(c.legend).toContain(lang === 'cs' ? 'Čas' : 'Time');
          expect(foreign(c.legend, lang)).toEqual([]);
          expect(foreign(await visibleText(page, lang), lang)).toEqual([]);
        }
        expect(await seriousAxeViolations(page)).toEqual([]);
      } finally {
        await page.close();
      }
    }, 180_000);
  }

  it('dataset preview shows code-list labels, not raw codes', async () => {
    const layer = getLayer(SITES)!;
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    try {
      for (const lang of ['cs', 'en'] as const) {
        await page.goto(`${base}/data/${SITES}${lang === 'en' ? '?lang=en' : ''}`);
        await page.locator('table.data tbody tr').first().waitFor({ timeout: 30_000 });
        // rows of cells: the feature id, then the attributes in schema order
        const rows = await page.locator('table.data tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
        const raw: string[] = [];
        let labelled = 0;
        layer.attributes.forEach((a, i) => {
          if (a.type !== 'code') return;
          for (const r of rows) {
            const cell = r[i + 1]!;
            if (a.codeList.some((c) => c.code === cell && c.label[lang] !== cell)) raw.push(`${a.name}: ${cell}`);
            if (a.codeList.some((c) => c.label[lang] === cell)) labelled++;
          }
        });
        expect(raw).toEqual([]);
        expect(labelled).toBeGreaterThan(0);
      }
    } finally {
      await page.close();
    }
  }, 120_000);

  it('/data?q= and /data?obec= open the list filtered, and the filter stays in the address', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    try {
      const all = (await (await fetch(`${base}/api/catalog/portal.json`)).json()) as { datasets: { id: string; municipalities: { kod: number }[] }[] };
      await page.goto(`${base}/data`);
      await page.locator('li.dataset').first().waitFor({ timeout: 30_000 });
      const total = await page.locator('li.dataset').count();
      expect(total).toBe(all.datasets.length);

      await page.goto(`${base}/data?q=odpad`);
      await page.locator('li.dataset').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('#data-q').inputValue()).toBe('odpad');
      const shown = await page.locator('li.dataset').count();
      expect(shown).toBeGreaterThan(0);
      expect(shown).toBeLessThan(total);

      const inChomutov = all.datasets.filter((d) => d.municipalities.some((m) => m.kod === CHOMUTOV)).map((d) => d.id).sort();
      // from the municipality page's own link
      await page.goto(`${base}/obec/${CHOMUTOV}`);
      await page.locator(`a[href^="/data?obec=${CHOMUTOV}"]`).click();
      await page.waitForURL((u) => u.pathname === '/data');
      await page.locator('li.dataset').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('#facet-municipality').inputValue()).toBe(String(CHOMUTOV));
      expect((await page.locator('li.dataset').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!))).sort()).toEqual(inChomutov);
      expect(inChomutov.length).toBeLessThan(total);

      // a filter chosen on the page is written to the address, so a reload keeps it
      await page.locator('#data-q').fill('strom');
      await page.waitForURL((u) => u.searchParams.get('q') === 'strom' && u.searchParams.get('obec') === String(CHOMUTOV));
      await page.reload();
      await page.locator('#data-q').waitFor();
      expect(await page.locator('#data-q').inputValue()).toBe('strom');
    } finally {
      await page.close();
    }
  }, 120_000);
});
