import { describe, expect, it } from 'vitest';
import type { FeatureCollection } from 'geojson';
import { bboxOf, changesCollection, diffCollections, pragueDay } from '../src/lib/map/time-travel.ts';

const fc = (features: { id: string; nazev: string; x: number }[]): FeatureCollection => ({
  type: 'FeatureCollection',
  features: features.map((f) => ({ type: 'Feature', id: f.id, properties: { nazev: f.nazev }, geometry: { type: 'Point', coordinates: [f.x, 50] } })),
});

describe('time travel helpers (plan-version changes, extents, days)', () => {
  it('lists added, changed (attributes or geometry) and removed features of two plan versions by source id', () => {
    const a = fc([{ id: 'P1', nazev: 'Bydlení', x: 13.4 }, { id: 'P2', nazev: 'Zeleň', x: 13.41 }, { id: 'P3', nazev: 'Výroba', x: 13.42 }, { id: 'P4', nazev: 'Sport', x: 13.43 }]);
    const b = fc([{ id: 'P1', nazev: 'Bydlení', x: 13.4 }, { id: 'P2', nazev: 'Zeleň městská', x: 13.41 }, { id: 'P3', nazev: 'Výroba', x: 13.425 }, { id: 'P5', nazev: 'Občanská vybavenost', x: 13.44 }]);
    expect(diffCollections(a, b, 'nazev').map((c) => [c.id, c.change, c.label])).toEqual([
      ['P2', 'changed', 'Zeleň městská'],
      ['P3', 'changed', 'Výroba'],
      ['P4', 'removed', 'Sport'],
      ['P5', 'added', 'Občanská vybavenost'],
    ]);
    expect(diffCollections(a, a)).toEqual([]);
    const highlighted = changesCollection(diffCollections(a, b, 'nazev'));
    expect(highlighted.features.map((f) => f.properties?.change)).toEqual(['changed', 'changed', 'removed', 'added']);
  });

  it('extent of nested coordinates; the Prague day of an instant', () => {
    expect(bboxOf({ type: 'MultiPolygon', coordinates: [[[[13.1, 50.2], [13.5, 50.2], [13.5, 50.6], [13.1, 50.2]]]] })).toEqual([13.1, 50.2, 13.5, 50.6]);
    expect(bboxOf(null)).toBeUndefined();
    // 23:30 UTC on 31 Dec is already 1 Jan in Prague
    expect(pragueDay('2026-12-31T23:30:00Z')).toBe('2027-01-01');
  });
});
