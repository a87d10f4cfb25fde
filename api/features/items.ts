import { sql, type Kysely, type RawBuilder } from 'kysely';
import { tableName, type LayerSchema } from '../../schemas/index.ts';
import { BadParameter } from '../problem.ts';
import { CRS84, geomIn, type ApiCrs } from './crs.ts';
import { featureProperties, type FeatureProperty } from './properties.ts';
import { POSITION_MEMBER, positionJson } from '../editing/position.ts';

export { MUNICIPALITY_PROPERTY } from './properties.ts';

export interface SortKey {
  prop: FeatureProperty;
  desc: boolean;
}

/** Position in the ordered result: the sort-key values (as text) and fid of the row next to the page. */
export interface Cursor {
  /** `n`: rows after this position (next page), `p`: rows before it (previous page) */
  dir: 'n' | 'p';
  values: (string | null)[];
  fid: number;
}

export interface ItemsQuery {
  limit: number;
  /** bbox, datetime and CQL2 conditions over the table aliased `t` */
  filters?: RawBuilder<unknown>[];
  crs?: ApiCrs;
  /** selected properties (default all) */
  properties?: FeatureProperty[];
  sortby?: SortKey[];
  cursor?: Cursor;
  /**
   * Count the matches exactly only up to this many (ITEMS_EXACT_COUNT_MAX); beyond it the planner's
   * estimate is returned instead. Undefined: always exact.
   */
  exactCountMax?: number;
}

export interface ItemsPage {
  /** the page's GeoJSON Features, comma-joined (the members of the `features` array), as UTF-8 bytes */
  featuresJson: Uint8Array;
  numberReturned: number;
  /** the exact number of matches, when counted */
  numberMatched?: number;
  /** the planner's estimate of the matches, when there are more than ItemsQuery.exactCountMax */
  numberMatchedEstimate?: number;
  /** cursor for the next page, if there is one */
  next?: Cursor;
  /** cursor for the previous page, if there is one */
  prev?: Cursor;
}

/**
 * RFC 7946 §3.1.6 right-hand rule: exterior rings counterclockwise, holes clockwise. Applied after
 * any CRS transform and axis flip, since swapping the axes reverses a ring's orientation.
 */
export function geoJsonOriented(layer: LayerSchema, geom: RawBuilder<unknown>): RawBuilder<unknown> {
  return /Polygon$/.test(layer.geometryType) ? sql`ST_ForcePolygonCCW(${geom})` : geom;
}

/** GeoJSON Feature built by PostGIS itself, returned as text so the API never re-parses it. */
function featureJson(layer: LayerSchema, crs: ApiCrs, props: FeatureProperty[]): RawBuilder<string> {
  const kv = props.flatMap((p) => [sql.lit(p.name), sql.ref(`t.${p.column}`)]);
  return sql<string>`json_build_object(
    'type', 'Feature', 'id', t.fid,
    'geometry', ST_AsGeoJSON(${geoJsonOriented(layer, geomIn(crs, sql`t.geom`))}, ${sql.lit(crs.precision)})::json,
    'properties', ${kv.length ? sql`json_build_object(${sql.join(kv)})` : sql`'{}'::json`})::text`;
}

/**
 * Keyset condition "comes after `c`" in the order (keys…, fid), nulls last in
 * both directions; for a previous page the whole order is reversed.
 */
function afterCursor(keys: SortKey[], c: Cursor): RawBuilder<unknown> {
  const back = c.dir === 'p';
  const fidCmp = back ? sql`t.fid < ${c.fid}` : sql`t.fid > ${c.fid}`;
  let cond: RawBuilder<unknown> = fidCmp;
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i]!;
    const col = sql.ref(`t.${k.prop.column}`);
    const v = c.values[i];
    const desc = k.desc !== back;
    const nullsLast = !back;
    let gt: RawBuilder<unknown>;
    let eq: RawBuilder<unknown>;
    if (v === null || v === undefined) {
      gt = nullsLast ? sql`false` : sql`${col} IS NOT NULL`;
      eq = sql`${col} IS NULL`;
    } else {
      const val = sql`${v}::${sql.raw(k.prop.sqlType)}`;
      const cmp = desc ? sql`${col} < ${val}` : sql`${col} > ${val}`;
      gt = nullsLast ? sql`(${cmp} OR ${col} IS NULL)` : cmp;
      eq = sql`${col} = ${val}`;
    }
    cond = sql`(${gt} OR (${eq} AND ${cond}))`;
  }
  return cond;
}

function orderBy(keys: SortKey[], back: boolean): RawBuilder<unknown> {
  const parts = keys.map((k) => {
    const desc = k.desc !== back;
    return sql`${sql.ref(`t.${k.prop.column}`)} ${sql.raw(desc ? 'DESC' : 'ASC')} ${sql.raw(back ? 'NULLS FIRST' : 'NULLS LAST')}`;
  });
  parts.push(sql`t.fid ${sql.raw(back ? 'DESC' : 'ASC')}`);
  return sql.join(parts);
}

function conjunction(conds: RawBuilder<unknown>[]): RawBuilder<unknown> {
  return conds.length ? sql.join(conds, sql` AND `) : sql`true`;
}

/** Rows of a table by its statistics (pg_class.reltuples), kept a minute per table: undefined before the first ANALYZE. */
const tableRows = new Map<string, { rows: number | undefined; at: number }>();
async function statisticsRows(db: Kysely<any>, table: string): Promise<number | undefined> {
  const hit = tableRows.get(table);
  if (hit && Date.now() - hit.at < 60_000) return hit.rows;
  const r = await sql<{ n: number | null }>`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = to_regclass(${table})`.execute(db);
  const n = r.rows[0]?.n;
  const rows = n === null || n === undefined || n < 0 ? undefined : n;
  tableRows.set(table, { rows, at: Date.now() });
  return rows;
}

/**
 * The planner's estimate of the rows matching `filters`, or undefined when the count should be exact:
 * the table (by its statistics) or the estimate is at most `max`. Counting is what makes a filtered page
 * slow on a layer of millions of features; the estimate costs one EXPLAIN and no rows read.
 */
async function estimatedMatches(db: Kysely<any>, layer: LayerSchema, filters: RawBuilder<unknown>[], max: number): Promise<number | undefined> {
  const table = tableName(layer);
  const rows = await statisticsRows(db, table);
  if (rows === undefined || rows <= max) return undefined;
  const plan = await sql<{ 'QUERY PLAN': unknown }>`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${sql.raw(table)} t WHERE ${conjunction(filters)}`.execute(db);
  const doc = plan.rows[0]?.['QUERY PLAN'];
  const parsed = (typeof doc === 'string' ? JSON.parse(doc) : doc) as { Plan: { 'Plan Rows': number } }[];
  const estimate = Math.round(parsed[0]?.Plan['Plan Rows'] ?? 0);
  return estimate > max ? estimate : undefined;
}

export async function queryItems(db: Kysely<any>, layer: LayerSchema, q: ItemsQuery): Promise<ItemsPage> {
  const t = sql.raw(tableName(layer));
  const keys = q.sortby ?? [];
  const filters = q.filters ?? [];
  const estimate = q.exactCountMax === undefined ? undefined : await estimatedMatches(db, layer, filters, q.exactCountMax);
  const back = q.cursor?.dir === 'p';
  const pageConds = q.cursor ? [...filters, afterCursor(keys, q.cursor)] : filters;
  const keyCols = keys.map((k, i) => sql`${sql.ref(`t.${k.prop.column}`)}::text AS ${sql.raw(`k${i}`)}`);
  const keyRefs = keys.map((_, i) => sql.raw(`k${i}`));
  // PostgreSQL joins the page into one value, as bytes: the API forwards the Features without decoding
  // and re-encoding half a megabyte of UTF-8 per request. The keys of the first and last rows (for the
  // cursors) ride along; row_number() OVER () numbers the rows in the order the sorted, limited subquery yields them.
  // numberMatched is counted in the same statement: one connection per request, which is what bounds
  // throughput when many clients page at once
  const matched = estimate === undefined ? sql`(SELECT count(*)::int FROM ${t} t WHERE ${conjunction(filters)})` : sql`NULL::int`;
  const rows = await sql<{ features: Uint8Array | null; got: number; matched: number | null; ends: [number, number, ...(string | null)[]][] | null }>`
      WITH page AS (
        SELECT p.*, row_number() OVER () AS rn, count(*) OVER () AS total FROM (
          SELECT t.fid, ${sql.join([...keyCols, sql`${featureJson(layer, q.crs ?? CRS84, q.properties ?? featureProperties(layer))} AS f`])}
          FROM ${t} t WHERE ${conjunction(pageConds)} ORDER BY ${orderBy(keys, back)} LIMIT ${q.limit + 1}) p)
      SELECT convert_to(string_agg(f, ',' ORDER BY rn ${sql.raw(back ? 'DESC' : 'ASC')}) FILTER (WHERE rn <= ${q.limit}), 'UTF8') AS features,
        count(*)::int AS got,
        ${matched} AS matched,
        json_agg(json_build_array(${sql.join([sql`rn`, sql`fid`, ...keyRefs])}) ORDER BY rn) FILTER (WHERE rn = 1 OR rn = least(total, ${q.limit})) AS ends
      FROM page`.execute(db);
  const r = rows.rows[0]!;
  const more = r.got > q.limit;
  const returned = Math.min(r.got, q.limit);
  const ends = r.ends ?? [];
  // in SQL order: the first row, and the last one the page keeps
  const sqlFirst = ends.find((e) => e[0] === 1);
  const sqlLast = ends.find((e) => e[0] === returned);
  const [first, last] = back ? [sqlLast, sqlFirst] : [sqlFirst, sqlLast];
  const at = (e: (typeof ends)[number] | undefined, dir: 'n' | 'p'): Cursor | undefined =>
    e ? { dir, fid: e[1], values: keys.map((_, i) => (e[2 + i] as string | null | undefined) ?? null) } : undefined;
  // walking forward, a previous page exists when we came from a cursor; walking back, the next one always does
  const next = back ? at(last, 'n') : more ? at(last, 'n') : undefined;
  const prev = back ? (more ? at(first, 'p') : undefined) : q.cursor ? at(first, 'p') : undefined;
  const count = estimate === undefined ? { numberMatched: r.matched ?? 0 } : { numberMatchedEstimate: estimate };
  return { featuresJson: r.features ?? new Uint8Array(0), numberReturned: returned, ...count, next, prev };
}

/** One feature; with the `position` member (how its location was captured, issue 18.4) when that is known. */
export async function queryItem(db: Kysely<any>, layer: LayerSchema, fid: number, crs: ApiCrs = CRS84, properties?: FeatureProperty[]): Promise<string | undefined> {
  const r = await sql<{ f: string; position: string | null }>`SELECT ${featureJson(layer, crs, properties ?? featureProperties(layer))} AS f,
      (${positionJson('t')})::text AS position
    FROM ${sql.raw(tableName(layer))} t WHERE t.fid = ${fid}`.execute(db);
  const row = r.rows[0];
  if (!row) return undefined;
  return row.position ? `${row.f.slice(0, -1)},${JSON.stringify(POSITION_MEMBER)}:${row.position}}` : row.f;
}

export function encodeCursor(c: Cursor): string {
  // the plain form keeps the common case (no sortby, forward) readable
  if (c.dir === 'n' && c.values.length === 0) return String(c.fid);
  return Buffer.from(JSON.stringify([c.dir, c.fid, ...c.values])).toString('base64url');
}

export function decodeCursor(raw: string | undefined, keys: number): Cursor | undefined {
  if (raw === undefined) return undefined;
  const bad = () => new BadParameter('cursor', 'cursor must be the value given in a next or prev link (with the same sortby)');
  if (/^\d{1,15}$/.test(raw)) {
    if (keys !== 0) throw bad();
    return { dir: 'n', fid: Number(raw), values: [] };
  }
  if (raw.length > 4000 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(v) || v.length !== keys + 2) throw bad();
  const [dir, fid, ...values] = v as unknown[];
  if ((dir !== 'n' && dir !== 'p') || !Number.isSafeInteger(fid) || values.some((x) => x !== null && typeof x !== 'string')) throw bad();
  return { dir, fid: fid as number, values: values as (string | null)[] };
}
