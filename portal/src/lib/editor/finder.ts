import type { Attribute, CodeAttribute, LayerSchema } from '$schemas/index.ts';

/** What the editor's "find a feature" form asks for. */
export interface FinderQuery {
  text: string;
  /** code attribute name → code */
  codes: Record<string, string>;
  /** only this municipality's features (municipality editors see their own) */
  municipality: number | null;
  /** only features written (edited or imported) in the last this many days */
  changedWithinDays?: number | null;
  /** only features near this point (lon, lat): an address found by the search API */
  near?: [number, number] | null;
  /** "now" for changedWithinDays (tests) */
  now?: Date;
}

/** The "last changed" choices, in days. */
export const CHANGED_WITHIN = [1, 7, 30, 365] as const;

/** How far from an address the finder looks, in metres. */
export const NEAR_METRES = 150;

/** A box of ±`metres` around a point, in degrees (the items API takes CRS84 BBOX literals). */
export function boxAround([lon, lat]: [number, number], metres: number): [number, number, number, number] {
  const dLat = metres / 111_320;
  const dLon = metres / (111_320 * Math.cos((lat * Math.PI) / 180));
  const r = (v: number) => Math.round(v * 1e7) / 1e7;
  return [r(lon - dLon), r(lat - dLat), r(lon + dLon), r(lat + dLat)];
}

/** Distance in metres (equirectangular: fine over a few hundred metres) from a point to the nearest vertex of a geometry. */
export function distanceTo([lon, lat]: [number, number], g: GeoJSON.Geometry | null | undefined): number {
  let best = Infinity;
  const k = Math.cos((lat * Math.PI) / 180);
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const dx = ((c[0] as number) - lon) * k * 111_320;
      const dy = ((c[1] as number) - lat) * 111_320;
      best = Math.min(best, Math.hypot(dx, dy));
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  if (g && g.type !== 'GeometryCollection') visit(g.coordinates);
  return best;
}

/** A CQL2 string literal: quotes doubled (the server binds it as a parameter). */
function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The code attributes offered as filters: state first, then the layer's categorising attribute, then the first other code list. */
export function filterAttributes(layer: LayerSchema): CodeAttribute[] {
  const codes = layer.attributes.filter((a): a is CodeAttribute => a.type === 'code');
  const pick = [codes.find((a) => a.name === 'stav'), codes.find((a) => a.name === layer.style.categorizeBy), codes.find((a) => a.name !== 'stav')];
  return [...new Set(pick.filter((a): a is CodeAttribute => a !== undefined))];
}

/** The text attributes searched (case-insensitive substring). */
export function searchedAttributes(layer: LayerSchema): Attribute[] {
  return layer.attributes.filter((a) => a.type === 'text' && (a.maxLength ?? 0) <= 200);
}

/** CQL2 text for the query, or '' for "everything". */
export function finderFilter(layer: LayerSchema, q: FinderQuery): string {
  const parts: string[] = [];
  if (q.municipality !== null && layer.perMunicipality) parts.push(`obec_kod = ${Math.trunc(q.municipality)}`);
  for (const a of filterAttributes(layer)) {
    const v = q.codes[a.name];
    if (v && a.codeList.some((c) => c.code === v)) parts.push(`${a.name} = ${literal(v)}`);
  }
  if (q.changedWithinDays && q.changedWithinDays > 0) {
    const since = new Date((q.now ?? new Date()).getTime() - q.changedWithinDays * 86_400_000);
    parts.push(`zmeneno >= TIMESTAMP('${since.toISOString()}')`);
  }
  if (q.near && q.near.every(Number.isFinite)) parts.push(`S_INTERSECTS(geometry, BBOX(${boxAround(q.near, NEAR_METRES).join(', ')}))`);
  const text = q.text.trim().replace(/[%_\\]/g, '');
  const searched = searchedAttributes(layer);
  if (text && searched.length) parts.push(`(${searched.map((a) => `CASEI(${a.name}) LIKE CASEI(${literal(`%${text}%`)})`).join(' OR ')})`);
  return parts.join(' AND ');
}
