import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestServer } from './server.ts';
import { importFile } from '../../etl/import.ts';
import { getLayer } from '../../schemas/index.ts';
import { featureForPatch, replaceFeature } from '../../api/editing/features.ts';
import type { Principal } from '../../api/auth/principal.ts';
import { sampleFeatureCollection } from '../../etl/test/sample-feature.ts';
import { browserAvailable, launchBrowser } from './browser.ts';

/** Issue 13.3: the portal's run page shows each conflict of a re-import with a staff edit (source vs edited value). */
describe.runIf(browserAvailable())('ETL run page in Chromium', () => {
  let stop: () => Promise<void>;
  let base: string;
  let browser: Browser;
  let runId: number;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-run-page-'));

  beforeAll(async () => {
    const s = await startTestServer(dataDir);
    stop = s.stop;
    const layer = getLayer('mobiliar')!;
    const file = join(dataDir, 'lavicky.geojson');
    writeFileSync(file, JSON.stringify(sampleFeatureCollection(layer, 3)));
    const first = await importFile(s.database.db, { path: file, layerId: layer.id });
    const fid = (await s.database.db.selectFrom('layer_mobiliar').select('fid').where('source_id', '=', 'mobiliar-1').executeTakeFirstOrThrow()).fid as number;
    const editor: Principal = { userId: 7, email: 'mobiliar@chomutov.cz', role: 'admin', layers: [], municipalityCode: null, via: 'session' };
    const { doc } = await featureForPatch(s.database.db, layer, Number(fid), editor);
    (doc.properties as Record<string, unknown>).spravce = 'Technické služby – opraveno';
    await replaceFeature(s.database.db, layer, editor, Number(fid), doc, '*');
    const again = await importFile(s.database.db, { path: file, layerId: layer.id });
    expect(again.runId).toBeGreaterThan(first.runId);
    expect(again.conflicts).toHaveLength(1);
    runId = again.runId;
    base = s.base;
    browser = await launchBrowser();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await stop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the conflict: feature, attribute, source value, edited value, who, outcome (Czech, then English)', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${base}/importy/${runId}`);
    await page.getByRole('heading', { level: 2, name: /Střety s úpravami v editoru \(1\)/ }).waitFor();
    const cells = await page.locator('table.conflicts tbody tr').first().locator('td').allTextContents();
    expect(cells.map((c) => c.trim())).toEqual([
      expect.stringMatching(/^\d+ \(mobiliar-1, záznam 2\)$/),
      'spravce',
      'Vzorek 1 – žluťoučký kůň',
      'Technické služby – opraveno',
      'user:7',
      'ponechána úprava',
    ]);
    await page.goto(`${base}/importy/${runId}?lang=en`);
    await page.getByRole('heading', { level: 2, name: /Conflicts with staff edits \(1\)/ }).waitFor();
    expect(await page.locator('table.conflicts tbody tr td').last().textContent()).toBe('edit kept');
    await page.goto(`${base}/importy/999999`);
    await page.getByRole('alert').waitFor();
    await page.close();
  });
});
