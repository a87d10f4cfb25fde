import type { Feature, FeatureCollection, Geometry } from 'geojson';
import type { LayerSpecification, SourceSpecification } from 'maplibre-gl';
import type { LayerSchema } from '$schemas/index.ts';
import type { Lang } from '$lib/i18n.ts';

/** Time travel on the map (issue 18.9): a layer as it was at an instant, and what changed between two. */

export type ChangeKind = 'added' | 'changed' | 'removed';

export interface Moment {
  /** RFC 3339 instant; the layer as of it includes the changes of its second */
  at: string;
  changes: number;
}

export interface Change {
  id: string | number;
  change: ChangeKind;
  label: string | null;
  geometry: Geometry | null;
}

/** Colours of the highlight; the list names the kind in words, so colour is never the only cue. */
export const CHANGE_COLORS: Record<ChangeKind, string> = { added: '#1a7f37', changed: '#b35900', removed: '#c62828' };

export function asOfTileUrl(origin: string, layerId: string, at: string): string {
  return `${origin}/api/tiles/${layerId}/{z}/{x}/{y}.mvt?asOf=${encodeURIComponent(at)}`;
}

export function asOfSource(origin: string, layer: LayerSchema, at: string): SourceSpecification {
  return { type: 'vector', tiles: [asOfTileUrl(origin, layer.id, at)], minzoom: layer.minZoom, maxzoom: Math.min(layer.maxZoom, 16), attribution: '© Statutární město Chomutov' };
}

/** The Prague calendar day (YYYY-MM-DD) of an instant: time-bearing layers show what was valid that day. */
export function pragueDay(at: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Prague', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
}

/** "3. 12. 2026 19:05:12" / "3 Dec 2026, 19:05:12", in Prague time */
export function formatMoment(at: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'cs' ? 'cs-CZ' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'Europe/Prague' }).format(new Date(at));
}

/** The highlight of changed features: a GeoJSON source and its layers (areas, lines and points, coloured by kind). */
export const CHANGES_SOURCE = 'tt-changes';

export function changesLayers(): LayerSpecification[] {
  const color = ['match', ['get', 'change'], 'added', CHANGE_COLORS.added, 'removed', CHANGE_COLORS.removed, CHANGE_COLORS.changed] as unknown as string;
  const type = (t: string[]) => ['in', ['geometry-type'], ['literal', t]] as unknown as boolean;
  return [
    { id: 'tt-changes-fill', type: 'fill', source: CHANGES_SOURCE, filter: type(['Polygon', 'MultiPolygon']), paint: { 'fill-color': color, 'fill-opacity': 0.25 } },
    { id: 'tt-changes-line', type: 'line', source: CHANGES_SOURCE, filter: type(['Polygon', 'MultiPolygon', 'LineString', 'MultiLineString']), paint: { 'line-color': color, 'line-width': 3 } },
    { id: 'tt-changes-point', type: 'circle', source: CHANGES_SOURCE, filter: type(['Point', 'MultiPoint']), paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 10, 'circle-stroke-color': color, 'circle-stroke-width': 3 } },
  ];
}

export function changesCollection(changes: readonly Change[]): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: changes.filter((c) => c.geometry).map((c) => ({ type: 'Feature', id: typeof c.id === 'number' ? c.id : undefined, geometry: c.geometry!, properties: { change: c.change, label: c.label } })),
  };
}

/** [west, south, east, north] of a geometry, or undefined when it has no coordinates. */
export function bboxOf(g: Geometry | null | undefined): [number, number, number, number] | undefined {
  if (!g) return undefined;
  const b = [Infinity, Infinity, -Infinity, -Infinity] as [number, number, number, number];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as [number, number];
      b[0] = Math.min(b[0], x);
      b[1] = Math.min(b[1], y);
      b[2] = Math.max(b[2], x);
      b[3] = Math.max(b[3], y);
    } else if (Array.isArray(c)) c.forEach(walk);
  };
  if (g.type === 'GeometryCollection') g.geometries.forEach((x) => walk('coordinates' in x ? x.coordinates : []));
  else walk(g.coordinates);
  return Number.isFinite(b[0]) ? b : undefined;
}

/**
 * The changes between two versions of a land-use plan (archived GeoJSON, features keyed by
 * their source id): added, removed, and changed where the attributes or the geometry differ.
 */
export function diffCollections(from: FeatureCollection, to: FeatureCollection, labelBy?: string): Change[] {
  const key = (f: Feature) => String(f.id ?? '');
  const label = (f: Feature) => (labelBy && f.properties?.[labelBy] != null ? String(f.properties[labelBy]) : key(f));
  const before = new Map(from.features.map((f) => [key(f), f]));
  const after = new Map(to.features.map((f) => [key(f), f]));
  const out: Change[] = [];
  for (const [id, f] of after) {
    const old = before.get(id);
    if (!old) out.push({ id, change: 'added', label: label(f), geometry: f.geometry });
    else if (JSON.stringify(old.properties) !== JSON.stringify(f.properties) || JSON.stringify(old.geometry) !== JSON.stringify(f.geometry))
      out.push({ id, change: 'changed', label: label(f), geometry: f.geometry });
  }
  for (const [id, f] of before) if (!after.has(id)) out.push({ id, change: 'removed', label: label(f), geometry: f.geometry });
  return out.sort((a, b) => String(a.id).localeCompare(String(b.id), 'cs', { numeric: true }));
}

/** The API's changes between two instants (`/api/collections/{id}/changes`) as a list. */
export function changesFromApi(fc: FeatureCollection): Change[] {
  return fc.features.map((f) => ({
    id: f.id ?? '',
    change: (f.properties?.change as ChangeKind) ?? 'changed',
    label: (f.properties?.label as string | null) ?? null,
    geometry: f.geometry,
  }));
}
