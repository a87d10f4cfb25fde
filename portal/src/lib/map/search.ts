import { layers } from '$schemas/index.ts';
import { loc, type Lang } from '$lib/i18n.ts';

export interface SearchResult {
  id: string;
  label: string;
  /** layer title, municipality … shown under the label */
  detail: string;
  bbox: [number, number, number, number];
  /** the feature found, to select it (absent for the municipality fallback) */
  layerId?: string;
  fid?: number;
}

type Geo = GeoJSON.Geometry | null | undefined;

export function geometryBbox(g: Geo): [number, number, number, number] | undefined {
  if (!g) return undefined;
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as number[];
      minx = Math.min(minx, x!); maxx = Math.max(maxx, x!); miny = Math.min(miny, y!); maxy = Math.max(maxy, y!);
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  if (g.type === 'GeometryCollection') g.geometries.forEach((x) => visit('coordinates' in x ? x.coordinates : []));
  else visit(g.coordinates);
  return Number.isFinite(minx) ? [minx, miny, maxx, maxy] : undefined;
}

function normalise(s: string): string {
  return s.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
}

let municipalities: Promise<GeoJSON.Feature[]> | undefined;

/** Fallback while `/api/search` is not there: the 25 municipality names, matched without diacritics. */
async function searchMunicipalities(q: string, signal: AbortSignal): Promise<SearchResult[]> {
  municipalities ??= fetch('/api/collections/obce/items?limit=1000', { signal })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((fc: GeoJSON.FeatureCollection) => fc.features)
    .catch((e: unknown) => {
      municipalities = undefined;
      throw e;
    });
  const nq = normalise(q);
  const all = await municipalities;
  return all
    .filter((f) => normalise(String(f.properties?.nazev ?? '')).includes(nq))
    .sort((a, b) => Number(!normalise(String(a.properties?.nazev)).startsWith(nq)) - Number(!normalise(String(b.properties?.nazev)).startsWith(nq)))
    .slice(0, 10)
    .flatMap((f) => {
      const bbox = geometryBbox(f.geometry);
      return bbox ? [{ id: `obce:${f.id}`, label: String(f.properties?.nazev), detail: '', bbox, layerId: 'obce', fid: Number(f.id) }] : [];
    });
}

interface ApiHit {
  id?: string | number;
  municipality?: string | null;
  collection?: string;
  layer?: string;
  title?: string;
  label?: string;
  name?: string;
  bbox?: number[];
  geometry?: Geo;
  properties?: Record<string, unknown>;
}

/** The search API's `{hits:[{layer, id, title, municipality, bbox}]}` (GeoJSON features are accepted too). */
function fromApi(body: unknown, lang: Lang): SearchResult[] {
  const b = body as { hits?: ApiHit[]; features?: ApiHit[] };
  const hits = b.hits ?? b.features ?? [];
  return hits.flatMap((h, i) => {
    const p = { ...(h.properties ?? {}), ...h } as ApiHit & Record<string, unknown>;
    const layerId = String(p.collection ?? p.layer ?? '');
    const layer = layers.find((l) => l.id === layerId);
    const label = String(p.title ?? p.label ?? p.name ?? p.nazev ?? '');
    const bbox = (Array.isArray(p.bbox) && p.bbox.length === 4 ? (p.bbox as [number, number, number, number]) : undefined) ?? geometryBbox(h.geometry ?? (p.geometry as Geo));
    if (!label || !bbox) return [];
    const fid = Number(p.id);
    const where = layerId === 'obce' ? '' : (p.municipality ?? '');
    const detail = [layer && layerId !== 'obce' ? loc(layer.title, lang) : '', where].filter(Boolean).join(', ');
    return [{ id: `${layerId}:${p.id ?? i}`, label, detail, bbox, ...(layer && Number.isInteger(fid) ? { layerId, fid } : {}) }];
  });
}

let apiAvailable: boolean | undefined;

/** `/api/search` when the server has it, else the municipality fallback. */
export async function search(q: string, lang: Lang, signal: AbortSignal, collections?: string): Promise<SearchResult[]> {
  if (apiAvailable !== false) {
    const only = collections ? `&collections=${encodeURIComponent(collections)}` : '';
    const res = await fetch(`/api/search?q=${encodeURIComponent(q)}&lang=${lang}&limit=10${only}`, { signal, headers: { accept: 'application/geo+json, application/json' } });
    if (res.ok) {
      apiAvailable = true;
      return fromApi(await res.json(), lang);
    }
    // only a missing endpoint switches to the fallback; a 400 for a short query is an empty answer
    if (res.status === 404) apiAvailable = false;
    else return [];
  }
  return collections ? [] : searchMunicipalities(q, signal);
}

/** The RÚIAN address nearest to a feature, as `/api/search/reverse` answers it. */
export interface NearestAddress {
  title: string;
  /** metres from the feature's point */
  distance: number;
}

/** Farthest address still worth naming for a feature: beyond it "nearest address" would mislead. */
const NEAREST_ADDRESS_METRES = 150;

/**
 * The address nearest to a feature: a point's own position, otherwise the centre of its extent. Null when none is
 * within NEAREST_ADDRESS_METRES (404) or the lookup fails: the panel then simply has no address line.
 */
export async function nearestAddress(geometry: GeoJSON.Geometry): Promise<NearestAddress | null> {
  const at = geometry.type === 'Point' ? geometry.coordinates : (() => {
    const b = geometryBbox(geometry);
    return b ? [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] : undefined;
  })();
  if (!at) return null;
  try {
    const res = await fetch(`/api/search/reverse?lon=${at[0]!.toFixed(7)}&lat=${at[1]!.toFixed(7)}&maxDistance=${NEAREST_ADDRESS_METRES}`);
    if (!res.ok) return null;
    const { hit } = (await res.json()) as { hit: { title: string; distance: number } };
    return { title: hit.title, distance: hit.distance };
  } catch {
    return null;
  }
}
