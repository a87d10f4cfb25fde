import { sql, type RawBuilder } from 'kysely';
import type { LayerSchema } from '../../schemas/index.ts';
import { BadParameter } from '../problem.ts';
import { CRS84, geomFrom, type ApiCrs } from './crs.ts';
import { featureProperties, type FeatureProperty } from './properties.ts';
import { validDate, validTimestamp } from './cql2/compile.ts';
import type { Cursor, SortKey } from './items.ts';

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

/**
 * bbox=minx,miny,maxx,maxy in `crs` axis order (CRS84 by default: lon/lat; EPSG:4326: lat/lon);
 * 6 numbers with heights are accepted, heights ignored.
 */
export function parseBbox(raw: unknown, crs: ApiCrs = CRS84): Bbox | undefined {
  if (raw === undefined) return undefined;
  const parts = String(raw).split(',');
  if (parts.length !== 4 && parts.length !== 6)
    throw new BadParameter('bbox', 'bbox must have 4 (or 6) comma-separated numbers');
  const n = parts.map((p) => (/^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(p) ? Number(p) : NaN));
  if (n.some((v) => !Number.isFinite(v))) throw new BadParameter('bbox', 'bbox values must be numbers');
  const [minx, miny, maxx, maxy] = parts.length === 4 ? n : [n[0]!, n[1]!, n[3]!, n[4]!];
  const [rx0, ry0, rx1, ry1] = crs.range;
  if (minx! < rx0 || maxx! > rx1 || miny! < ry0 || maxy! > ry1)
    throw new BadParameter('bbox', `bbox must lie within ${crs.range.join(',')} (${crs.uri})`);
  if (miny! > maxy!) throw new BadParameter('bbox', 'bbox lower corner is above the upper corner');
  if (crs !== CRS84 && minx! > maxx!) throw new BadParameter('bbox', 'bbox lower corner is right of the upper corner');
  return [minx!, miny!, maxx!, maxy!];
}

/** The SQL condition of a bbox given in `crs`: index-assisted overlap in storage coordinates. */
export function bboxCondition(b: Bbox, crs: ApiCrs): RawBuilder<unknown> {
  if (crs === CRS84) return sql`t.geom && ST_MakeEnvelope(${b[0]}, ${b[1]}, ${b[2]}, ${b[3]}, 4326)`;
  // densify before transforming so the curved edges of the box in lon/lat are followed
  const env = geomFrom(crs, sql`ST_Segmentize(ST_MakeEnvelope(${b[0]}::float8, ${b[1]}::float8, ${b[2]}::float8, ${b[3]}::float8), ${Math.max(b[2] - b[0], b[3] - b[1]) / 16}::float8)`);
  return sql`ST_Intersects(t.geom, ${env})`;
}

/** properties=a,b: a subset of the layer's properties, in the order asked. */
export function parseProperties(raw: string | undefined, layer: LayerSchema): FeatureProperty[] | undefined {
  if (raw === undefined) return undefined;
  const all = featureProperties(layer);
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length > all.length * 2) throw new BadParameter('properties', 'too many properties');
  return [...new Set(names)].map((n) => {
    const p = all.find((x) => x.name === n);
    if (!p) throw new BadParameter('properties', `unknown property "${n.slice(0, 60)}"; known: ${all.map((x) => x.name).join(', ')}`);
    return p;
  });
}

/** sortby=+a,-b (OGC API Records sorting syntax; `a DESC` is not accepted). */
export function parseSortby(raw: string | undefined, layer: LayerSchema): SortKey[] {
  if (raw === undefined || raw.trim() === '') return [];
  const all = featureProperties(layer);
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.length > 5) throw new BadParameter('sortby', 'at most 5 sort keys');
  return parts.map((p) => {
    const m = /^([+-]?)([a-z_][a-z0-9_]*)$/.exec(p);
    const prop = m && all.find((x) => x.name === m[2]);
    if (!m || !prop) throw new BadParameter('sortby', `unknown sort key "${p.slice(0, 60)}"; use +name or -name with one of ${all.map((x) => x.name).join(', ')}`);
    return { prop, desc: m[1] === '-' };
  });
}

/** Checks that a cursor's key values fit their columns (a forged cursor must not reach a cast error). */
export function checkCursorValues(c: Cursor | undefined, keys: SortKey[]): void {
  if (!c) return;
  c.values.forEach((v, i) => {
    if (v === null) return;
    const t = keys[i]!.prop.sqlType;
    const ok =
      t === 'integer' ? /^-?\d{1,10}$/.test(v) && Math.abs(Number(v)) < 2 ** 31
      : t === 'double precision' ? Number.isFinite(Number(v))
      : t === 'date' ? validDate(v)
      : t === 'boolean' ? v === 'true' || v === 'false'
      : true;
    if (!ok) throw new BadParameter('cursor', 'cursor must be the value given in a next or prev link');
  });
}

export interface DatetimeInterval {
  start: string | null;
  end: string | null;
}

/** datetime=instant | start/end with `..` (or empty) for an open end (OGC API Features Part 1). */
export function parseDatetime(raw: string | undefined): DatetimeInterval | undefined {
  if (raw === undefined) return undefined;
  const one = (s: string): string | null => {
    if (s === '..' || s === '') return null;
    if (validDate(s) || validTimestamp(s)) return s;
    throw new BadParameter('datetime', `"${s.slice(0, 40)}" is not an RFC 3339 date or date-time (e.g. 2024-05-01 or 2024-05-01T12:00:00Z)`);
  };
  const parts = raw.split('/');
  if (parts.length > 2) throw new BadParameter('datetime', 'datetime is an instant or an interval start/end');
  if (parts.length === 1) {
    const v = one(parts[0]!);
    if (v === null) throw new BadParameter('datetime', 'an instant cannot be open');
    return { start: v, end: v };
  }
  const iv = { start: one(parts[0]!), end: one(parts[1]!) };
  if (iv.start && iv.end && Date.parse(iv.start) > Date.parse(iv.end)) throw new BadParameter('datetime', 'interval start is after its end');
  return iv;
}

/** Features of a temporal layer whose validity [start, end] meets the interval; open ends are unbounded. */
export function datetimeCondition(layer: LayerSchema, iv: DatetimeInterval): RawBuilder<unknown> | undefined {
  if (!layer.temporal) return undefined;
  const fs = sql.ref(`t.${layer.temporal.start}`);
  const fe = layer.temporal.end ? sql.ref(`t.${layer.temporal.end}`) : fs;
  const conds: RawBuilder<unknown>[] = [];
  if (iv.end !== null) conds.push(sql`(${fs} IS NULL OR ${fs}::timestamptz <= ${iv.end}::timestamptz)`);
  if (iv.start !== null) conds.push(sql`(${fe} IS NULL OR ${fe}::timestamptz >= ${iv.start}::timestamptz)`);
  return conds.length ? sql.join(conds, sql` AND `) : undefined;
}

/** only one value per parameter: koa gives arrays for repeated ones */
export function single(q: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) throw new BadParameter(name, `${name} may be given only once`);
  return v;
}
