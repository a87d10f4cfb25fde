import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestServer } from './server.ts';
import { browserAvailable, launchBrowser } from './browser.ts';

/**
 * Issue 13, finding 10: when /api/health is degraded (here: a scheduled source
 * that produces no data), every page shows a small notice that the data may be
 * stale, in Czech and in English, announced by screen readers (role=status);
 * when nothing is stuck there is none.
 */
describe.runIf(browserAvailable())('stale-data notice in Chromium', () => {
  let browser: Browser | undefined;
  const dirs: string[] = [];
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await browser?.close();
    for (const s of stops) await s();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    delete process.env.ETL_SOURCES;
  });

  async function serve(scheduler: boolean): Promise<string> {
    const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-stale-'));
    dirs.push(dataDir);
    const sources = join(dataDir, 'sources.json');
    writeFileSync(sources, JSON.stringify({ sources: [{ name: 'stale-demo', path: join(dataDir, 'missing.geojson'), layer: 'obce', cron: '0 0 1 1 *', expectedPeriodHours: 1 }] }));
    process.env.ETL_SOURCES = sources;
    process.env.SENSORS = '0';
    const s = await startTestServer(dataDir, { seed: false, etlScheduler: scheduler });
    stops.push(s.stop);
    return s.base;
  }

  it('shows no notice while every part works, and one in Czech and English when a part is stuck', async () => {
    browser = await launchBrowser();
    const page = await browser.newPage();

    const healthy = await serve(false);
    expect((await fetch(`${healthy}/api/health`)).status).toBe(200);
    await page.goto(`${healthy}/informace`);
    await page.waitForLoadState('networkidle');
    expect(await page.getByRole('status').filter({ hasText: /aktuální/ }).count()).toBe(0);

    const stuck = await serve(true);
    const t0 = Date.now();
    while ((await fetch(`${stuck}/api/health`)).status !== 503) {
      if (Date.now() - t0 > 30_000) throw new Error('the scheduler never reported the stale source');
      await new Promise((r) => setTimeout(r, 200));
    }
    await page.goto(`${stuck}/informace`);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'zobrazená data proto nemusí být aktuální' }).count()).toBe(1);
    await page.goto(`${stuck}/informace?lang=en`);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'the data shown may not be up to date' }).count()).toBe(1);
  }, 180_000);
});
