import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestServer } from './server.ts';
import { createUser } from '../../api/auth/users.ts';
import { getLayer } from '../../schemas/index.ts';
import { importFile } from '../../etl/import.ts';
import { sampleFeatureCollection } from '../../etl/test/sample-feature.ts';
import { readJvf } from '../../etl/dtm/reader.ts';
import { validateJvf } from '../../etl/dtm/validate.ts';
import { browserAvailable, launchBrowser } from './browser.ts';

const PASSWORD = 'heslo-editora-obce';
const CHOMUTOV = 562971;

describe.runIf(browserAvailable())('JVF DTM export on the municipality page in Chromium', () => {
  let stop: () => Promise<void>;
  let base: string;
  let browser: Browser;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-dtm-e2e-'));

  beforeAll(async () => {
    const s = await startTestServer(dataDir);
    stop = s.stop;
    base = s.base;
    const { db } = s.database;
    const layer = getLayer('svetelne-body')!;
    const path = join(dataDir, 'svetelne-body.geojson');
    writeFileSync(path, JSON.stringify(sampleFeatureCollection(layer, 4)));
    await importFile(db, { path, layerId: layer.id, municipality: CHOMUTOV });
    await createUser(db, 'editor@chomutov.test', PASSWORD, { role: 'municipality_editor', municipalityCode: CHOMUTOV });
    await createUser(db, 'ctenar@chomutov.test', PASSWORD, { role: 'reader' });
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function pageAs(email: string | null) {
    const ctx = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: 'cs-CZ', acceptDownloads: true });
    if (email) {
      const r = await ctx.request.post(`${base}/api/auth/login`, { data: { email, password: PASSWORD } });
      expect(r.status()).toBe(200);
    }
    const page = await ctx.newPage();
    await page.goto(`${base}/obec/${CHOMUTOV}`);
    await page.getByRole('heading', { name: /Chomutov/, level: 1 }).waitFor({ timeout: 60_000 });
    // the pasport table is filled after the user is known
    await page.locator('tr[data-layer="svetelne-body"]').waitFor({ timeout: 60_000 });
    return { ctx, page };
  }

  it('is not offered to visitors and readers', async () => {
    for (const who of [null, 'ctenar@chomutov.test']) {
      const { ctx, page } = await pageAs(who);
      await page.waitForLoadState('networkidle');
      expect(await page.getByTestId('dtm-export').count()).toBe(0);
      await ctx.close();
    }
  }, 120_000);

  it('the municipality’s editor downloads the complete delivery, a JVF DTM file that validates', async () => {
    const { ctx, page } = await pageAs('editor@chomutov.test');
    const section = page.getByTestId('dtm-export');
    await section.waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), section.getByRole('button', { name: 'Kompletní zápis' }).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^dtm-${CHOMUTOV}-kompletni-\\d{4}-\\d{2}-\\d{2}\\.xml$`));
    const file = join(dataDir, 'download.xml');
    await download.saveAs(file);
    const xml = readFileSync(file, 'utf8');
    expect((await validateJvf(xml)).valid).toBe(true);
    expect(readJvf(xml).records.filter((r) => r.element === 'PodperneZarizeni')).toHaveLength(4);
    await expect.poll(() => section.getByRole('status').textContent()).toMatch(/Předání č\. \d+ staženo: vloženo 4, změněno 0, zrušeno 0\./);
    await ctx.close();
  }, 120_000);
});
