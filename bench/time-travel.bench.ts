/**
 * Time travel on the planner map (issue 18.9) in headless Chromium on loopback: the time from a
 * key press on the date slider to the map redrawn ("idle") with the layer as of that moment, for
 * moments not yet asked for (tiles encoded from live rows + feature_history) and asked again
 * (tiles from the server's cache). Reference, in the same page: the same layer's live tiles
 * redrawn after a cache-busting URL change (the floor any redraw of the layer pays).
 * Target: a date change redraws in under 1 s. The server is the product as `npm start` runs it
 * (embedded PGlite, seeded; BENCH_PORTAL_DATA_DIR reuses a seeded one); before measuring, the
 * bench writes BENCH_TT_MOMENTS moments of history into the sorted-waste sites of all 25
 * municipalities (every moment changes 10 % of them: renamed and moved a few metres).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { loadConfig } from '../api/config.ts';
import { startServer } from '../api/server.ts';
import { recordChange } from '../sql/changes.ts';
import { ensurePortalBuild, launchBrowser } from '../portal/test/browser.ts';

export const description = 'time travel: slider key press → planner map redrawn as of a moment (new / cached) vs live tiles redrawn';

const LAYER = 'stanoviste-trideneho-odpadu';
const MOMENTS = Number(process.env.BENCH_TT_MOMENTS ?? 6);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function redrawAfter(page: Page, act: () => Promise<void>, expected: () => Promise<string>): Promise<number> {
  const t0 = performance.now();
  await act();
  const at = await expected();
  await page.locator(`section[data-tt-rendered="${at}"]`).waitFor({ timeout: 60_000 });
  return performance.now() - t0;
}

export async function run(): Promise<void> {
  ensurePortalBuild();
  const dataDir = process.env.BENCH_PORTAL_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'bench-tt-'));
  const server = await startServer({ ...loadConfig({}), port: 0, host: '127.0.0.1', dataDir, databaseUrl: undefined }, () => {});
  const addr = server.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const { db } = server.database;
  const browser = await launchBrowser();
  try {
    const total = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_stanoviste_trideneho_odpadu`.execute(db)).rows[0]!.n;
    for (let i = 0; i < MOMENTS; i++) {
      await new Promise((r) => setTimeout(r, 1100));
      await db.transaction().execute(async (trx) => {
        await sql`SELECT set_config('geoportal.actor', 'bench', true)`.execute(trx);
        await sql`UPDATE layer_stanoviste_trideneho_odpadu SET nazev = coalesce(nazev, '') || ' *', geom = ST_Translate(geom, 0.00002, 0)
          WHERE fid % 10 = ${i % 10}`.execute(trx);
        await recordChange(trx, { layerId: LAYER, bbox: null, source: 'bench' });
      });
    }
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(`${base}/planovani`);
    await page.locator('.map[data-ready="true"]').waitFor({ timeout: 60_000 });
    await page.getByLabel('Obec', { exact: true }).selectOption('562971');
    await page.getByRole('checkbox', { name: 'Zobrazit vrstvu, jak vypadala k datu' }).check();
    const slider = page.getByRole('slider', { name: /^Stav k/ });
    await slider.waitFor();
    const moments = ((await (await fetch(`${base}/api/collections/${LAYER}/timeline`)).json()) as { moments: { at: string }[] }).moments;
    await page.locator(`section[data-tt-rendered="${moments.at(-1)!.at}"]`).waitFor({ timeout: 60_000 });
    const current = async () => moments[Number(await slider.inputValue())]!.at;
    const step = (key: string) => async () => {
      await slider.focus();
      await page.keyboard.press(key);
    };

    const fresh: number[] = [];
    for (let i = 0; i < Math.min(MOMENTS, moments.length - 1); i++) fresh.push(await redrawAfter(page, step('ArrowLeft'), current));
    const cached: number[] = [];
    for (let i = 0; i < fresh.length; i++) cached.push(await redrawAfter(page, step('ArrowRight'), current));

    // reference: the live layer's tiles in the same map, the URL changed so the browser fetches again
    const live: number[] = [];
    for (let i = 0; i < fresh.length; i++) {
      const t0 = performance.now();
      await page.evaluate(
        ({ url }) =>
          new Promise<void>((resolve) => {
            const m = (window as unknown as { __geoportalMap: import('maplibre-gl').Map }).__geoportalMap;
            (m.getSource('tt') as import('maplibre-gl').VectorTileSource).setTiles([url]);
            m.once('idle', () => resolve());
          }),
        { url: `${base}/api/tiles/${LAYER}/{z}/{x}/{y}.mvt?v=${i}-${Date.now()}` },
      );
      live.push(performance.now() - t0);
    }
    const f = median(fresh);
    const c = median(cached);
    const l = median(live);
    console.log(`  ${total} features, ${moments.length} moments; municipality 562971 (Chomutov) at 1366×900`);
    console.log(`  date change → redrawn (median of ${fresh.length}): new moment ${f.toFixed(0)} ms, moment asked before ${c.toFixed(0)} ms; live tiles redrawn ${l.toFixed(0)} ms`);
    console.log(`    ratios to the live redraw: new ${(f / l).toFixed(2)}, cached ${(c / l).toFixed(2)} (target < 1000 ms: ${Math.max(f, c) < 1000 ? 'met' : 'NOT met'})`);
    console.log(`    runs new: ${fresh.map((x) => x.toFixed(0)).join(', ')}; cached: ${cached.map((x) => x.toFixed(0)).join(', ')}; live: ${live.map((x) => x.toFixed(0)).join(', ')} ms`);
  } finally {
    await browser.close();
    await server.stop();
    if (!process.env.BENCH_PORTAL_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  }
}
