import { describe, expect, it } from 'vitest';
import { mapBoxMm, metresPerPixel, paperSize, scaleBar, scaleDenominator } from '../src/lib/print/layout.ts';

describe('print layout (paper, map box, scale)', () => {
  it('has ISO sizes in both orientations and a map box inside the margins', () => {
    expect(paperSize('a4', 'portrait')).toEqual({ width: 210, height: 297 });
    expect(paperSize('a3', 'landscape')).toEqual({ width: 420, height: 297 });
    for (const p of ['a4', 'a3'] as const)
      for (const o of ['portrait', 'landscape'] as const) {
        const box = mapBoxMm(p, o);
        expect(box.width).toBeLessThan(paperSize(p, o).width);
        expect(box.height).toBeGreaterThan(90);
      }
  });

  it('computes the ground resolution, a round scale bar and the paper scale', () => {
    // zoom 0 at the equator: the whole world (40 075 km) over 512 px
    expect(metresPerPixel(0, 0)).toBeCloseTo(78_271.5, 0);
    const bar = scaleBar(50.46, 15, 150);
    expect([1, 2, 5]).toContain(Number(String(bar.metres)[0]));
    expect(bar.px).toBeLessThanOrEqual(150);
    expect(bar.px).toBeGreaterThan(150 / 2.5);
    expect(bar.label).toMatch(/^\d+ (m|km)$/);
    // zoom 15 at 50.46° (512 px tiles): about 1.52 m per CSS pixel, 96 px per inch → about 1 : 5 750
    expect(metresPerPixel(50.46, 15)).toBeCloseTo(1.521, 2);
    expect(scaleDenominator(50.46, 15)).toBeGreaterThanOrEqual(5_700);
    expect(scaleDenominator(50.46, 15)).toBeLessThanOrEqual(5_800);
  });
});
