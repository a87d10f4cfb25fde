import { describe, expect, it } from 'vitest';
import { getLayer } from '../../schemas/index.ts';
import { parseCql2Text } from '../../api/features/cql2/parse-text.ts';
import { boxAround, distanceTo, filterAttributes, finderFilter } from '../src/lib/editor/finder.ts';

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

  it('adds "last changed" as a TIMESTAMP bound on zmeneno and an address as a box of ±150 m, both parsed by the API', () => {
    const f = finderFilter(layer, { text: '', codes: {}, municipality: null, changedWithinDays: 7, near: [13.41, 50.46], now: new Date('2026-12-03T12:00:00Z') });
    expect(f).toContain("zmeneno >= TIMESTAMP('2026-11-26T12:00:00.000Z')");
    expect(f).toMatch(/S_INTERSECTS\(geometry, BBOX\(13\.40\d+, 50\.45\d+, 13\.41\d+, 50\.46\d+\)\)/);
    expect(() => parseCql2Text(f)).not.toThrow();
    const [x1, y1, x2, y2] = boxAround([13.41, 50.46], 150);
    // 150 m each way: about 300 m across in both directions
    expect(distanceTo([x1, y1], { type: 'Point', coordinates: [x2, y1] })).toBeCloseTo(300, -1);
    expect(distanceTo([x1, y1], { type: 'Point', coordinates: [x1, y2] })).toBeCloseTo(300, -1);
  });
});
