import type { StyleSpecification, LayerSpecification, ExpressionSpecification, FilterSpecification } from 'maplibre-gl';
import type { LayerSchema } from '$schemas/index.ts';
import { publicLayers } from './public-layers.ts';
import { basemapLayerIds, basemapLayers, basemapOpacity } from './ruian-basemap.ts';

/** Map layer ids drawn for a schema layer; the first one is the one users identify features on. */
export function mapLayerIds(layer: LayerSchema): string[] {
  const basemap = basemapLayerIds(layer);
  if (basemap) return basemap;
  const g = layer.geometryType;
  if (g.endsWith('Polygon')) return [`${layer.id}-fill`, `${layer.id}-line`, ...(layer.style.labelBy ? [`${layer.id}-label`] : [])];
  if (g.endsWith('LineString')) return [`${layer.id}-line`];
  return [`${layer.id}-circle`];
}

/** Colour expression: categorised by a code list when the schema says so, else the layer colour. */
function colorOf(layer: LayerSchema): string | ExpressionSpecification {
  const attr = layer.attributes.find((a) => a.name === layer.style.categorizeBy);
  if (!attr || attr.type !== 'code') return layer.style.color;
  const pairs = attr.codeList.flatMap((c) => [c.code, c.color ?? layer.style.color]);
  return ['match', ['to-string', ['get', attr.name]], ...pairs, layer.style.color] as ExpressionSpecification;
}

/**
 * Time-bearing layers show only features valid on `today` (YYYY-MM-DD): started,
 * and not yet ended. Dates arrive in tiles as ISO text, so text comparison is date order.
 */
export function temporalFilter(layer: LayerSchema, today: string): FilterSpecification | undefined {
  if (!layer.temporal) return undefined;
  // the date's YYYY-MM-DD wherever it sits in the value: ST_AsMVT sends '2026-01-31', the JS
  // encoder a JSON timestamp ('"2026-01-31T00:00:00.000Z"'); the year starts 4 before the first '-'
  const day = (name: string): ExpressionSpecification => [
    'let', 's', ['to-string', ['get', name]],
    ['let', 'i', ['max', 0, ['-', ['index-of', '-', ['var', 's']], 4]], ['slice', ['var', 's'], ['var', 'i'], ['+', ['var', 'i'], 10]]],
  ];
  const conds: ExpressionSpecification[] = [['any', ['!', ['has', layer.temporal.start]], ['<=', day(layer.temporal.start), today]]];
  if (layer.temporal.end) conds.push(['any', ['!', ['has', layer.temporal.end]], ['>=', day(layer.temporal.end), today]]);
  return ['all', ...conds];
}

export function todayIso(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Paint properties that carry a layer's opacity, with the schema's own value at opacity 1. */
/** The paint properties the opacity slider sets (a union, so maplibre's setPaintProperty type-checks them). */
export type OpacityProperty = 'fill-opacity' | 'line-opacity' | 'text-opacity' | 'circle-opacity' | 'circle-stroke-opacity';

export function opacityPaint(layer: LayerSchema, opacity: number): { id: string; prop: OpacityProperty; value: number }[] {
  const basemap = basemapOpacity(layer, opacity);
  if (basemap) return basemap;
  const g = layer.geometryType;
  if (g.endsWith('Polygon'))
    return [
      { id: `${layer.id}-fill`, prop: 'fill-opacity', value: (layer.style.fillOpacity ?? 0.3) * opacity },
      { id: `${layer.id}-line`, prop: 'line-opacity', value: opacity },
      ...(layer.style.labelBy ? [{ id: `${layer.id}-label`, prop: 'text-opacity' as const, value: opacity }] : []),
    ];
  if (g.endsWith('LineString')) return [{ id: `${layer.id}-line`, prop: 'line-opacity', value: opacity }];
  return [
    { id: `${layer.id}-circle`, prop: 'circle-opacity', value: opacity },
    { id: `${layer.id}-circle`, prop: 'circle-stroke-opacity', value: opacity },
  ];
}

/**
 * The map layers that draw a schema layer. `source` defaults to our vector tiles;
 * a GeoJSON source (e.g. an archived plan version) is drawn the same way with `geojson: true`.
 */
export function styleLayers(layer: LayerSchema, today: string, source: { id: string; geojson?: boolean; prefix?: string; sourceLayer?: string } = { id: layer.id }): LayerSpecification[] {
  const filter = temporalFilter(layer, today);
  const base = { source: source.id, ...(source.geojson ? {} : { 'source-layer': source.sourceLayer ?? layer.id }), minzoom: source.geojson ? 0 : layer.minZoom, ...(filter ? { filter } : {}) };
  return styleLayersOf(layer, base).map((l) => (source.prefix ? { ...l, id: source.prefix + l.id } : l));
}

function styleLayersOf(layer: LayerSchema, base: { source: string; 'source-layer'?: string; minzoom: number; filter?: FilterSpecification }): LayerSpecification[] {
  const basemap = basemapLayers(layer, base);
  if (basemap) return basemap;
  const g = layer.geometryType;
  if (g.endsWith('Polygon')) {
    const out: LayerSpecification[] = [
      { ...base, id: `${layer.id}-fill`, type: 'fill', paint: { 'fill-color': colorOf(layer), 'fill-opacity': layer.style.fillOpacity ?? 0.3 } },
      { ...base, id: `${layer.id}-line`, type: 'line', paint: { 'line-color': layer.style.color, 'line-width': 1.5 } },
    ];
    if (layer.style.labelBy)
      out.push({
        ...base,
        id: `${layer.id}-label`,
        type: 'symbol',
        layout: { 'text-field': ['get', layer.style.labelBy], 'text-size': 13, 'text-font': ['sans-serif'] },
        paint: { 'text-color': '#1d2a3a', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
      });
    return out;
  }
  if (g.endsWith('LineString'))
    return [{ ...base, id: `${layer.id}-line`, type: 'line', paint: { 'line-color': colorOf(layer), 'line-width': 2 } }];
  return [
    {
      ...base,
      id: `${layer.id}-circle`,
      type: 'circle',
      paint: {
        'circle-color': colorOf(layer),
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 2.5, 16, layer.style.radius ?? 5, 19, (layer.style.radius ?? 5) * 1.8],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1,
      },
    },
  ];
}

/**
 * The offline default style: a background and our own vector layers, nothing
 * fetched from the internet. An online basemap can be slid underneath when configured.
 */
/** id prefix of the grouped vector sources of `buildStyle(…, { combined: true })` */
const COMBINED_SOURCE = 'geoportal';
const COMBINED_GROUP = 20;

/**
 * `combined`: layers in groups from one tile URL each (`/api/tiles/a,b,…/{z}/{x}/{y}.mvt`): a few
 * requests per tile instead of one per layer and tile, which is what makes the first features appear quickly.
 * Without it every layer has its own source named by its id (the editor reloads one layer's tiles).
 */
export function buildStyle(origin: string, opts: { today?: string; only?: readonly LayerSchema[]; combined?: boolean } = {}): StyleSpecification {
  const today = opts.today ?? todayIso();
  // public pages draw public layers only; a caller that may see more (the editor) passes `only`
  const list = opts.only ?? publicLayers;
  const sources: StyleSpecification['sources'] = {};
  for (const l of list)
    sources[l.id] = { type: 'vector', tiles: [`${origin}/api/tiles/${l.id}/{z}/{x}/{y}.mvt`], minzoom: l.minZoom, maxzoom: Math.min(l.maxZoom, 16), attribution: '© Statutární město Chomutov' };
  const bg: LayerSpecification[] = [{ id: 'background', type: 'background', paint: { 'background-color': '#eef1ea' } }];
  if (opts.combined) {
    // the tile API takes at most 20 layers per tile and answers 404 for a non-public layer to a visitor:
    // public layers go in groups, a non-public layer keeps its own source (drawn for signed-in users)
    const sources: StyleSpecification['sources'] = {};
    const sourceOf = new Map<string, string>();
    // one group per theme: a theme whose layers are all hidden loads no tiles at all
    const open = list.filter((l) => l.public !== false);
    const groups: LayerSchema[][] = [];
    for (const theme of [...new Set(open.map((l) => l.theme))]) {
      const members = open.filter((l) => l.theme === theme);
      for (let k = 0; k < members.length; k += COMBINED_GROUP) groups.push(members.slice(k, k + COMBINED_GROUP));
    }
    for (const [g, group] of groups.entries()) {
      const id = `${COMBINED_SOURCE}-${g}`;
      sources[id] = {
        type: 'vector',
        tiles: [`${origin}/api/tiles/${group.map((l) => l.id).join(',')}/{z}/{x}/{y}.mvt`],
        minzoom: Math.min(...group.map((l) => l.minZoom)),
        maxzoom: Math.min(16, Math.max(...group.map((l) => l.maxZoom))),
        attribution: '© Statutární město Chomutov',
      };
      for (const l of group) sourceOf.set(l.id, id);
    }
    for (const l of list.filter((x) => x.public === false)) {
      sources[l.id] = { type: 'vector', tiles: [`${origin}/api/tiles/${l.id}/{z}/{x}/{y}.mvt`], minzoom: l.minZoom, maxzoom: Math.min(l.maxZoom, 16) };
      sourceOf.set(l.id, l.id);
    }
    return { version: 8, sources, layers: [...bg, ...list.flatMap((l) => styleLayers(l, today, { id: sourceOf.get(l.id)!, sourceLayer: l.id }))] };
  }
  // an online basemap is merged in by $lib/map/basemaps.ts (transformStyle), never required here
  return { version: 8, sources, layers: [...bg, ...list.flatMap((l) => styleLayers(l, today))] };
}

/** ORP Chomutov (extent of its 25 municipalities) */
export const INITIAL_BOUNDS: [[number, number], [number, number]] = [
  [13.18, 50.348],
  [13.568, 50.619],
];
