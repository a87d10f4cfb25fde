import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { layers, tableName } from '../index.ts';
import { layerDdl } from '../ddl.ts';
import { validateProperties } from '../validate.ts';
import { RZV_TYPE_CODES, RZV_GROUPS } from '../layers/_jsupd.ts';
import { sampleProperties } from '../../etl/test/sample-feature.ts';

const THEMES = ['boundaries', 'infrastructure', 'greenery', 'waste', 'landuse', 'sensors', 'public-information', 'territorial-analysis'];
const PASPORTS = ['svetelne-body', 'kabelove-vedeni-vo', 'stromy', 'zelene-plochy', 'komunikace', 'stanoviste-trideneho-odpadu', 'hrobova-mista', 'parkoviste', 'detska-hriste', 'dopravni-znacky', 'mobiliar', 'destova-kanalizace', 'kamery'];
const LANDUSE = ['up-plochy-rzv', 'up-zastavene-uzemi', 'up-plochy-zmen', 'up-vps-vpo', 'up-vps-vpo-linie', 'up-koridory'];

/** Every registered layer type, checked from its schema alone: adding a type needs no new test here. */
describe.each(layers.map((l) => [l.id, l] as const))('layer schema %s', (_id, layer) => {
  it('is complete: titles, descriptions, theme, zoom range, a title attribute or label', () => {
    for (const t of [layer.title, layer.description]) {
      expect(t.cs.trim().length).toBeGreaterThan(2);
      expect(t.en.trim().length).toBeGreaterThan(2);
    }
    expect(THEMES).toContain(layer.theme);
    expect(layer.minZoom).toBeGreaterThanOrEqual(0);
    expect(layer.maxZoom).toBeLessThanOrEqual(24);
    expect(layer.minZoom).toBeLessThanOrEqual(layer.maxZoom);
    expect(layer.attributes.length).toBeGreaterThan(0);
    expect(new Set(layer.attributes.map((a) => a.name)).size).toBe(layer.attributes.length);
  });

  it('styles from a code list whose every code has a label and a colour', () => {
    expect(layer.style.color).toMatch(/^#[0-9a-f]{6}$/i);
    for (const a of layer.attributes) {
      expect(a.label.cs && a.label.en).toBeTruthy();
      if (a.type !== 'code') continue;
      const codes = a.codeList.map((c) => c.code);
      expect(new Set(codes).size).toBe(codes.length);
      for (const c of a.codeList) {
        expect(c.label.cs && c.label.en).toBeTruthy();
        if (layer.style.categorizeBy === a.name || PASPORTS.includes(layer.id) || LANDUSE.includes(layer.id)) expect(c.color).toMatch(/^#[0-9a-f]{6}$/i);
      }
    }
    if (layer.style.categorizeBy) {
      const attr = layer.attributes.find((a) => a.name === layer.style.categorizeBy);
      expect(attr?.type).toBe('code');
      expect(attr?.inTiles).toBe(true);
    }
    if (layer.style.labelBy) expect(layer.attributes.find((a) => a.name === layer.style.labelBy)?.inTiles).toBe(true);
  });

  it('derives a table with one column per attribute', () => {
    const ddl = layerDdl(layer).join('\n');
    expect(ddl).toContain(`CREATE TABLE IF NOT EXISTS ${tableName(layer)}`);
    for (const a of layer.attributes) expect(ddl).toContain(` ${a.name} `);
    expect(ddl).toContain(`geometry(${layer.geometryType}, 4326)`);
  });

  it('accepts a sample feature built from the schema, strictly, and refuses it without its required values', () => {
    const props = sampleProperties(layer, 3);
    expect(validateProperties(layer, props, { rejectUnknown: true }).errors).toEqual([]);
    const required = layer.attributes.filter((a) => a.required).map((a) => a.name);
    const stripped = Object.fromEntries(Object.entries(props).filter(([k]) => !required.includes(k)));
    expect(validateProperties(layer, stripped).errors.map((e) => e.field).sort()).toEqual([...required].sort());
  });
});

describe('pasport and land-use registry', () => {
  it('registers every pasport type and land-use layer of the issue', () => {
    const ids = layers.map((l) => l.id);
    for (const id of [...PASPORTS, ...LANDUSE]) expect(ids).toContain(id);
    for (const id of PASPORTS) {
      const l = layers.find((x) => x.id === id)!;
      expect(l.perMunicipality).toBe(true);
      expect(l.attributes.some((a) => a.required)).toBe(true);
    }
  });

  it('keeps the waste-site attribute names of earlier imports and adds container types and volumes', () => {
    const l = layers.find((x) => x.id === 'stanoviste-trideneho-odpadu')!;
    const names = l.attributes.map((a) => a.name);
    for (const n of ['cislo_stanoviste', 'nazev', 'pristup', 'pocet_kontejneru', 'stav', 'poznamka', 'typ_nadob', 'objem_nadoby', 'pocet_papir', 'pocet_sklo_barevne'])
      expect(names).toContain(n);
  });

  it('has exactly the 75 JSÚPD zone types of the reference table, coloured by group', () => {
    const csv = readFileSync(new URL('../../etl/samples/landuse/reference/jsupd_plochyrzv_typ_codes.csv', import.meta.url), 'utf8')
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((l) => l.split(','));
    expect(csv).toHaveLength(75);
    expect(RZV_TYPE_CODES.map((c) => c.code).sort()).toEqual(csv.map((r) => r[0]).sort());
    for (const [typ, group, cs, en] of csv) {
      const c = RZV_TYPE_CODES.find((x) => x.code === typ)!;
      expect(c.label.cs).toBe(`${typ} – ${cs}`);
      expect(c.label.en).toBe(`${typ} – ${en}`);
      expect(c.color).toBe(RZV_GROUPS[group!]!.color);
    }
    expect(new Set(Object.values(RZV_GROUPS).map((g) => g.color)).size).toBe(Object.keys(RZV_GROUPS).length);
  });
});
