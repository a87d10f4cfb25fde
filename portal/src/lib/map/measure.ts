import length from '@turf/length';
import area from '@turf/area';

export interface Measurement {
  kind: 'distance' | 'area';
  /** metres or square metres, on the ellipsoid-free sphere turf uses (well within 0.5 % here) */
  value: number;
}

/** Length of the drawn line, or area of the drawn polygon (closed automatically). */
export function measure(mode: 'distance' | 'area' | null, pts: readonly [number, number][]): Measurement | undefined {
  if (mode === 'distance' && pts.length >= 2)
    return { kind: 'distance', value: length({ type: 'Feature', geometry: { type: 'LineString', coordinates: [...pts] }, properties: {} }, { units: 'meters' }) };
  if (mode === 'area' && pts.length >= 3)
    return { kind: 'area', value: area({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[...pts, pts[0]!]] }, properties: {} }) };
  return undefined;
}
