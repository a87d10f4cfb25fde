import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { layers } from '../../schemas/index.ts';
import { startTestServer } from './server.ts';
import { browserAvailable, launchBrowser } from './browser.ts';
import { seriousAxeViolations } from './axe.ts';
import { mapBoxMm, MARGIN_MM, paperSize, type Orientation, type Paper } from '../src/lib/print/layout.ts';

/**
 * Issue 18.5: /tisk printed by Chromium to PDF (as "Save as PDF" does, the paper taken from the
 * page's CSS @page) is exactly one page of the chosen size, and the parts are in it: title, the
 * legend of every visible layer, scale, date, attribution (pdftotext), a QR code that decodes to the
 * share link, and a map that is not blank (pdftoppm, pixels).
 */
const popplerAvailable = (() => {
  try {
    execFileSync('pdfinfo', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('pdfinfo not found: CI must install poppler-utils');
    console.warn('[print tests skipped] poppler-utils (pdfinfo, pdftotext, pdftoppm) not installed');
    return false;
  }
})();

const PT_PER_MM = 72 / 25.4;
const DPI = 150;
const TITLE = 'Zkušební tisk – Chomutov';
// the map page's default: every public layer but the land-use plan
const shown = layers.filter((l) => l.public !== false && l.theme !== 'landuse');

describe.runIf(browserAvailable() && popplerAvailable)('print to PDF (Chromium, poppler)', () => {
  let stop: () => Promise<void>;
  let base: string;
  let browser: Browser;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-print-'));
  const out = mkdtempSync(join(tmpdir(), 'geoportal-print-pdf-'));

  beforeAll(async () => {
    const s = await startTestServer(dataDir);
    stop = s.stop;
    base = s.base;
    browser = await launchBrowser();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await stop?.();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  const cases: [Paper, Orientation][] = [['a4', 'landscape'], ['a4', 'portrait'], ['a3', 'landscape'], ['a3', 'portrait']];
  for (const [paper, orientation] of cases) {
    it(`${paper} ${orientation}: one page of that size with title, legend, scale, date, attribution, QR and a drawn map`, async () => {
      const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        const view = 'map=13.00/50.46000/13.41000';
        await page.goto(`${base}/tisk?${view}&format=${paper}&orientation=${orientation}&title=${encodeURIComponent(TITLE)}`);
        await page.locator('.sheet[data-ready="true"]').waitFor({ timeout: 60_000 });
        expect(await seriousAxeViolations(page)).toEqual([]);
        const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
        const file = join(out, `${paper}-${orientation}.pdf`);
        writeFileSync(file, pdf);

        // one page, of the paper and orientation asked for
        const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
        expect(info).toMatch(/^Pages:\s+1$/m);
        const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(info);
        const want = paperSize(paper, orientation);
        expect(Math.abs(Number(size![1]) - want.width * PT_PER_MM), info).toBeLessThan(2);
        expect(Math.abs(Number(size![2]) - want.height * PT_PER_MM), info).toBeLessThan(2);

        // the text parts, in the order the page wrote them (legend columns would interleave in a layout
        // reading); a name wrapped onto two lines reads with one space
        const text = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' });
        const flat = text.replace(/\s+/g, ' ');
        expect(flat).toContain(TITLE);
        expect(flat).toContain('Legenda');
        for (const l of shown) expect(flat, l.id).toContain(l.title.cs.replace(/\s+/g, ' '));
        expect(flat).toMatch(/Měřítko 1 : [\d  ]+/);
        expect(flat).toMatch(/\d+ (m|km)\b/);
        const d = new Date();
        expect(flat).toContain(`Vytištěno ${d.getDate()}. ${d.getMonth() + 1}. ${d.getFullYear()}`);
        expect(flat).toMatch(/Data: .+ Mapa: Geoportál Chomutov\./);

        // the image: the QR code carries the share link of the printed view, the map has content
        execFileSync('pdftoppm', ['-r', String(DPI), '-png', '-singlefile', file, join(out, `${paper}-${orientation}`)]);
        const png = PNG.sync.read(readFileSync(join(out, `${paper}-${orientation}.png`)));
        const qr = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
        expect(qr, 'QR code found').toBeTruthy();
        const link = new URL(qr!.data);
        expect(link.origin + link.pathname).toBe(`${base}/`);
        expect(link.searchParams.get('map')).toBe(view.slice('map='.length));

        const px = DPI / 25.4;
        const box = mapBoxMm(paper, orientation);
        // the map's middle half (its top-left corner: the margins and the title above it)
        const top = await page.evaluate(() => {
          const s = document.querySelector('.sheet')!.getBoundingClientRect();
          const m = document.querySelector('.map-frame')!.getBoundingClientRect();
          return ((m.top - s.top) * 25.4) / 96;
        });
        const x0 = Math.round((MARGIN_MM + box.width * 0.25) * px);
        const y0 = Math.round((top + box.height * 0.25) * px);
        const values: number[] = [];
        for (let y = y0; y < y0 + box.height * 0.5 * px; y += 2)
          for (let x = x0; x < x0 + box.width * 0.5 * px; x += 2) {
            const i = (y * png.width + x) * 4;
            values.push(0.299 * png.data[i]! + 0.587 * png.data[i + 1]! + 0.114 * png.data[i + 2]!);
          }
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
        // a blank area (white paper or only the background colour) has none
        expect(variance).toBeGreaterThan(20);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    }, 180_000);
  }
});
