import { describe, expect, it } from 'vitest';
import { JEVY, JEVY_SOURCE } from '../uap/jevy.ts';
import { getLayer } from '../index.ts';
import { UAP_LAYER_IDS } from '../layers/uap.ts';

describe('the register of ÚAP phenomena (schemas/uap/jevy.json)', () => {
  it('holds every jev of decree 500/2006 Sb., annex 1, part A: as many as its source counts, numbered 1…n without gaps', () => {
    // the count of the source (annex 1 part A as amended by 13/2018 Sb.: 119 jevů), written in the data file beside its source
    expect(JEVY_SOURCE.count).toBe(119);
    expect(JEVY_SOURCE.cs).toMatch(/500\/2006 Sb\..*příloha č\. 1, část A.*13\/2018 Sb\./);
    expect(JEVY).toHaveLength(JEVY_SOURCE.count);
    expect(JEVY.map((j) => j.cislo)).toEqual(Array.from({ length: 119 }, (_, i) => i + 1));
    expect(new Set(JEVY.map((j) => j.nazev)).size).toBe(JEVY.length);
  });

  it('gives each jev a name, its kinds of geometry, its providers and the municipalities it concerns', () => {
    for (const j of JEVY) {
      expect(j.nazev.trim(), `jev ${j.cislo}`).not.toBe('');
      expect(j.geometrie.length, `jev ${j.cislo}`).toBeGreaterThan(0);
      for (const g of j.geometrie) expect(['plocha', 'linie', 'bod']).toContain(g);
      expect(j.poskytovatele.length, `jev ${j.cislo}`).toBeGreaterThan(0);
      expect(j.obce === 'vse' || (Array.isArray(j.obce) && j.obce.every((k) => /^\d{6}$/.test(String(k))))).toBe(true);
    }
    // a few wordings checked against the source
    expect(JEVY[0]!.nazev).toBe('zastavěné území');
    expect(JEVY[33]!.nazev).toBe('NATURA 2000 - evropsky významná lokalita');
  });

  it('is the code list of the jev attribute of every ÚAP layer', () => {
    for (const id of UAP_LAYER_IDS) {
      const jev = getLayer(id)!.attributes.find((a) => a.name === 'jev');
      expect(jev?.type === 'code' && jev.codeList.map((c) => c.code)).toEqual(JEVY.map((j) => String(j.cislo)));
    }
  });
});
