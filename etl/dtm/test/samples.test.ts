import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layers } from '../../../schemas/index.ts';
import { DTM_OBJECT_TYPES, dtmObjectTypes } from '../../../schemas/dtm.ts';
import { readJvf } from '../reader.ts';
import { layerForObjectType, mapFeature, unmapRecord } from '../mapping.ts';
import { writeJvf, type DtmRecord } from '../xml.ts';
import { validateJvf, XSD_DIR } from '../validate.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const samples = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml'));

/** Elements a layer fills from its own attributes (constants and defaults say nothing about the mapping). */
function attributeElements(layerId: string): string[] {
  const l = layers.find((x) => x.id === layerId)!;
  return l.dtm!.attributes.filter((r) => 'from' in r).map((r) => r.element);
}

describe('the official JVF DTM examples read back through the layer mappings', () => {
  it.each(samples)('%s: every record is read, and the mapped ones go back to the same DTM values', async (file) => {
    const xml = readFileSync(join(FIXTURES, file), 'utf8');
    const jvf = readJvf(xml);
    expect(jvf.version).toBe('1.4.3');
    // every ZaznamObjektu of the file is a record (the reader knows no object type in particular)
    expect(jvf.records.length).toBe((xml.match(/<(\w+:)?ZaznamObjektu>/g) ?? []).length);
    expect(jvf.records.every((r) => ['i', 'u', 'd', 'r'].includes(r.op))).toBe(true);
    const again: DtmRecord[] = [];
    for (const r of jvf.records) {
      for (const layer of layerForObjectType(layers, r.element)) {
        const props = unmapRecord(layer, r.element, r.attributes);
        const mapped = mapFeature(layer, props);
        if (!mapped.ok) throw new Error(`${file}: ${r.element} → ${layer.id} → ${mapped.reason}`);
        expect(mapped.value.type.element).toBe(r.element);
        const produced = new Map([...mapped.value.common, ...mapped.value.own]);
        for (const e of attributeElements(layer.id).filter((x) => r.attributes.has(x) && produced.has(x)))
          expect({ element: e, value: produced.get(e) }).toEqual({ element: e, value: r.attributes.get(e) });
        if (r.geometry) again.push({ op: 'i', externalId: `${layer.id}/sample`, mapped: mapped.value, geometry: r.geometry });
      }
    }
    // what was read back is written again as a file the XSD set accepts, with the same coordinates
    if (again.length > 0) {
      const out = writeJvf({ kind: 'complete', writtenAt: new Date(), records: again });
      expect((await validateJvf(out)).errors).toEqual([]);
      const reread = readJvf(out);
      expect(reread.records.map((r) => r.geometry)).toEqual(again.map((r) => r.geometry));
    }
  });

  it('maps at least the official utilities example (KI): the lighting pole on a wall bracket', () => {
    const jvf = readJvf(readFileSync(join(FIXTURES, 'ukazka_KI.xml'), 'utf8'));
    const pole = jvf.records.find((r) => r.element === 'PodperneZarizeni')!;
    const props = unmapRecord(layers.find((l) => l.id === 'svetelne-body')!, pole.element, pole.attributes);
    expect(props).toEqual({ typ_nosice: 'vyloznik-fasada' });
    expect(pole.geometry).toEqual({ type: 'Point', coordinates: [-671692.46, -1115410.82] });
  });

  it('reads the change records of the change-set example: i, u and d', () => {
    const jvf = readJvf(readFileSync(join(FIXTURES, 'changeset-cimer.xml'), 'utf8'));
    expect(jvf.kind).toBe('změnové věty');
    expect(new Set(jvf.records.map((r) => r.op))).toEqual(new Set(['i', 'u', 'd']));
  });
});

describe('writing JVF', () => {
  it('escapes markup in attribute text, and the file still validates and reads back', async () => {
    const layer = layers.find((l) => l.id === 'svetelne-body')!;
    const text = 'A<b>&"VO" 12</b>';
    const mapped = mapFeature(layer, { evidencni_cislo: text, typ_nosice: 'stozar-beton' });
    if (!mapped.ok) throw new Error(mapped.reason);
    const xml = writeJvf({ kind: 'complete', writtenAt: new Date(), records: [{ op: 'i', externalId: 'svetelne-body/1', mapped: mapped.value, geometry: { type: 'Point', coordinates: [-807700.004, -991700.5] } }] });
    expect((await validateJvf(xml)).errors).toEqual([]);
    const r = readJvf(xml).records[0]!;
    expect(r.attributes.get('EvidencniCisloObjektu')).toBe(text);
    // to the centimetre
    expect(r.geometry).toEqual({ type: 'Point', coordinates: [-807700.0, -991700.5] });
    expect(unmapRecord(layer, r.element, r.attributes)).toEqual({ evidencni_cislo: text, typ_nosice: 'stozar-beton' });
  });
});

describe('the DTM object types declared in schemas/dtm.ts', () => {
  const declared = Object.values(DTM_OBJECT_TYPES);
  it.each(declared.map((t) => [t.element, t] as const))('%s matches its XSD in the official set', (_name, t) => {
    const xsd = readFileSync(join(XSD_DIR, 'objekty', t.xsd), 'utf8');
    expect(xsd).toContain(`targetNamespace="${t.namespace}"`);
    expect(xsd).toContain(`<xs:element name="${t.element}" type="${t.namespace}:${t.element}Type"/>`);
    expect(xsd).toContain(`fixed="${t.name}"`);
    expect(xsd).toMatch(new RegExp(`name="code_base"[^>]*fixed="${t.codeBase}"`));
    expect(xsd).toMatch(new RegExp(`name="code_suffix"[^>]*fixed="${t.codeSuffix}"`));
    expect(xsd).toMatch(new RegExp(`name="KategorieObjektu"[^>]*fixed="${t.category}"`));
    expect(xsd).toMatch(new RegExp(`name="SkupinaObjektu"[^>]*fixed="${t.group}"`));
    expect(xsd).toMatch(new RegExp(`name="ObsahovaCast"[^>]*fixed="${t.contentPart}"`));
    expect(xsd).toContain(`ref="atr:SpolecneAtributyObjektu${t.common}"`);
    const geometryRef = { point: 'gml:pointProperty', curve: 'gml:curveProperty', surface: 'gml:surfaceProperty' }[t.geometry];
    expect(xsd).toContain(`ref="${geometryRef}"`);
    const own = [...xsd.slice(xsd.indexOf('name="AtributyObjektu"')).matchAll(/ref="atr:(\w+)"( minOccurs="0")?/g)]
      .filter((m) => !m[1]!.startsWith('SpolecneAtributy') && m[1] !== 'OblastObjektuKI')
      .map((m) => m[1] + (m[2] ? '?' : ''));
    expect(own).toEqual([...t.attributes]);
  });

  it('every layer with a DTM mapping fills every required element of its object types', () => {
    for (const l of layers.filter((x) => x.dtm)) {
      for (const t of dtmObjectTypes(l.dtm!)) {
        const filled = new Set(l.dtm!.attributes.map((r) => r.element));
        const missing = t.attributes.filter((a) => !a.endsWith('?') && !filled.has(a));
        expect({ layer: l.id, type: t.element, missing }).toEqual({ layer: l.id, type: t.element, missing: [] });
      }
    }
  });
});
