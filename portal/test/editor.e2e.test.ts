import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql } from 'kysely';
import { startTestServer } from './server.ts';
import { createUser } from '../../api/auth/users.ts';
import { createApiToken } from '../../api/auth/sessions.ts';
import { getLayer, tableName, type LayerSchema } from '../../schemas/index.ts';
import type { Database } from '../../sql/connection.ts';
import { browserAvailable, launchBrowser } from './browser.ts';

type Win = Window & { __geoportalMap: import('maplibre-gl').Map; __geoportalEditorMap: import('maplibre-gl').Map };

const PASSWORD = 'heslo-editora-obce';
const EDITOR = 'editorka@obec-a.test';
// street lights when that pasport exists, else the waste-container sites
const LAYER: LayerSchema = getLayer('svetelne-body') ?? getLayer('stanoviste-trideneho-odpadu')!;
const TITLE = LAYER.attributes.find((a) => a.isTitle && a.type === 'text') ?? LAYER.attributes.find((a) => a.type === 'text')!;
const CHANGED = LAYER.attributes.find((a) => a.type === 'text' && a !== TITLE) ?? TITLE;

/** A valid value for every required attribute, derived from the schema. */
function requiredProps(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of LAYER.attributes.filter((x) => x.required)) {
    if (a.type === 'code') out[a.name] = a.codeList[0]!.code;
    else if (a.type === 'integer' || a.type === 'number') out[a.name] = a.min ?? 1;
    else if (a.type === 'boolean') out[a.name] = true;
    else if (a.type === 'date') out[a.name] = '2024-01-01';
    else out[a.name] = 'E2E';
  }
  return out;
}

describe.runIf(browserAvailable())('pasport editor in Chromium (360 × 740)', () => {
  let stop: () => Promise<void>;
  let database: Database;
  let base: string;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-editor-e2e-'));
  let codeA: number;
  let pointA: [number, number];
  let foreignFid: number;
  let foreignPoint: [number, number];
  let fid: number;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const s = await startTestServer(dataDir);
    stop = s.stop;
    database = s.database;
    base = s.base;
    const { db } = database;
    // Chomutov and a municipality next to it
    const a = await sql<{ kod: number; x: number; y: number }>`SELECT kod, ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y FROM layer_obce WHERE kod = 563099`.execute(db);
    const b = await sql<{ kod: number; x: number; y: number }>`SELECT n.kod, ST_X(ST_PointOnSurface(n.geom)) AS x, ST_Y(ST_PointOnSurface(n.geom)) AS y
      FROM layer_obce c JOIN layer_obce n ON n.kod <> c.kod AND ST_Intersects(n.geom, c.geom) WHERE c.kod = 563099 ORDER BY n.kod LIMIT 1`.execute(db);
    codeA = a.rows[0]!.kod;
    pointA = [a.rows[0]!.x, a.rows[0]!.y];
    foreignPoint = [b.rows[0]!.x, b.rows[0]!.y];
    await createUser(db, EDITOR, PASSWORD, { role: 'municipality_editor', municipalityCode: codeA });
    const admin = await createUser(db, 'spravce@chomutov.test', PASSWORD, { role: 'admin' });
    // the neighbour's feature, entered through the API by an administrator's script
    const { token } = await createApiToken(db, admin.id, 'e2e');
    const res = await fetch(`${base}/api/collections/${LAYER.id}/items`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/geo+json' },
      body: JSON.stringify({ type: 'Feature', geometry: { type: 'Point', coordinates: foreignPoint }, properties: { ...requiredProps(), [TITLE.name]: 'Sousedova' } }),
    });
    expect(res.status).toBe(201);
    foreignFid = ((await res.json()) as { id: number }).id;
    browser = await launchBrowser();
    ctx = await browser.newContext({
      viewport: { width: 360, height: 740 },
      geolocation: { longitude: pointA[0], latitude: pointA[1], accuracy: 4 },
      permissions: ['geolocation'],
      locale: 'cs-CZ',
    });
    page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in and places a new feature at the GPS position, then edits its attributes', async () => {
    await page.goto(`${base}/prihlaseni?next=/editor`);
    await page.getByLabel('E-mail').fill(EDITOR);
    await page.getByLabel('Heslo').fill(PASSWORD);
    await page.getByRole('button', { name: 'Přihlásit se' }).click();
    await page.waitForURL(/\/editor/);
    await page.locator('.map[data-ready="true"]').waitFor({ timeout: 60_000 });
    await page.getByLabel('Vrstva').selectOption(LAYER.id);
    await page.getByRole('button', { name: 'Umístit na mou polohu (GPS)' }).click();
    // the editor's own status region (the layout has one too: the stale-data notice)
    await expect.poll(async () => (await page.getByRole('status').allTextContents()).join(' | ')).toMatch(/Poloha GPS/);

    for (const [name, value] of Object.entries(requiredProps())) {
      const el = page.locator(`#f-${name}`);
      if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(String(value));
      else await el.fill(String(value));
    }
    await page.locator(`#f-${TITLE.name}`).fill('Lampa <b>u školy</b>');
    await page.getByRole('button', { name: 'Uložit' }).click();
    // the page's own message says what happened (shown in the failure if it is not "Uloženo.")
    await expect.poll(() => page.locator('p.message').first().textContent(), { timeout: 20_000 }).toBe('Uloženo.');
    await page.getByRole('heading', { name: /Vybraný prvek č\. \d+/ }).waitFor();
    fid = Number((await page.getByRole('heading', { name: /Vybraný prvek č\. \d+/ }).textContent())!.match(/\d+/)![0]);

    await page.locator(`#f-${CHANGED.name}`).fill('opraveno v terénu');
    await page.getByRole('button', { name: 'Uložit' }).click();
    const history = page.getByTestId('history').locator('li');
    await expect.poll(() => history.count(), { timeout: 15_000 }).toBe(2);
    const texts = await history.allTextContents();
    expect(texts[0]).toContain('změněno');
    expect(texts[1]).toContain('vytvořeno');
    for (const t of texts) expect(t).toContain(EDITOR);

    // stored exactly, in the editor's municipality, at the GPS position
    const item = await (await fetch(`${base}/api/collections/${LAYER.id}/items/${fid}`)).json();
    expect(item.properties[TITLE.name]).toBe('Lampa <b>u školy</b>');
    expect(item.properties[CHANGED.name]).toBe('opraveno v terénu');
    expect(item.properties.obec_kod).toBe(codeA);
    expect(item.geometry.coordinates[0]).toBeCloseTo(pointA[0], 6);
    expect(item.geometry.coordinates[1]).toBeCloseTo(pointA[1], 6);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('shows the change on the public map at once, to a visitor who has never been there', async () => {
    const visitor = await browser.newContext({ viewport: { width: 360, height: 740 } });
    try {
      const p = await visitor.newPage();
      await p.goto(`${base}/`);
      await p.waitForFunction(() => !!(window as unknown as Win).__geoportalMap, undefined, { timeout: 60_000 });
      await p.evaluate(([x, y]) => (window as unknown as Win).__geoportalMap.jumpTo({ center: [x!, y!], zoom: 18 }), pointA);
      const circle = `${LAYER.id}-circle`;
      await expect
        .poll(
          () =>
            p.evaluate(
              ([layerId, id]) =>
                (window as unknown as Win).__geoportalMap
                  .queryRenderedFeatures({ layers: [layerId as string] })
                  .filter((f) => Number(f.id) === id)
                  .map((f) => f.properties),
              [circle, fid] as const,
            ),
          { timeout: 30_000 },
        )
        .toHaveLength(1);
    } finally {
      await visitor.close();
    }
  }, 90_000);

  it("refuses to edit a neighbouring municipality's feature, in the page and on the server", async () => {
    await page.evaluate(([x, y]) => (window as unknown as Win).__geoportalEditorMap.jumpTo({ center: [x!, y!], zoom: 19 }), foreignPoint);
    await page.waitForFunction(() => { const m = (window as unknown as Win).__geoportalEditorMap; return m.loaded() && !m.isMoving() && m.areTilesLoaded(); }, undefined, { timeout: 30_000 });
    await page.locator('.map').scrollIntoViewIfNeeded();
    const box = (await page.locator('.map').boundingBox())!;
    await expect
      .poll(
        async () => {
          await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
          return page.getByRole('alert').filter({ hasText: 'patří jiné obci' }).count();
        },
        { timeout: 30_000 },
      )
      .toBe(1);
    await expect(page.getByRole('button', { name: 'Uložit' }).count()).resolves.toBe(0);
    // the page hides the form; the server refuses anyway
    const status = await page.evaluate(
      async ([layerId, id]) => {
        const csrf = document.cookie.match(/geoportal_csrf=([^;]+)/)?.[1] ?? '';
        const item = await fetch(`/api/collections/${layerId}/items/${id}`);
        const r = await fetch(`/api/collections/${layerId}/items/${id}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/merge-patch+json', 'x-csrf-token': decodeURIComponent(csrf), 'if-match': item.headers.get('etag') ?? '' },
          body: JSON.stringify({ properties: { poznamka: 'cizí' } }),
        });
        return r.status;
      },
      [LAYER.id, foreignFid] as const,
    );
    expect(status).toBe(403);
  }, 90_000);
});
