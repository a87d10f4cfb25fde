import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql } from 'kysely';
import { startTestServer } from './server.ts';
import { createUser } from '../../api/auth/users.ts';
import { createApiToken } from '../../api/auth/sessions.ts';
import { importFile } from '../../etl/import.ts';
import { loadMapping } from '../../etl/mapping.ts';
import { getLayer, type Attribute, type LayerSchema } from '../../schemas/index.ts';
import { browserAvailable, launchBrowser } from './browser.ts';
import { seriousAxeViolations } from './axe.ts';
import { geometryAround, sampleProperties } from '../../etl/test/sample-feature.ts';

/**
 * Issue 18.1: every field of every layer the editor offers is edited, saved,
 * reloaded and read back, in the browser and through the API. The cases come
 * from schemas/, so a new layer or field type is covered without touching this
 * file. A failed save (refused by the server, or the connection lost) shows an
 * error in the form and removes an earlier "Uloženo.".
 */

const CHOMUTOV = 562971;
const PASSWORD = 'heslo-editora-obce';
const EDITOR = 'editor-poli@chomutov.test';
/**
 * A valid value of an attribute, as the API takes it (etl/test/sample-feature.ts): the first sample, or the
 * second one (a change from the first: another code, a fraction, `false`, Czech letters).
 */
function valueOf(layer: LayerSchema, a: Attribute, second: boolean): string | number | boolean {
  return sampleProperties(layer, second ? 1 : 0)[a.name]!;
}

/** What the form input holds for an API value. */
function inputText(v: string | number | boolean): string {
  return String(v);
}

async function setField(page: Page, a: Attribute, v: string | number | boolean): Promise<void> {
  const el = page.locator(`#f-${a.name}`);
  if (a.type === 'code' || a.type === 'boolean') await el.selectOption(String(v));
  else await el.fill(inputText(v));
}

async function signIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/prihlaseni?next=/editor`);
  await page.getByLabel('E-mail').fill(EDITOR);
  await page.getByLabel('Heslo').fill(PASSWORD);
  await page.getByRole('button', { name: 'Přihlásit se' }).click();
  // the sign-in page's own address (?next=/editor) matches /editor too: wait for the path
  await page.waitForURL((u) => u.pathname === '/editor');
}

/** Opens a feature through the editor's address (as a reload or the map's "edit" link does) and waits for its form. */
async function openFeature(page: Page, url: string, fid: number): Promise<void> {
  await page.goto(url);
  await page.getByRole('heading', { name: `Vybraný prvek č. ${fid}` }).waitFor({ timeout: 30_000 });
}

const message = (page: Page) => page.locator('p.message').first();

describe.runIf(browserAvailable())('editor: every field of every editable layer saves and reads back (Chromium)', () => {
  let stop: () => Promise<void>;
  let base: string;
  let browser: Browser;
  let token: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-editor-fields-'));
  const pageErrors: string[] = [];
  let inside: [number, number];
  let db: import('kysely').Kysely<any>;

  async function createFeature(layer: LayerSchema, at: [number, number], extra: Record<string, unknown> = {}): Promise<number> {
    const properties: Record<string, unknown> = {};
    for (const a of layer.attributes.filter((x) => x.required)) properties[a.name] = valueOf(layer, a, false);
    Object.assign(properties, extra);
    const res = await fetch(`${base}/api/collections/${layer.id}/items`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/geo+json' },
      body: JSON.stringify({ type: 'Feature', geometry: geometryAround(layer, at, 0.0002), properties }),
    });
    expect(res.status, `${layer.id}: ${await res.clone().text()}`).toBe(201);
    return ((await res.json()) as { id: number }).id;
  }

  async function newContext(width: number): Promise<{ ctx: BrowserContext; page: Page }> {
    // each test answers for its own page's errors: one failed page load must not fail every later test
    pageErrors.length = 0;
    const ctx = await browser.newContext({ viewport: { width, height: width > 800 ? 860 : 740 }, locale: 'cs-CZ' });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await signIn(page, base);
    return { ctx, page };
  }

  beforeAll(async () => {
    // no seed: the municipalities are all these tests need, and the features are made here
    const s = await startTestServer(dataDir, { seed: false });
    stop = s.stop;
    db = s.database.db;
    const etl = join(import.meta.dirname, '../../etl');
    await importFile(db, { path: join(etl, 'samples/data/obce_orp_chomutov.geojson'), layerId: 'obce', mapping: loadMapping(join(etl, 'mappings/obce-ruian.json')) });
    // address points (synthetic RÚIAN sample of a few Chomutov streets) for the finder's address search
    await importFile(db, { path: join(etl, 'samples/data/chomutov_ruian_synthetic_UKSH.xml'), layerId: 'adresni-mista', sourceLayer: 'AdresniMista' });
    // a point well inside Chomutov, so every small test geometry lies in the editor's municipality
    const p = await sql<{ x: number; y: number }>`SELECT ST_X(c) AS x, ST_Y(c) AS y FROM (SELECT ST_PointOnSurface(ST_Buffer(geom::geography, -300)::geometry) AS c FROM layer_obce WHERE kod = ${CHOMUTOV}) q`.execute(db);
    inside = [p.rows[0]!.x, p.rows[0]!.y];
    await createUser(db, EDITOR, PASSWORD, { role: 'municipality_editor', municipalityCode: CHOMUTOV });
    const admin = await createUser(db, 'spravce-poli@chomutov.test', PASSWORD, { role: 'admin' });
    token = (await createApiToken(db, admin.id, 'e2e-fields')).token;
    base = s.base;
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('1366 px: edits every field of every offered layer, saves, reloads and sees each value (form and API)', async () => {
    const { ctx, page } = await newContext(1366);
    try {
      await page.locator('#layer').waitFor({ timeout: 30_000 });
      const offered = await page.locator('#layer option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      const known = offered.map((id) => getLayer(id)).filter((l): l is LayerSchema => l !== undefined);
      expect(known.length).toBe(offered.length);
      // land-use plans change only by importing an adopted plan version (issue 13.4: writes refused, not offered)
      const layers = known.filter((l) => l.theme !== 'landuse');
      expect(layers.length).toBeGreaterThan(5);
      // every attribute type of the schemas is among the cases
      const types = new Set(layers.flatMap((l) => l.attributes.map((a) => a.type)));
      expect([...types].sort()).toEqual(['boolean', 'code', 'date', 'integer', 'number', 'text']);

      const wrong: string[] = [];
      for (const [i, layer] of layers.entries()) {
        const fid = await createFeature(layer, [inside[0] + (i % 5) * 0.0005, inside[1] + Math.floor(i / 5) * 0.0005]);
        const url = `${base}/editor?sel=${layer.id}:${fid}`;
        await openFeature(page, url, fid);
        for (const a of layer.attributes) await setField(page, a, valueOf(layer, a, true));
        await page.getByRole('button', { name: 'Uložit' }).click();
        await expect.poll(() => message(page).textContent(), { timeout: 20_000, message: `${layer.id}: save` }).toBe('Uloženo.');

        await page.reload();
        await page.getByRole('heading', { name: `Vybraný prvek č. ${fid}` }).waitFor({ timeout: 30_000 });
        // with the administrator's token: some layers are not public
        const res = await fetch(`${base}/api/collections/${layer.id}/items/${fid}`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status, layer.id).toBe(200);
        const item = (await res.json()) as { properties: Record<string, unknown> };
        for (const a of layer.attributes) {
          const want = valueOf(layer, a, true);
          const shown = await page.locator(`#f-${a.name}`).inputValue();
          if (shown !== inputText(want)) wrong.push(`${layer.id}.${a.name} (${a.type}) form: ${JSON.stringify(shown)} ≠ ${JSON.stringify(inputText(want))}`);
          if (item.properties[a.name] !== want) wrong.push(`${layer.id}.${a.name} (${a.type}) API: ${JSON.stringify(item.properties[a.name])} ≠ ${JSON.stringify(want)}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 600_000);

  it('360 px: "edit" in the map\'s identify panel opens the feature in the editor (only for a feature the user may edit)', async () => {
    const layer = getLayer('stanoviste-trideneho-odpadu')!;
    const fid = await createFeature(layer, [inside[0] + 0.002, inside[1] + 0.002]);
    const { ctx, page } = await newContext(360);
    try {
      await page.goto(`${base}/?sel=${layer.id}:${fid}`);
      const link = page.getByRole('link', { name: 'Upravit v editoru' });
      await link.waitFor({ timeout: 60_000 });
      await link.click();
      await page.getByRole('heading', { name: `Vybraný prvek č. ${fid}` }).waitFor({ timeout: 30_000 });
      expect(new URL(page.url()).searchParams.get('sel')).toBe(`${layer.id}:${fid}`);
      // a visitor who is not signed in gets no such link
      const visitor = await browser.newContext({ viewport: { width: 360, height: 740 } });
      try {
        const p = await visitor.newPage();
        await p.goto(`${base}/?sel=${layer.id}:${fid}`);
        await p.locator('#detail-title').waitFor({ timeout: 60_000 });
        await p.locator('dl[aria-busy="false"]').waitFor({ timeout: 30_000 });
        expect(await p.getByRole('link', { name: 'Upravit v editoru' }).count()).toBe(0);
      } finally {
        await visitor.close();
      }
    } finally {
      await ctx.close();
    }
  }, 180_000);

  it('360 px: finds the feature to edit by a word of its name and by its state, and opens it', async () => {
    const layer = getLayer('stanoviste-trideneho-odpadu')!;
    const stav = layer.attributes.find((a) => a.name === 'stav');
    const broken = stav?.type === 'code' ? stav.codeList.at(-1)!.code : undefined;
    const a = await createFeature(layer, [inside[0] - 0.002, inside[1]], { nazev: 'Stanoviště U Hledané lípy', ...(broken ? { stav: broken } : {}) });
    await createFeature(layer, [inside[0] - 0.0025, inside[1]], { nazev: 'Stanoviště Jinde' });
    const { ctx, page } = await newContext(360);
    try {
      await page.goto(`${base}/editor`);
      await page.locator('#layer').selectOption(layer.id);
      await page.getByText('Najít prvek').click();
      await page.getByLabel('Hledat v názvu, čísle a dalších textech').fill('hledané');
      await page.getByRole('button', { name: 'Hledat', exact: true }).click();
      await expect.poll(() => page.locator('.found button').allTextContents(), { timeout: 20_000 }).toEqual(['Stanoviště U Hledané lípy']);
      if (broken) {
        await page.getByLabel('Hledat v názvu, čísle a dalších textech').fill('');
        await page.locator('#find-stav').selectOption(broken);
        await page.getByRole('button', { name: 'Hledat', exact: true }).click();
        await expect.poll(() => page.locator('.found button').allTextContents(), { timeout: 20_000 }).toContain('Stanoviště U Hledané lípy');
        expect(await page.locator('.found button').allTextContents()).not.toContain('Stanoviště Jinde');
      }
      await page.locator('.found button', { hasText: 'U Hledané lípy' }).click();
      await page.getByRole('heading', { name: `Vybraný prvek č. ${a}` }).waitFor({ timeout: 30_000 });
      expect(await seriousAxeViolations(page)).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 180_000);

  it("360 px: an empty search lists the municipality's own features of the layer, not a neighbour's (issue 18.3)", async () => {
    const layer = getLayer('stanoviste-trideneho-odpadu')!;
    const neighbour = (await sql<{ x: number; y: number }>`SELECT ST_X(c) AS x, ST_Y(c) AS y FROM (SELECT ST_PointOnSurface(n.geom) AS c
      FROM layer_obce c JOIN layer_obce n ON n.kod <> c.kod AND ST_Intersects(n.geom, c.geom) WHERE c.kod = ${CHOMUTOV} ORDER BY n.kod LIMIT 1) q`.execute(db)).rows[0]!;
    await createFeature(layer, [inside[0] + 0.0041, inside[1] + 0.0041], { nazev: 'Naše stanoviště v seznamu' });
    await createFeature(layer, [neighbour.x, neighbour.y], { nazev: 'Sousedovo stanoviště v seznamu' });
    const { ctx, page } = await newContext(360);
    try {
      await page.goto(`${base}/editor`);
      await page.locator('#layer').selectOption(layer.id);
      await page.getByText('Najít prvek').click();
      await page.getByRole('button', { name: 'Hledat', exact: true }).click();
      await expect.poll(() => page.locator('.found button').allTextContents(), { timeout: 20_000 }).toContain('Naše stanoviště v seznamu');
      const names = await page.locator('.found button').allTextContents();
      expect(names).not.toContain('Sousedovo stanoviště v seznamu');
      // the whole list is the editor's municipality (checked through the API)
      const res = await fetch(`${base}/api/collections/${layer.id}/items?limit=1000`, { headers: { authorization: `Bearer ${token}` } });
      const own = ((await res.json()) as { features: { properties: Record<string, unknown> }[] }).features.filter((f) => f.properties.obec_kod === CHOMUTOV);
      expect(names.length).toBe(Math.min(own.length, 50));
      expect(await page.locator('form[role="search"] p[role="status"]').textContent()).toContain(`Nalezeno: ${names.length}`);
      expect(await seriousAxeViolations(page)).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 180_000);

  for (const width of [1366, 360]) {
    it(`${width} px: finds features changed lately ("last changed") and features near an address (issue 18.3)`, async () => {
      const layer = getLayer('stanoviste-trideneho-odpadu')!;
      const word = `Změnový${width}`;
      await createFeature(layer, [inside[0] + 0.003, inside[1] - 0.003], { nazev: `${word} nedávno` });
      const old = await createFeature(layer, [inside[0] + 0.0032, inside[1] - 0.003], { nazev: `${word} loni` });
      await sql`UPDATE layer_stanoviste_trideneho_odpadu SET updated_at = now() - interval '400 days' WHERE fid = ${old}`.execute(db);
      // an address point, a site 30 m from it and one about 350 m away
      const addr = (await sql<{ adresa: string; x: number; y: number }>`SELECT adresa, ST_X(geom) AS x, ST_Y(geom) AS y FROM layer_adresni_mista
        WHERE municipality_code = ${CHOMUTOV} ORDER BY kod LIMIT 1 OFFSET ${width === 360 ? 3 : 0}`.execute(db)).rows[0]!;
      const near = await createFeature(layer, [addr.x + 0.0004, addr.y + 0.0001], { nazev: `U adresy ${width}` });
      await createFeature(layer, [addr.x + 0.005, addr.y], { nazev: `Daleko od adresy ${width}` });
      const { ctx, page } = await newContext(width);
      try {
        await page.goto(`${base}/editor`);
        await page.locator('#layer').selectOption(layer.id);
        await page.getByText('Najít prvek').click();
        await page.getByLabel('Hledat v názvu, čísle a dalších textech').fill(word);
        await page.getByRole('button', { name: 'Hledat', exact: true }).click();
        await expect.poll(() => page.locator('.found button').count(), { timeout: 20_000 }).toBe(2);
        await page.getByLabel('Naposledy změněno').selectOption({ label: 'za posledních 7 dní' });
        await page.getByRole('button', { name: 'Hledat', exact: true }).click();
        await expect.poll(() => page.locator('.found button').allTextContents(), { timeout: 20_000 }).toEqual([`${word} nedávno`]);
        await page.getByLabel('Naposledy změněno').selectOption({ label: 'za poslední rok' });
        await page.getByRole('button', { name: 'Hledat', exact: true }).click();
        await expect.poll(() => page.locator('.found button').allTextContents(), { timeout: 20_000 }).toEqual([`${word} nedávno`]);
        await page.getByLabel('Naposledy změněno').selectOption('');

        await page.getByLabel('Hledat v názvu, čísle a dalších textech').fill('');
        await page.getByLabel('U adresy (ulice a číslo)').fill(addr.adresa);
        await page.getByRole('button', { name: 'Hledat', exact: true }).click();
        const found = page.locator('form[role="search"] p[role="status"]');
        await expect.poll(() => found.textContent(), { timeout: 20_000 }).toContain(`od adresy ${addr.adresa}`);
        const names = await page.locator('.found button').allTextContents();
        expect(names).toContain(`U adresy ${width}`);
        expect(names).not.toContain(`Daleko od adresy ${width}`);
        // the distance is shown and the list is nearest first
        const first = page.locator('.found li').first();
        expect(await first.textContent()).toMatch(/\d+ m/);
        await page.getByLabel('U adresy (ulice a číslo)').fill('Neexistující ulice 999999');
        await page.getByRole('button', { name: 'Hledat', exact: true }).click();
        await page.getByRole('alert').filter({ hasText: 'nebyla nalezena' }).waitFor({ timeout: 20_000 });
        expect(await seriousAxeViolations(page)).toEqual([]);
        await page.getByLabel('U adresy (ulice a číslo)').fill(addr.adresa);
        await page.getByRole('button', { name: 'Hledat', exact: true }).click();
        await page.locator('.found button', { hasText: `U adresy ${width}` }).click();
        await page.getByRole('heading', { name: `Vybraný prvek č. ${near}` }).waitFor({ timeout: 30_000 });
        expect(pageErrors).toEqual([]);
      } finally {
        await ctx.close();
      }
    }, 180_000);
  }

  for (const width of [1366, 360]) {
    it(`${width} px: a failed save shows its error in the form and removes an earlier "Uloženo."`, async () => {
      const layer = getLayer('stanoviste-trideneho-odpadu')!;
      const count = layer.attributes.find((a) => a.name === 'pocet_kontejneru')!;
      const fid = await createFeature(layer, [inside[0] - 0.001, inside[1] - 0.001 - width * 1e-6]);
      const { ctx, page } = await newContext(width);
      try {
        await openFeature(page, `${base}/editor?sel=${layer.id}:${fid}`, fid);
        // the container count, the edit from the issue
        await page.locator(`#f-${count.name}`).fill('4');
        await page.getByRole('button', { name: 'Uložit' }).click();
        await expect.poll(() => message(page).textContent(), { timeout: 20_000 }).toBe('Uloženo.');
        expect(await page.locator(`#f-${count.name}`).inputValue()).toBe('4');

        // refused by the server: not an integer
        await page.locator(`#f-${count.name}`).fill('4.5');
        await page.getByRole('button', { name: 'Uložit' }).click();
        const alert = page.getByRole('alert').filter({ hasText: 'Opravte prosím' });
        await alert.waitFor({ timeout: 20_000 });
        expect(await alert.textContent()).toContain(count.label.cs);
        expect(await page.getByText('Uloženo.').count()).toBe(0);
        expect(await page.locator(`#f-${count.name}`).getAttribute('aria-invalid')).toBe('true');
        expect(await seriousAxeViolations(page)).toEqual([]);

        // a good save, then the connection fails: the error replaces the success message
        await page.locator(`#f-${count.name}`).fill('5');
        await page.getByRole('button', { name: 'Uložit' }).click();
        await expect.poll(() => message(page).textContent(), { timeout: 20_000 }).toBe('Uloženo.');
        await page.route(`**/api/collections/${layer.id}/items/${fid}`, (route) => (route.request().method() === 'PATCH' ? route.abort('internetdisconnected') : route.continue()));
        await page.locator(`#f-${count.name}`).fill('6');
        await page.getByRole('button', { name: 'Uložit' }).click();
        await page.getByRole('alert').filter({ hasText: 'Uložení selhalo' }).waitFor({ timeout: 20_000 });
        expect(await page.getByText('Uloženo.').count()).toBe(0);
        await page.unroute(`**/api/collections/${layer.id}/items/${fid}`);
        const item = (await (await fetch(`${base}/api/collections/${layer.id}/items/${fid}`)).json()) as { properties: Record<string, unknown> };
        expect(item.properties[count.name]).toBe(5);
        expect(pageErrors).toEqual([]);
      } finally {
        await ctx.close();
      }
    }, 180_000);
  }
});
