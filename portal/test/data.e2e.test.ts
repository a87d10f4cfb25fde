import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from './server.ts';
import { browserAvailable, launchBrowser } from './browser.ts';

const require = createRequire(import.meta.url);

describe.runIf(browserAvailable())('open-data pages (/data) in Chromium', () => {
  let stop: () => Promise<void>;
  let base: string;
  let browser: Browser;
  let page: Page;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-data-e2e-'));

  beforeAll(async () => {
    const s = await startTestServer(dataDir);
    stop = s.stop;
    base = s.base;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await stop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const titles = () => page.locator('li.dataset h3').allTextContents();

  it('finds datasets with diacritics-insensitive search and narrows them by a facet', async () => {
    await page.goto(base + '/data');
    await page.waitForSelector('li.dataset');
    const everything = await titles();
    expect(everything.length).toBeGreaterThanOrEqual(2);
    // typed without diacritics, found with them
    await page.getByLabel('Hledat v datových sadách').fill('trideneho odpadu');
    await expect.poll(titles).toEqual(['Stanoviště tříděného odpadu']);
    await page.getByLabel('Hledat v datových sadách').fill('');
    await expect.poll(async () => (await titles()).length).toBe(everything.length);
    // a facet: the theme "Regions and cities" (REGI) keeps the municipalities, the frequency "monthly" keeps the waste sites
    await page.selectOption('#facet-frequency', 'MONTHLY');
    const monthly = await titles();
    expect(monthly).toContain('Stanoviště tříděného odpadu');
    expect(monthly).not.toContain('Obce ORP Chomutov');
    expect(monthly.length).toBeLessThan(everything.length);
    const heading = await page.locator('#results-h').textContent();
    expect(heading).toContain(String(monthly.length));
    await page.getByRole('button', { name: 'Zrušit filtry' }).click();
    await expect.poll(async () => (await titles()).length).toBe(everything.length);
  });

  it('has no serious accessibility violations (axe-core)', async () => {
    // one main landmark: the layout's (axe rates a nested one only "moderate")
    expect(await page.locator('main').count()).toBe(1);
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')); // through DevTools: the portal's CSP admits no injected script tag
    const violations = await page.evaluate(async () => {
      const r = await (window as unknown as { axe: { run(o?: unknown): Promise<{ violations: { id: string; impact: string }[] }> } }).axe.run();
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
    });
    expect(violations).toEqual([]);
  });

  it('opens a dataset page with sizes, table preview, quality panel, and downloads a CSV', async () => {
    await page.getByRole('link', { name: 'Stanoviště tříděného odpadu' }).click();
    await page.waitForSelector('h1:has-text("Stanoviště tříděného odpadu")');
    await expect.poll(() => page.locator('table.data tbody tr').count()).toBeGreaterThan(0);
    const sizes = await page.locator('.downloads .size').allTextContents();
    expect(sizes).toHaveLength(5);
    for (const s of sizes) expect(s).toMatch(/\d.*(B|kB|MB)$/);
    expect(await page.locator('.quality dd').first().textContent()).not.toBe('zatím žádný');
    await page.waitForSelector('.preview[data-ready="true"]', { timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a[data-format="csv"]').click()]);
    expect(download.suggestedFilename()).toBe('stanoviste-trideneho-odpadu.csv');
    const text = readFileSync((await download.path())!, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text.split('\r\n')[0]).toContain('x_sjtsk');
    expect(text.split('\r\n').filter(Boolean).length).toBeGreaterThan(100);
    expect(await page.locator('main').count()).toBe(1);
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')); // through DevTools: the portal's CSP admits no injected script tag
    const violations = await page.evaluate(async () => {
      const r = await (window as unknown as { axe: { run(o?: unknown): Promise<{ violations: { id: string; impact: string }[] }> } }).axe.run();
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
    });
    expect(violations).toEqual([]);
  }, 120_000);
});
