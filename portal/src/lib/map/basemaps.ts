import type { Map as MlMap, StyleSpecification } from 'maplibre-gl';
import { env } from '$env/dynamic/public';

/**
 * Optional online basemaps, configured by the operator (docs/portal.md: PUBLIC_ORTHOPHOTO_URL,
 * PUBLIC_ZTM_URL, PUBLIC_BASEMAP_STYLE_URL). Without them the map runs fully offline; with them a
 * person can slide one underneath our layers. A failing basemap falls back to offline.
 */
export type BasemapId = 'offline' | 'ortho' | 'ztm' | 'vector';

/** raster basemaps: their attribution, shown by the map's attribution control while they are on */
const RASTER_ATTRIBUTION: Partial<Record<BasemapId, string>> = {
  ortho: '© ČÚZK, ortofoto',
  ztm: '© ČÚZK, ZTM',
};

export interface BasemapConfig {
  id: BasemapId;
  /** raster tile URL template ({z}/{x}/{y}) or a vector style URL */
  url?: string;
}

/** ČÚZK's open WMTS (orthophoto, ZTM base map), as the operator gives them (a GoogleMapsCompatible tile template). */
export function availableBasemaps(): BasemapConfig[] {
  const out: BasemapConfig[] = [{ id: 'offline' }];
  if (env.PUBLIC_ORTHOPHOTO_URL) out.push({ id: 'ortho', url: env.PUBLIC_ORTHOPHOTO_URL });
  if (env.PUBLIC_ZTM_URL) out.push({ id: 'ztm', url: env.PUBLIC_ZTM_URL });
  if (env.PUBLIC_BASEMAP_STYLE_URL) out.push({ id: 'vector', url: env.PUBLIC_BASEMAP_STYLE_URL });
  return out;
}

const BASEMAP_PREFIX = 'basemap-';

/** a same-origin path (e.g. a tile proxy) made absolute by hand: `new URL` would escape the {z}/{x}/{y} braces */
function absolute(url: string): string {
  return url.startsWith('/') ? `${location.origin}${url}` : url;
}

/** Our style with `basemap` slid underneath (between the background and our first layer). */
export async function styleWithBasemap(ours: StyleSpecification, basemap: BasemapConfig): Promise<StyleSpecification> {
  if (basemap.id === 'offline' || !basemap.url) return ours;
  const attribution = RASTER_ATTRIBUTION[basemap.id];
  if (attribution) {
    const id = `${BASEMAP_PREFIX}${basemap.id}`;
    return {
      ...ours,
      sources: { [id]: { type: 'raster', tiles: [absolute(basemap.url)], tileSize: 256, attribution }, ...ours.sources },
      layers: [ours.layers[0]!, { id, type: 'raster', source: id }, ...ours.layers.slice(1)],
    };
  }
  const res = await fetch(absolute(basemap.url));
  if (!res.ok) throw new Error(`basemap style: HTTP ${res.status}`);
  const theirs = (await res.json()) as StyleSpecification;
  const prefixed = Object.fromEntries(Object.entries(theirs.sources).map(([k, v]) => [BASEMAP_PREFIX + k, v]));
  const theirLayers = theirs.layers.map((l) => ('source' in l && typeof l.source === 'string' ? { ...l, id: BASEMAP_PREFIX + l.id, source: BASEMAP_PREFIX + l.source } : { ...l, id: BASEMAP_PREFIX + l.id }));
  return {
    ...ours,
    glyphs: theirs.glyphs,
    sprite: theirs.sprite,
    sources: { ...prefixed, ...ours.sources },
    layers: [...(theirLayers as StyleSpecification['layers']), ...ours.layers.slice(1)],
  };
}

export async function applyBasemap(map: MlMap, ours: StyleSpecification, basemap: BasemapConfig): Promise<void> {
  map.setStyle(await styleWithBasemap(ours, basemap), { diff: true });
}
