import type { LayerSpecification } from 'maplibre-gl';
import type { LayerSchema } from '$schemas/index.ts';
import type { OpacityProperty } from './style.ts';

/**
 * The RÚIAN layers drawn as a light basemap (issue 17) rather than as data: street lines with their
 * names along them, names of the parts of municipalities, house numbers at street zoom (the address
 * layer's minZoom, 17). Buildings keep the ordinary polygon style of their schema (a pale fill).
 * Muted greys, so our pasport layers, drawn above, stay the clearest thing on the map.
 */
const TEXT = { 'text-color': '#5f5a55', 'text-halo-color': '#ffffff', 'text-halo-width': 1.2 };

type Base = { source: string; 'source-layer'?: string; minzoom: number };

export function basemapLayers(layer: LayerSchema, base: Base): LayerSpecification[] | undefined {
  switch (layer.id) {
    case 'ulice':
      return [
        {
          ...base,
          id: 'ulice-line',
          type: 'line',
          layout: { 'line-cap': 'round', 'line-join': 'round' },
          paint: { 'line-color': layer.style.color, 'line-width': ['interpolate', ['linear'], ['zoom'], 13, 1, 16, 4, 19, 12] },
        },
        {
          ...base,
          id: 'ulice-label',
          type: 'symbol',
          minzoom: Math.max(base.minzoom, 15),
          layout: { 'symbol-placement': 'line', 'text-field': ['get', 'nazev'], 'text-size': 12, 'text-font': ['sans-serif'] },
          paint: TEXT,
        },
      ];
    case 'casti-obci':
      return [{ ...base, id: 'casti-obci-label', type: 'symbol', layout: { 'text-field': ['get', 'nazev'], 'text-size': 14, 'text-font': ['sans-serif'] }, paint: TEXT }];
    case 'adresni-mista':
      return [
        {
          ...base,
          id: 'adresni-mista-label',
          type: 'symbol',
          // house numbers at street zoom, as on every Czech map
          minzoom: Math.max(base.minzoom, 17),
          layout: { 'text-field': ['get', 'cislo'], 'text-size': 10, 'text-font': ['sans-serif'], 'text-allow-overlap': false },
          paint: { ...TEXT, 'text-color': layer.style.color },
        },
      ];
    default:
      return undefined;
  }
}

/** Map layer ids of a basemap layer (the first is the one identify uses), or undefined for any other layer. */
export function basemapLayerIds(layer: LayerSchema): string[] | undefined {
  return basemapLayers(layer, { source: '', minzoom: 0 })?.map((l) => l.id);
}

export function basemapOpacity(layer: LayerSchema, opacity: number): { id: string; prop: OpacityProperty; value: number }[] | undefined {
  const prop = (type: string): OpacityProperty => (type === 'line' ? 'line-opacity' : type === 'fill' ? 'fill-opacity' : type === 'circle' ? 'circle-opacity' : 'text-opacity');
  return basemapLayers(layer, { source: '', minzoom: 0 })?.map((l) => ({ id: l.id, prop: prop(l.type), value: opacity }));
}
