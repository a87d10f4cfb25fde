import type { Feature, Geometry } from 'geojson';
import type { Attribute, LayerSchema } from '../../schemas/types.ts';
import type { AttributeValue } from '../../schemas/validate.ts';

/**
 * A valid feature for any layer schema, derived from the schema alone (so a
 * new layer type is tested without writing a fixture): every attribute gets a
 * value inside its constraints, the geometry lies in Chomutov, in S-JTSK.
 */
export function sampleProperties(layer: LayerSchema, n = 0): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const a of layer.attributes) out[a.name] = sampleValue(a, n);
  return out;
}

function sampleValue(a: Attribute, n: number): AttributeValue {
  switch (a.type) {
    case 'text':
      return `Vzorek ${n} – žluťoučký kůň`.slice(0, a.maxLength ?? 100);
    case 'integer': {
      const lo = a.min ?? 0;
      const hi = a.max ?? lo + 100;
      return Math.min(hi, lo + (n % Math.max(1, hi - lo + 1)));
    }
    case 'number': {
      const lo = a.min ?? 0;
      const hi = a.max ?? lo + 100;
      return Math.min(hi, lo + 0.5 + (n % 10));
    }
    case 'boolean':
      return n % 2 === 0;
    case 'date':
      return `2024-0${1 + (n % 9)}-15`;
    case 'code':
      return a.codeList[n % a.codeList.length]!.code;
  }
}

/** Chomutov town centre in EPSG:5514, offset per feature by ~20 m. */
export function sampleGeometry(layer: LayerSchema, n = 0): Geometry {
  return geometryAround(layer, [-807_700 + (n % 50) * 20, -991_700 - Math.floor(n / 50) * 20], 10);
}

/** A small geometry of the layer's type at a point: a square of side `d`, a line 1.5 d east and d/2 north. */
export function geometryAround(layer: LayerSchema, [x, y]: [number, number], d: number): Geometry {
  const ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]];
  const line = [[x, y], [x + 1.5 * d, y + d / 2]];
  switch (layer.geometryType) {
    case 'Point':
      return { type: 'Point', coordinates: [x, y] };
    case 'MultiPoint':
      return { type: 'MultiPoint', coordinates: [[x, y]] };
    case 'LineString':
      return { type: 'LineString', coordinates: line };
    case 'MultiLineString':
      return { type: 'MultiLineString', coordinates: [line] };
    case 'Polygon':
      return { type: 'Polygon', coordinates: [ring] };
    case 'MultiPolygon':
      return { type: 'MultiPolygon', coordinates: [[ring]] };
  }
}

export function sampleFeatureCollection(layer: LayerSchema, count: number) {
  const features: Feature[] = Array.from({ length: count }, (_, n) => ({
    type: 'Feature',
    id: `${layer.id}-${n}`,
    properties: sampleProperties(layer, n),
    geometry: sampleGeometry(layer, n),
  }));
  return { type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:5514' } }, features };
}
