/**
 * Citizen map page in headless Chromium on loopback:
 *  - time from navigation start to the first of our features drawn (municipality polygons rendered),
 *    against a bare maplibre page drawing the same tiles (the floor any map page has to pay);
 *  - gzipped JavaScript shipped to the page, maplibre reported separately.
 * Targets (issue 6): ≤ 1.5 s to first feature, ≤ 350 kB gzipped JS excluding maplibre.
 * The server is the product as `npm start` runs it (embedded PGlite, seeded), in a temporary DATA_DIR
 * (BENCH_PORTAL_DATA_DIR reuses a seeded one).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../api/config.ts';
import { startServer } from '../api/server.ts';
import { ensurePortalBuild, launchBrowser } from '../portal/test/browser.ts';

export const description = 'citizen map: navigation → first feature drawn vs a bare maplibre page; gzipped JS (maplibre separately)';

const RUNS = Number(process.env.BENCH_PORTAL_RUNS ?? 5);
const MAPLIBRE_DIST = join(process.cwd(), 'node_modules/maplibre-gl/dist');
/** a string only maplibre's own code holds (its canvas container class) */
const MAPLIBRE_MARK = 'maplibregl-canvas-container';

const REFERENCE_HTML = `<!doctype html><html lang="cs"><head><meta charset="utf-8"><title>ref</title>
<link rel="stylesheet" href="/__ref/maplibre-gl.css"></head><body style="margin:0">
<div id="map" style="position:absolute;inset:0"></div>
<script type="module">
import * as maplibregl from '/__ref/maplibre-gl.mjs';
maplibregl.setWorkerUrl('/__ref/maplibre-gl-worker.mjs');
window.__geoportalMap = new maplibregl.Map({ container: 'map', bounds: [[13.18, 50.348], [13.568, 50.619]], style: { version: 8,
  sources: { obce: { type: 'vector', tiles: [location.origin + '/api/tiles/obce/{z}/{x}/{y}.mvt'], maxzoom: 16 } },
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef1ea' } },
    { id: 'obce-fill', type: 'fill', source: 'obce', 'source-layer': 'obce', paint: { 'fill-color': '#5b6b8c', 'fill-opacity': 0.1 } }] } });
</script></body></html>`;

/** records performance.now() (ms since navigation start) of the first frame with our features on screen */
const FIRST_DRAWN = `(() => {
  const tick = () => {
    const m = window.__geoportalMap;
    try {
      if (m && m.isStyleLoaded() && m.queryRenderedFeatures({ layers: ['obce-fill'] }).length > 0) { window.__firstDrawn = performance.now(); return; }
    } catch {}
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

async function firstDrawn(browser: Browser, url: string, reference: boolean): Promise<number> {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  const page = await ctx.newPage();
  if (reference) {
    await page.route('**/__bench_ref', (r) => r.fulfill({ contentType: 'text/html', body: REFERENCE_HTML }));
    await page.route('**/__ref/*', (r) => {
      const file = new URL(r.request().url()).pathname.split('/').pop()!;
      const type = file.endsWith('.css') ? 'text/css' : 'text/javascript';
      return r.fulfill({ contentType: type, body: readFileSync(join(MAPLIBRE_DIST, file)) });
    });
  }
  await page.addInitScript(FIRST_DRAWN);
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { __firstDrawn?: number }).__firstDrawn !== undefined, null, { timeout: 60_000, polling: 50 });
  const ms = await page.evaluate(() => (window as unknown as { __firstDrawn: number }).__firstDrawn);
  await ctx.close();
  return ms;
}

async function shippedJs(page: Page, url: string): Promise<{ ours: number; maplibre: number; files: number }> {
  const bodies: Promise<{ url: string; body: Buffer }>[] = [];
  page.on('response', (r) => {
    const t = r.request().resourceType();
    if (t === 'script' || /\.m?js(\?|$)/.test(r.url())) bodies.push(r.body().then((body) => ({ url: r.url(), body })).catch(() => ({ url: r.url(), body: Buffer.alloc(0) })));
  });
  await page.goto(url);
  await page.waitForSelector('.map[data-ready="true"]', { timeout: 60_000 });
  const all = await Promise.all(bodies);
  let ours = 0;
  let maplibre = 0;
  for (const { url: u, body } of all) {
    const gz = gzipSync(body, { level: 9 }).length;
    if (u.includes('maplibre-gl-worker') || body.includes(MAPLIBRE_MARK)) maplibre += gz;
    else ours += gz;
  }
  return { ours, maplibre, files: all.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  ensurePortalBuild();
  const dataDir = process.env.BENCH_PORTAL_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'bench-portal-'));
  const server = await startServer({ ...loadConfig({}), port: 0, host: '127.0.0.1', dataDir, databaseUrl: undefined }, () => {});
  const addr = server.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const browser = await launchBrowser();
  try {
    // warm-up: the server's tile cache and the OS page cache, for both pages alike
    await firstDrawn(browser, `${base}/`, false);
    await firstDrawn(browser, `${base}/__bench_ref`, true);
    const ours: number[] = [];
    const ref: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(await firstDrawn(browser, `${base}/`, false));
      ref.push(await firstDrawn(browser, `${base}/__bench_ref`, true));
    }
    const o = median(ours);
    const r = median(ref);
    console.log(`  first feature drawn (median of ${RUNS}, cold browser cache): portal ${o.toFixed(0)} ms, bare maplibre ${r.toFixed(0)} ms, ratio ${(o / r).toFixed(2)} (target ≤ 1500 ms: ${o <= 1500 ? 'met' : 'NOT met'})`);
    console.log(`    runs portal: ${ours.map((x) => x.toFixed(0)).join(', ')} ms; reference: ${ref.map((x) => x.toFixed(0)).join(', ')} ms`);
    const ctx = await browser.newContext();
    const js = await shippedJs(await ctx.newPage(), `${base}/`);
    await ctx.close();
    console.log(`  gzipped JS on the map page: ${(js.ours / 1024).toFixed(1)} kB ours + ${(js.maplibre / 1024).toFixed(1)} kB maplibre (incl. worker), ${js.files} files (target ours ≤ 350 kB: ${js.ours <= 350 * 1024 ? 'met' : 'NOT met'})`);
  } finally {
    await browser.close();
    await server.stop();
    if (!process.env.BENCH_PORTAL_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  }
}
