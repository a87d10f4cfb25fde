import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from './server.ts';
import { createUser } from '../../api/auth/users.ts';
import { browserAvailable, launchBrowser } from './browser.ts';

type MapWindow = Window & { __geoportalMap?: import('maplibre-gl').Map; __cspViolations: string[] };

const CHOMUTOV = 562971;
const ADMIN = { email: 'spravce@chomutov.test', password: 'radniční-věž-na-náměstí' };

/** every page of the portal, as a visitor opens it */
const PUBLIC_PAGES = ['/', '/planovani', `/obec/${CHOMUTOV}`, '/data', '/data/obce', '/informace', '/senzory', `/senzory/obec/${CHOMUTOV}`, '/prihlaseni'];

describe.runIf(browserAvailable())('portal under its Content-Security-Policy in Chromium', () => {
  let stop: () => Promise<void>;
  let base: string;
  let browser: Browser;
  let framer: Server;
  let framerBase: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-csp-'));

  beforeAll(async () => {
    const s = await startTestServer(dataDir);
    stop = s.stop;
    await createUser(s.database.db, ADMIN.email, ADMIN.password, { role: 'admin' });
    base = s.base;
    // another origin (localhost ≠ 127.0.0.1) that tries to frame the portal
    framer = createServer((req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><title>framer</title><iframe id="f" src="${base}${decodeURIComponent(req.url!.slice(1))}" width="800" height="600"></iframe>`);
    }).listen(0, '127.0.0.1');
    await new Promise((r) => framer.once('listening', r));
    const fa = framer.address();
    framerBase = `http://localhost:${typeof fa === 'object' && fa ? fa.port : 0}`;
    browser = await launchBrowser();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    framer?.close();
    await stop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** a page that records CSP violations (the event and the console line) and failed API answers */
  async function open(path: string, page?: Page) {
    const p = page ?? (await browser.newPage({ viewport: { width: 1100, height: 800 } }));
    const console: string[] = [];
    const failed: string[] = [];
    p.on('console', (m) => {
      if (/Content Security Policy|Refused to (load|execute|apply|connect|create|frame)/i.test(m.text())) console.push(m.text());
    });
    p.on('response', (r) => {
      if (r.url().startsWith(`${base}/api/`) && r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    await p.addInitScript(() => {
      const w = window as unknown as MapWindow;
      w.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const res = await p.goto(`${base}${path}`, { waitUntil: 'networkidle' });
    return { page: p, res: res!, console, failed, violations: () => p.evaluate(() => (window as unknown as MapWindow).__cspViolations) };
  }

  it.each(PUBLIC_PAGES)('serves %s with a nonce-based CSP and no violation; the map still draws; no request fails for a non-public layer', async (path) => {
    {
      const o = await open(path);
      const csp = o.res.headers()['content-security-policy'] ?? '';
      expect(csp, path).toMatch(/script-src 'self' 'nonce-[^']+'/);
      expect(csp, path).toMatch(/frame-ancestors 'none'/);
      expect(csp, path).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
      expect(o.res.headers()['x-content-type-options'], path).toBe('nosniff');
      expect(o.res.headers()['x-frame-options'], path).toBe('DENY');
      expect(o.res.headers()['referrer-policy'], path).toBeTruthy();
      expect(o.res.headers()['permissions-policy'], path).toMatch(path === '/' ? /geolocation=\(self\)/ : /geolocation=\(\)/);
      if (path === '/' || path === '/planovani' || path.startsWith('/obec/')) {
        await o.page.waitForFunction(() => {
          const m = (window as unknown as MapWindow).__geoportalMap;
          return m !== undefined && m.loaded() && !m.isMoving();
        });
        const drawn = await o.page.evaluate(() => (window as unknown as MapWindow).__geoportalMap!.queryRenderedFeatures().length);
        expect(drawn, `${path}: features drawn`).toBeGreaterThan(0);
      }
      if (path === '/' || path === '/planovani') {
        // the layer tree offers no non-public layer (cameras) to a visitor
        expect(await o.page.locator('text=/[Kk]amer/').count(), path).toBe(0);
      }
      expect(await o.violations(), path).toEqual([]);
      expect(o.console, path).toEqual([]);
      expect(o.failed, path).toEqual([]);
      await o.page.close();
    }
  }, 180_000);

  it('staff pages work under the CSP too, and only the editor may ask for the position', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const signIn = await open('/prihlaseni', page);
    await page.fill('input[type=email]', ADMIN.email);
    await page.fill('input[type=password]', ADMIN.password);
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/auth/login')), page.locator('form button[type=submit]').first().click()]);
    expect(await signIn.violations()).toEqual([]);
    for (const path of ['/editor', '/sprava']) {
      const o = await open(path, page);
      expect(o.res.headers()['permissions-policy'], path).toMatch(path === '/editor' ? /geolocation=\(self\)/ : /geolocation=\(\)/);
      if (path === '/editor')
        await page.waitForFunction(() => {
          const m = (window as unknown as { __geoportalEditorMap?: import('maplibre-gl').Map }).__geoportalEditorMap;
          return m !== undefined && m.loaded();
        });
      expect(await o.violations(), path).toEqual([]);
      expect(o.console, path).toEqual([]);
    }
    await page.close();
  }, 180_000);

  it('the sign-in, editor and administration pages refuse to render in a cross-origin frame', async () => {
    for (const path of ['/prihlaseni', '/editor', '/sprava']) {
      const page = await browser.newPage();
      const blocked: string[] = [];
      page.on('console', (m) => {
        if (/frame-ancestors|Refused to (display|frame)/i.test(m.text())) blocked.push(m.text());
      });
      await page.goto(`${framerBase}/${encodeURIComponent(path)}`, { waitUntil: 'networkidle' });
      const frame = page.frames().find((f) => f !== page.mainFrame());
      // a refused frame has no document of ours: no form, no portal heading
      const rendered = frame ? await frame.evaluate(() => document.querySelectorAll('form, main, nav').length).catch(() => 0) : 0;
      expect(rendered, path).toBe(0);
      expect(blocked.join('\n'), path).toMatch(/frame-ancestors|Refused to (display|frame)/i);
      await page.close();
    }
  });

  it('API answers carry nosniff and a CSP that lets nothing load or frame them; HSTS only over https', async () => {
    for (const path of ['/api', '/api/collections/obce/items?limit=1', '/api/nic']) {
      const r = await fetch(`${base}${path}`);
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(r.headers.get('content-security-policy'), path).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
      expect(r.headers.get('strict-transport-security'), path).toBeNull();
    }
  });
});
