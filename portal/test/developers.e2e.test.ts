import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../api/config.ts';
import { startServer } from '../../api/server.ts';
import { browserAvailable, ensurePortalBuild, launchBrowser } from './browser.ts';
import { seriousAxeViolations } from './axe.ts';

const ANON_LIMIT = 5;
const KEY_LIMIT = 50;

/**
 * Issue 19: a developer signs up on /vyvojari with an e-mail, follows the link the server's mailer
 * printed (no SMTP_URL: a log line), creates a key, passes with it the limit an anonymous client hits,
 * and sees those calls in the statistics. API calls come through the trusted loopback proxy with a
 * client address (X-Forwarded-For), so the limits apply; the browser's own page loads are local.
 */
describe.runIf(browserAvailable())('developers’ page: sign-up, key, limit and statistics in Chromium', () => {
  let stop: () => Promise<void>;
  let base: string;
  let browser: Browser;
  const logLines: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-dev-e2e-'));

  beforeAll(async () => {
    ensurePortalBuild();
    const config = loadConfig({ RATE_LIMIT_PER_MINUTE: String(ANON_LIMIT), API_KEY_RATE_LIMIT_PER_MINUTE: String(KEY_LIMIT), TRUST_PROXY: '127.0.0.1' });
    const s = await startServer({ ...config, port: 0, host: '127.0.0.1', dataDir }, (line) => void logLines.push(line));
    stop = s.stop;
    base = `http://127.0.0.1:${(s.server.address() as { port: number }).port}`;
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function noSeriousViolations(page: Page) {
    for (const width of [1366, 360]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await seriousAxeViolations(page), `at ${width} px`).toEqual([]);
    }
    await page.setViewportSize({ width: 1366, height: 900 });
  }

  it('signs up, creates a key that passes the anonymous limit, and shows the calls in the statistics', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'cs-CZ' });
    const page = await ctx.newPage();
    await page.goto(`${base}/vyvojari`);
    await page.getByRole('heading', { name: 'Pro vývojáře', level: 1 }).waitFor({ timeout: 60_000 });
    await page.getByRole('link', { name: /OpenAPI/ }).waitFor();
    await page.getByLabel('E-mail').fill('vyvojar@example.cz');
    await noSeriousViolations(page);
    await page.getByRole('button', { name: 'Poslat odkaz' }).click();
    const status = page.getByTestId('dev-status');
    await expect.poll(() => status.textContent()).toContain('Odkaz jsme poslali na vyvojar@example.cz');

    // the mailer's log line carries the sign-in link
    const mail = logLines.find((l) => l.includes('to vyvojar@example.cz'));
    expect(mail).toBeDefined();
    const link = /(http:\/\/\S+\/vyvojari\?potvrzeni=[\w-]+)/.exec(mail!)![1]!;
    await page.goto(link);
    await page.getByText('Přihlášen(a) jako vyvojar@example.cz.').waitFor({ timeout: 30_000 });
    expect(page.url()).not.toContain('potvrzeni');

    await page.getByLabel('Název klíče (např. aplikace)').fill('mapová aplikace');
    await page.getByRole('button', { name: 'Vytvořit klíč' }).click();
    const secret = (await page.getByTestId('dev-secret').textContent({ timeout: 30_000 }))!.trim();
    expect(secret).toMatch(/^gpk_/);
    await expect.poll(() => page.locator('tr[data-key]').first().textContent()).toContain('mapová aplikace');

    // a client at one address: anonymous calls hit the default limit, calls with the key pass it
    const client = { 'X-Forwarded-For': '203.0.113.50' };
    const anon: number[] = [];
    for (let i = 0; i <= ANON_LIMIT; i++) anon.push((await ctx.request.get(`${base}/api/collections`, { headers: client })).status());
    expect(anon).toEqual([...Array(ANON_LIMIT).fill(200), 429]);
    const calls = ANON_LIMIT * 2;
    for (let i = 0; i < calls; i++) {
      const r = await ctx.request.get(`${base}/api/collections`, { headers: { ...client, 'X-API-Key': secret } });
      expect(r.status()).toBe(200);
      expect(r.headers()['ratelimit-limit']).toBe(String(KEY_LIMIT));
    }

    await page.reload();
    const stats = page.getByTestId('dev-stats');
    await stats.waitFor({ timeout: 30_000 });
    const row = stats.locator('tr[data-family="features"]');
    await expect.poll(() => row.locator('[data-col="requests"]').textContent(), { timeout: 30_000 }).toBe(String(calls));
    expect(await row.textContent()).toContain('mapová aplikace');
    await noSeriousViolations(page);
    await ctx.close();
  }, 240_000);
});
