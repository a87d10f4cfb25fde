import { describe, expect, it } from 'vitest';
import { getLayer } from '../../schemas/index.ts';
import { parseCql2Text } from '../../api/features/cql2/parse-text.ts';
import { filterAttributes, finderFilter } from '../src/lib/editor/finder.ts';

describe('editor feature finder (CQL2 text for the items API)', () => {
  const layer = getLayer('stanoviste-trideneho-odpadu')!;

  it('filters by municipality, state and a case-insensitive word, with quotes doubled, and the API parses it', () => {
    const f = finderFilter(layer, { text: "U O'Brienů", codes: { stav: '2' }, municipality: 562971 });
    expect(f).toContain('obec_kod = 562971');
    expect(f).toContain("stav = '2'");
    expect(f).toContain("CASEI(nazev) LIKE CASEI('%U O''Brienů%')");
    expect(() => parseCql2Text(f)).not.toThrow();
  });

  it('offers the state first among the filters and ignores codes outside the code list', () => {
    expect(filterAttributes(layer)[0]!.name).toBe('stav');
    expect(finderFilter(layer, { text: '', codes: { stav: "x' OR 1=1 --" }, municipality: null })).toBe('');
  });
});
