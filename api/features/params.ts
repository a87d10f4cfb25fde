import { sql, type RawBuilder } from 'kysely';
import type { GeometryType, LayerSchema } from '../../schemas/index.ts';
import { BadParameter } from '../problem.ts';
import { CRS84, geomFrom, type ApiCrs } from './crs.ts';
import { featureProperties, type FeatureProperty } from './properties.ts';
import { validDate, validTimestamp } from './cql2/compile.ts';
import type { Cursor, SortKey } from './items.ts';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

export type Bbox = [number, number, number, number];

/**
 * A `limit` above the maximum is not an error (OGC API Features Part 1, Req /req/core/fc-limit-response):
 * the page holds at most MAX_LIMIT features and the `next` link continues.
 */
export function parseLimit(raw: unknown): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const s = String(raw);
  if (!/^\d{1,15}$/.test(s)) throw new BadParameter('limit', `limit must be a positive integer (at most ${MAX_LIMIT} are returned)`);
  const n = Number(s);
  if (n < 1) throw new BadParameter('limit', `limit must be at least 1, got ${n}`);
  return Math.min(n, MAX_LIMIT);
}

/**
 * bbox=minx,miny,maxx,maxy in `crs` axis order (CRS84 by default: lon/lat; EPSG:4326: lat/lon);
 * 6 numbers with heights are accepted, heights ignored. In a geographic CRS a west edge greater
 * than the east edge is a box spanning the antimeridian (Part 1, 7.15.3 "Parameter bbox").
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
  const within = (v: number, lo: number, hi: number) => v >= lo && v <= hi;
  if (![minx!, maxx!].every((v) => within(v, rx0, rx1)) || ![miny!, maxy!].every((v) => within(v, ry0, ry1)))
    throw new BadParameter('bbox', `bbox must lie within ${crs.range.join(',')} (${crs.uri})`);
  const lonAxis = geographic(crs) ? (crs.latLon ? 1 : 0) : -1;
  if (lonAxis !== 1 && miny! > maxy!) throw new BadParameter('bbox', 'bbox lower corner is above the upper corner');
  if (lonAxis !== 0 && minx! > maxx!) throw new BadParameter('bbox', 'bbox lower corner is right of the upper corner');
  return [minx!, miny!, maxx!, maxy!];
}

function geographic(crs: ApiCrs): boolean {
  return crs.srid === 4326;
}

/** The bbox as one or two boxes (split at the antimeridian when its west edge is east of its east edge). */
export function bboxParts(b: Bbox, crs: ApiCrs): Bbox[] {
  if (!geographic(crs)) return [b];
  const [minx, miny, maxx, maxy] = b;
  if (!crs.latLon && minx > maxx) return [[minx, miny, 180, maxy], [-180, miny, maxx, maxy]];
  if (crs.latLon && miny > maxy) return [[minx, miny, maxx, 180], [minx, -180, maxx, maxy]];
  return [b];
}

/**
 * The SQL condition of a bbox given in `crs`: only features whose geometry intersects the box
 * (Req /req/core/fc-bbox-response). For points the index test `&&` is already exact; every other
 * geometry type needs ST_Intersects after it (an envelope may overlap the box while the line or
 * polygon does not).
 */
export function bboxCondition(b: Bbox, crs: ApiCrs, geometryType: GeometryType, geom: RawBuilder<unknown> = sql`t.geom`): RawBuilder<unknown> {
  const conds = bboxParts(b, crs).map((p) => {
    if (geographic(crs)) {
      // storage is lon/lat: EPSG:4326's lat/lon box is the same box with its axes swapped
      const [x0, y0, x1, y1] = crs.latLon ? [p[1], p[0], p[3], p[2]] : p;
      const env = sql`ST_MakeEnvelope(${x0}::float8, ${y0}::float8, ${x1}::float8, ${y1}::float8, 4326)`;
      return geometryType === 'Point' ? sql`${geom} && ${env}` : sql`(${geom} && ${env} AND ST_Intersects(${geom}, ${env}))`;
    }
    // densify before transforming so the curved edges of the box in lon/lat are followed
    const env = geomFrom(crs, sql`ST_Segmentize(ST_MakeEnvelope(${p[0]}::float8, ${p[1]}::float8, ${p[2]}::float8, ${p[3]}::float8), ${Math.max(p[2] - p[0], p[3] - p[1]) / 16}::float8)`);
    return sql`ST_Intersects(${geom}, ${env})`;
  });
  return conds.length === 1 ? conds[0]! : sql`(${sql.join(conds, sql` OR `)})`;
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
