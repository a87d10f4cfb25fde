import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getLayer } from '../../schemas/index.ts';
import { openSource } from '../readers/index.ts';
import { normalizeName, suggestMapping, toFieldMapping } from '../suggest-mapping.ts';
import type { FieldMapping } from '../mapping.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const etl = join(import.meta.dirname, '..');

async function firstRecords(path: string, n: number): Promise<Record<string, unknown>[]> {
  const reader = await openSource(path);
  const out: Record<string, unknown>[] = [];
  try {
    for await (const r of reader.records()) {
      out.push(r.properties);
      if (out.length >= n) break;
    }
  } finally {
    await reader.close?.();
  }
  return out;
}

describe('suggested column→attribute mapping (issue 16.2, import preview)', () => {
  it('matches the Prague container shapefile (real IPR Praha data) as its hand-written mapping does', async () => {
    const layer = getLayer('stanoviste-trideneho-odpadu')!;
    const sample = await firstRecords(join(fixtures, 'kontejnery_cp1250/kontejnery.shp'), 200);
    const columns = Object.keys(sample[0]!);
    expect(columns).toEqual(expect.arrayContaining(['OBJECTID', 'ID', 'STATIONNUM', 'STATIONNAM', 'PRISTUP']));
    const s = suggestMapping(layer, columns, sample);
    const written = JSON.parse(readFileSync(join(etl, 'mappings/praha-ipr-kontejnery-shp.json'), 'utf8')) as FieldMapping;
    const suggested = toFieldMapping(layer, s, 'ID');
    expect(suggested.fields).toEqual(written.fields);
    // the values these records hold are mapped as the hand-written mapping maps them (it also knows values the sample lacks)
    const present = [...new Set(sample.map((r) => String(r.PRISTUP)))];
    expect(present).toContain('obyvatelům domu');
    expect(suggested.values).toEqual({ pristup: Object.fromEntries(present.map((v) => [v, written.values!.pristup![v]])) });
    expect(suggestMapping(layer, columns, [...sample, { ...sample[0], PRISTUP: 'volně' }]).values).toEqual(written.values);
    expect(s.unmatched).toEqual({});
    // every suggestion says why
    for (const f of s.fields) expect(f.reason.length).toBeGreaterThan(5);
    expect(s.fields.find((f) => f.attribute === 'nazev')).toMatchObject({ column: 'STATIONNAM', score: 60 });
    expect(s.unusedColumns).toEqual(expect.arrayContaining(['OBJECTID', 'ID']));
  });

  it('takes names cut to 10 characters and labels, leaves unknown code values for the clerk', () => {
    const layer = getLayer('stanoviste-trideneho-odpadu')!;
    const s = suggestMapping(layer, ['cislo_stan', 'Přístup', 'poc_kont', 'Poznámka'], [{ Přístup: 'volne' }, { Přístup: 'soukromé' }]);
    expect(Object.fromEntries(s.fields.map((f) => [f.attribute, f.column]))).toEqual({ cislo_stanoviste: 'cislo_stan', pristup: 'Přístup', poznamka: 'Poznámka' });
    // a value equal to its code needs no entry; an unknown one is listed, not guessed
    expect(s.values).toEqual({});
    expect(s.unmatched).toEqual({ pristup: ['soukromé'] });
    expect(s.unusedColumns).toEqual(['poc_kont']);
    expect(normalizeName('Obyvatelům domu')).toBe('obyvatelumdomu');
  });
});
