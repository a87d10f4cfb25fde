import { layers } from '$schemas/index.ts';

/** What a share link restores: position, visible layers, their opacity, the selected feature. */
export interface MapViewState {
  center?: [number, number];
  zoom?: number;
  /** ids of visible layers; undefined = the defaults */
  visible?: string[];
  /** layer id → opacity 0–1, only where not 1 */
  opacity: Record<string, number>;
  selection?: { layerId: string; fid: number };
  basemap?: string;
}

const known = new Set(layers.map((l) => l.id));

function num(s: string | null | undefined): number | undefined {
  if (s === null || s === undefined || s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Reads the state from the URL's query. Anything malformed or naming an unknown
 * layer is ignored: a shared link never breaks the page.
 */
export function parseViewState(params: URLSearchParams): MapViewState {
  const state: MapViewState = { opacity: {} };
  const m = params.get('map')?.split('/');
  if (m && m.length === 3) {
    const [z, lat, lon] = m.map(num);
    if (z !== undefined && lat !== undefined && lon !== undefined && z >= 0 && z <= 22 && Math.abs(lat) <= 85 && Math.abs(lon) <= 180) {
      state.zoom = z;
      state.center = [lon, lat];
    }
  }
  const v = params.get('layers');
  if (v !== null) state.visible = v.split(',').filter((id) => known.has(id));
  for (const pair of (params.get('opacity') ?? '').split(',')) {
    const [id, o] = pair.split(':');
    const n = num(o);
    if (id && known.has(id) && n !== undefined && n >= 0 && n <= 1) state.opacity[id] = n;
  }
  const sel = params.get('sel')?.split(':');
  if (sel && sel.length === 2 && known.has(sel[0]!) && /^\d{1,15}$/.test(sel[1]!)) state.selection = { layerId: sel[0]!, fid: Number(sel[1]) };
  const b = params.get('basemap');
  if (b && /^[a-z]{1,20}$/.test(b)) state.basemap = b;
  return state;
}

/** Writes the state into `params` (other parameters, such as `lang`, are kept). */
export function writeViewState(params: URLSearchParams, s: MapViewState): URLSearchParams {
  const out = new URLSearchParams(params);
  for (const k of ['map', 'layers', 'opacity', 'sel', 'basemap']) out.delete(k);
  if (s.center && s.zoom !== undefined) out.set('map', `${s.zoom.toFixed(2)}/${s.center[1].toFixed(5)}/${s.center[0].toFixed(5)}`);
  if (s.visible) out.set('layers', s.visible.join(','));
  const op = Object.entries(s.opacity).filter(([, o]) => o !== 1);
  if (op.length) out.set('opacity', op.map(([id, o]) => `${id}:${o.toFixed(2)}`).join(','));
  if (s.selection) out.set('sel', `${s.selection.layerId}:${s.selection.fid}`);
  if (s.basemap && s.basemap !== 'offline') out.set('basemap', s.basemap);
  return out;
}
