import { describe, expect, it } from 'vitest';
import { getLayer, layers, tableName } from '../index.ts';
import { layerDdl } from '../ddl.ts';
import { validateProperties } from '../validate.ts';

describe('layer registry', () => {
  it('has unique, URL-safe ids and valid attribute names', () => {
    const ids = layers.map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const l of layers) {
      expect(l.id).toMatch(/^[a-z][a-z0-9-]*$/);
      for (const a of l.attributes) expect(a.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(l.minZoom).toBeLessThanOrEqual(l.maxZoom);
      if (l.style.categorizeBy) expect(l.attributes.find((a) => a.name === l.style.categorizeBy)?.type).toBe('code');
    }
  });

  it('derives one table per layer with a column per attribute', () => {
    const l = getLayer('stanoviste-trideneho-odpadu')!;
    expect(tableName(l)).toBe('layer_stanoviste_trideneho_odpadu');
    const ddl = layerDdl(l).join('\n');
    for (const a of l.attributes) expect(ddl).toContain(` ${a.name} `);
    expect(ddl).toContain('geometry(Point, 4326)');
  });
});

describe('validateProperties', () => {
  const layer = getLayer('stanoviste-trideneho-odpadu')!;

  it('accepts a valid feature and normalises code labels when coercing', () => {
    const r = validateProperties(layer, { nazev: 'Husova 12', pristup: 'volně', pocet_kontejneru: '4', stav: 2 }, { coerce: true });
    expect(r.errors).toEqual([]);
    expect(r.values).toMatchObject({ nazev: 'Husova 12', pristup: 'volne', pocet_kontejneru: 4, stav: '2', poznamka: null });
  });

  it('lists every invalid field with a reason', () => {
    const r = validateProperties(layer, { pristup: 'nikomu', pocet_kontejneru: 1.5, stav: '9', extra: 1 }, { rejectUnknown: true });
    const fields = r.errors.map((e) => e.field).sort();
    expect(fields).toEqual(['extra', 'nazev', 'pocet_kontejneru', 'pristup', 'stav']);
    expect(r.errors.find((e) => e.field === 'nazev')!.reason).toMatch(/required/);
  });

  it('is strict about types without coercion', () => {
    const r = validateProperties(layer, { nazev: 'x', pocet_kontejneru: '3' });
    expect(r.errors).toEqual([{ field: 'pocet_kontejneru', reason: 'expected integer, got string' }]);
  });

  it('enforces text length in characters, not bytes', () => {
    const l = getLayer('obce')!;
    expect(validateProperties(l, { kod: 562971, nazev: 'Ž'.repeat(100) }).errors).toEqual([]);
    expect(validateProperties(l, { kod: 562971, nazev: 'Ž'.repeat(101) }).errors[0]!.field).toBe('nazev');
  });
});
