import { BadParameter } from '../problem.ts';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

export type Bbox = [number, number, number, number];

export function parseLimit(raw: unknown): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const s = String(raw);
  if (!/^\d{1,6}$/.test(s)) throw new BadParameter('limit', `limit must be an integer between 1 and ${MAX_LIMIT}`);
  const n = Number(s);
  if (n < 1 || n > MAX_LIMIT) throw new BadParameter('limit', `limit must be between 1 and ${MAX_LIMIT}, got ${n}`);
  return n;
}

/** bbox=minLon,minLat,maxLon,maxLat in CRS84 (6 numbers with heights are accepted, heights ignored) */
export function parseBbox(raw: unknown): Bbox | undefined {
  if (raw === undefined) return undefined;
  const parts = String(raw).split(',');
  if (parts.length !== 4 && parts.length !== 6)
    throw new BadParameter('bbox', 'bbox must have 4 (or 6) comma-separated numbers');
  const n = parts.map((p) => (/^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(p) ? Number(p) : NaN));
  if (n.some((v) => !Number.isFinite(v))) throw new BadParameter('bbox', 'bbox values must be numbers');
  const [minx, miny, maxx, maxy] = parts.length === 4 ? n : [n[0]!, n[1]!, n[3]!, n[4]!];
  if (minx! < -180 || maxx! > 180 || miny! < -90 || maxy! > 90)
    throw new BadParameter('bbox', 'bbox must lie within -180,-90,180,90 (CRS84)');
  if (miny! > maxy!) throw new BadParameter('bbox', 'bbox lower corner is above the upper corner');
  return [minx!, miny!, maxx!, maxy!];
}

export function parseCursor(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const s = String(raw);
  if (!/^\d{1,15}$/.test(s)) throw new BadParameter('cursor', 'cursor must be the value given in a next link');
  return Number(s);
}

/** only one value per parameter: koa gives arrays for repeated ones */
export function single(q: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) throw new BadParameter(name, `${name} may be given only once`);
  return v;
}
