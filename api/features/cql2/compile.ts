import { sql, type RawBuilder } from 'kysely';
import type { Attribute, LayerSchema } from '../../../schemas/index.ts';
import { BadParameter } from '../../problem.ts';
import { geomFrom, type ApiCrs } from '../crs.ts';
import { MUNICIPALITY_PROPERTY } from '../properties.ts';
import type { Cql2Json } from './parse-text.ts';

/**
 * CQL2 JSON tree → parameterised SQL over a layer table aliased `t`. Property
 * names resolve only to columns of the layer's schema (the identifiers are the
 * schema's, never the request's); every literal is a bound parameter.
 */
export type ValueType = 'text' | 'number' | 'boolean' | 'date' | 'timestamp';

type Operand =
  | { kind: 'column'; sql: RawBuilder<unknown>; type: ValueType | 'geometry' }
  | { kind: 'literal'; value: string | number | boolean; type: ValueType | 'string' };

export interface CompileContext {
  layer: LayerSchema;
  /** CRS of geometry literals (filter-crs); default CRS84 */
  filterCrs: ApiCrs;
}

export const GEOMETRY_PROPERTY = 'geometry';
/**
 * When a feature was last written (an edit or an import): queryable but not returned, so the
 * editor can list what changed lately (`zmeneno >= TIMESTAMP(…)`) without a second API.
 */
export const UPDATED_PROPERTY = 'zmeneno';
const MAX_DEPTH = 60;
const MAX_LIST = 1000;
const GEOMETRY_TYPES = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection']);
const SPATIAL: Record<string, string> = {
  s_intersects: 'ST_Intersects',
  s_disjoint: 'ST_Disjoint',
  s_equals: 'ST_Equals',
  s_touches: 'ST_Touches',
  s_within: 'ST_Within',
  s_contains: 'ST_Contains',
  s_overlaps: 'ST_Overlaps',
  s_crosses: 'ST_Crosses',
};
const TEMPORAL = new Set(['t_after', 't_before', 't_contains', 't_disjoint', 't_during', 't_equals', 't_intersects']);
const COMPARE = new Set(['=', '<>', '<', '<=', '>', '>=']);
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

function fail(detail: string): never {
  throw new BadParameter('filter', detail);
}

export function attributeValueType(a: Attribute): ValueType {
  return a.type === 'integer' || a.type === 'number' ? 'number' : a.type === 'code' ? 'text' : a.type;
}

export function validDate(s: string): boolean {
  if (!DATE_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export function validTimestamp(s: string): boolean {
  return TIMESTAMP_RE.test(s) && validDate(s.slice(0, 10)) && !Number.isNaN(Date.parse(s));
}

/** The queryable properties of a layer: its attributes, the municipality code, the time of the last write, the geometry. */
export function queryableColumn(layer: LayerSchema, name: string): { column: string; type: ValueType | 'geometry' } | undefined {
  if (name === GEOMETRY_PROPERTY) return { column: 'geom', type: 'geometry' };
  if (layer.perMunicipality && name === MUNICIPALITY_PROPERTY) return { column: 'municipality_code', type: 'number' };
  if (name === UPDATED_PROPERTY && !layer.attributes.some((x) => x.name === name)) return { column: 'updated_at', type: 'timestamp' };
  const a = layer.attributes.find((x) => x.name === name);
  return a ? { column: a.name, type: attributeValueType(a) } : undefined;
}

const isObj = (v: unknown): v is Record<string, Cql2Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function compileCql2(tree: Cql2Json, ctx: CompileContext): RawBuilder<unknown> {
  let depth = 0;

  const property = (name: unknown): Operand => {
    if (typeof name !== 'string') fail('"property" must name a property');
    const col = queryableColumn(ctx.layer, name);
    if (!col) fail(`unknown property "${name.slice(0, 60)}"; see /collections/${ctx.layer.id}/queryables`);
    return { kind: 'column', sql: sql`t.${sql.raw(col.column)}`, type: col.type };
  };

  const scalar = (n: Cql2Json): Operand => {
    if (typeof n === 'string') return { kind: 'literal', value: n, type: 'string' };
    if (typeof n === 'number') {
      if (!Number.isFinite(n)) fail('numbers must be finite');
      return { kind: 'literal', value: n, type: 'number' };
    }
    if (typeof n === 'boolean') return { kind: 'literal', value: n, type: 'boolean' };
    if (isObj(n)) {
      if ('property' in n) return property(n.property);
      if ('date' in n) {
        if (typeof n.date !== 'string' || !validDate(n.date)) fail(`invalid DATE "${String(n.date).slice(0, 40)}" (use YYYY-MM-DD)`);
        return { kind: 'literal', value: n.date, type: 'date' };
      }
      if ('timestamp' in n) {
        if (typeof n.timestamp !== 'string' || !validTimestamp(n.timestamp))
          fail(`invalid TIMESTAMP "${String(n.timestamp).slice(0, 40)}" (use RFC 3339 with a time zone)`);
        return { kind: 'literal', value: n.timestamp, type: 'timestamp' };
      }
      if ('op' in n && (n.op === 'casei' || n.op === 'accenti')) {
        const args = argList(n, 1);
        const inner = scalar(args[0]!);
        if (inner.type !== 'text' && inner.type !== 'string') fail(`${n.op.toUpperCase()}() applies to text`);
        const s = valueSql(inner, 'text');
        return { kind: 'column', sql: n.op === 'casei' ? sql`lower(${s})` : sql`geoportal_unaccent(${s})`, type: 'text' };
      }
      if ('op' in n) fail(`unknown or unsupported function "${String(n.op).slice(0, 60)}" as a value`);
    }
    fail(`unsupported value ${JSON.stringify(n)?.slice(0, 60)}`);
  };

  /** SQL for an operand used as a value of `type`; literals are bound and cast. */
  const valueSql = (o: Operand, type: ValueType): RawBuilder<unknown> => {
    if (o.kind === 'column') return o.sql;
    const v = o.value;
    switch (type) {
      case 'number':
        if (typeof v !== 'number') fail(`expected a number, got ${JSON.stringify(v).slice(0, 40)}`);
        return sql`${v}::float8`;
      case 'boolean':
        if (typeof v !== 'boolean') fail(`expected TRUE or FALSE, got ${JSON.stringify(v).slice(0, 40)}`);
        return sql`${v}::boolean`;
      case 'date':
      case 'timestamp':
        if (typeof v !== 'string' || !(validDate(v) || validTimestamp(v))) fail(`expected a date or timestamp, got ${JSON.stringify(v).slice(0, 40)}`);
        return validDate(v) ? sql`${v}::date` : sql`${v}::timestamptz`;
      case 'text':
        if (typeof v !== 'string') fail(`expected a string, got ${JSON.stringify(v).slice(0, 40)}`);
        return sql`${v}::text`;
    }
  };

  /** The type two operands are compared as: a column's type wins over a literal's. */
  const commonType = (ops: Operand[]): ValueType => {
    const col = ops.find((o) => o.kind === 'column');
    if (col) {
      if (col.type === 'geometry') fail('the geometry can only be used in spatial functions');
      for (const o of ops)
        if (o.kind === 'column' && o.type !== col.type && !(isTemporal(o.type) && isTemporal(col.type)))
          fail(`cannot compare a ${o.type} with a ${col.type}`);
      return col.type;
    }
    const lit = ops[0] as Extract<Operand, { kind: 'literal' }>;
    return lit.type === 'string' ? 'text' : lit.type;
  };

  const argList = (n: Record<string, Cql2Json>, count: number | [number, number]): Cql2Json[] => {
    const a = n.args;
    const [lo, hi] = typeof count === 'number' ? [count, count] : count;
    if (!Array.isArray(a) || a.length < lo || a.length > hi) fail(`"${String(n.op)}" takes ${lo === hi ? lo : `${lo} to ${hi}`} argument(s)`);
    return a;
  };

  const geometry = (n: Cql2Json): RawBuilder<unknown> => {
    if (isObj(n) && 'property' in n) {
      const p = property(n.property);
      if (p.kind !== 'column' || p.type !== 'geometry') fail(`"${String(n.property)}" is not a geometry; use "${GEOMETRY_PROPERTY}"`);
      return p.sql;
    }
    if (isObj(n) && 'bbox' in n) {
      const b = n.bbox;
      if (!Array.isArray(b) || (b.length !== 4 && b.length !== 6) || b.some((x) => typeof x !== 'number' || !Number.isFinite(x)))
        fail('a bbox takes 4 or 6 finite numbers');
      const [x1, y1, x2, y2] = (b.length === 4 ? b : [b[0], b[1], b[3], b[4]]) as number[];
      return geomFrom(ctx.filterCrs, sql`ST_MakeEnvelope(${x1}::float8, ${y1}::float8, ${x2}::float8, ${y2}::float8)`);
    }
    if (isObj(n) && typeof n.type === 'string' && GEOMETRY_TYPES.has(n.type)) {
      checkGeometry(n, 0);
      return geomFrom(ctx.filterCrs, sql`ST_GeomFromGeoJSON(${JSON.stringify(n)})`);
    }
    fail(`expected a geometry (WKT, GeoJSON, BBOX or the "${GEOMETRY_PROPERTY}" property), got ${JSON.stringify(n)?.slice(0, 60)}`);
  };

  /** start and end of a temporal operand (an instant has start = end) as timestamptz */
  const temporal = (n: Cql2Json): [RawBuilder<unknown>, RawBuilder<unknown>] => {
    if (isObj(n) && 'interval' in n) {
      const iv = n.interval;
      if (!Array.isArray(iv) || iv.length !== 2) fail('an interval has two ends');
      const end = (e: Cql2Json, open: string): RawBuilder<unknown> => {
        if (e === '..') return sql`${open}::timestamptz`;
        if (typeof e === 'string') {
          if (validDate(e)) return sql`${e}::date::timestamptz`;
          if (validTimestamp(e)) return sql`${e}::timestamptz`;
          fail(`invalid interval end "${e.slice(0, 40)}"`);
        }
        const [s] = temporal(e);
        return sql`coalesce(${s}, ${open}::timestamptz)`;
      };
      return [end(iv[0]!, '-infinity'), end(iv[1]!, 'infinity')];
    }
    const o = scalar(n);
    if (o.kind === 'column') {
      if (o.type !== 'date' && o.type !== 'timestamp') fail('temporal functions take dates, timestamps or intervals');
      const s = sql`${o.sql}::timestamptz`;
      return [s, s];
    }
    if (o.type !== 'date' && o.type !== 'timestamp') fail('temporal functions take DATE(), TIMESTAMP() or INTERVAL() literals');
    const s = o.type === 'date' ? sql`${o.value}::date::timestamptz` : sql`${o.value}::timestamptz`;
    return [s, s];
  };

  const predicate = (n: Cql2Json): RawBuilder<unknown> => {
    if (++depth > MAX_DEPTH) fail(`filter is nested deeper than ${MAX_DEPTH} levels`);
    try {
      if (typeof n === 'boolean') return n ? sql`true` : sql`false`;
      if (!isObj(n) || typeof n.op !== 'string') fail(`expected a predicate, got ${JSON.stringify(n)?.slice(0, 60)}`);
      const op = n.op.toLowerCase();
      if (op === 'and' || op === 'or') {
        const args = argList(n, [2, 1000]);
        return sql`(${sql.join(args.map(predicate), op === 'and' ? sql` AND ` : sql` OR `)})`;
      }
      if (op === 'not') return sql`(NOT ${predicate(argList(n, 1)[0]!)})`;
      if (COMPARE.has(op)) {
        const ops = argList(n, 2).map(scalar);
        const type = commonType(ops);
        return sql`(${valueSql(ops[0]!, type)} ${sql.raw(op)} ${valueSql(ops[1]!, type)})`;
      }
      if (op === 'like') {
        const ops = argList(n, 2).map(scalar);
        if (commonType(ops) !== 'text') fail('LIKE compares text');
        return sql`(${valueSql(ops[0]!, 'text')} LIKE ${valueSql(ops[1]!, 'text')})`;
      }
      if (op === 'between') {
        const ops = argList(n, 3).map(scalar);
        const type = commonType(ops);
        if (type !== 'number' && !isTemporal(type)) fail('BETWEEN compares numbers or dates');
        return sql`(${valueSql(ops[0]!, type)} BETWEEN ${valueSql(ops[1]!, type)} AND ${valueSql(ops[2]!, type)})`;
      }
      if (op === 'in') {
        const [item, list] = argList(n, 2);
        if (!Array.isArray(list) || list.length === 0 || list.length > MAX_LIST) fail(`IN takes a list of 1 to ${MAX_LIST} values`);
        const ops = [scalar(item!), ...list.map(scalar)];
        const type = commonType(ops);
        return sql`(${valueSql(ops[0]!, type)} IN (${sql.join(ops.slice(1).map((o) => valueSql(o, type)))}))`;
      }
      if (op === 'isnull') {
        const o = scalar(argList(n, 1)[0]!);
        if (o.kind !== 'column') fail('IS NULL applies to a property');
        return sql`(${o.sql} IS NULL)`;
      }
      if (SPATIAL[op]) {
        const [a, b] = argList(n, 2).map(geometry);
        return sql`${sql.raw(SPATIAL[op]!)}(${a}, ${b})`;
      }
      if (TEMPORAL.has(op)) {
        const [[as, ae], [bs, be]] = argList(n, 2).map(temporal) as [[RawBuilder<unknown>, RawBuilder<unknown>], [RawBuilder<unknown>, RawBuilder<unknown>]];
        switch (op) {
          case 't_after':
            return sql`(${as} > ${be})`;
          case 't_before':
            return sql`(${ae} < ${bs})`;
          case 't_intersects':
            return sql`(${as} <= ${be} AND ${ae} >= ${bs})`;
          case 't_disjoint':
            return sql`(NOT (${as} <= ${be} AND ${ae} >= ${bs}))`;
          case 't_equals':
            return sql`(${as} = ${bs} AND ${ae} = ${be})`;
          case 't_during':
            return sql`(${as} > ${bs} AND ${ae} < ${be})`;
          default:
            return sql`(${bs} > ${as} AND ${be} < ${ae})`;
        }
      }
      fail(`unknown or unsupported function "${op.slice(0, 60)}"`);
    } finally {
      depth--;
    }
  };

  return predicate(tree);
}

function isTemporal(t: string): boolean {
  return t === 'date' || t === 'timestamp';
}

/** GeoJSON geometry shape check, so PostGIS never sees a malformed one. */
function checkGeometry(g: Record<string, Cql2Json>, level: number): void {
  if (level > 3) fail('geometry collections nest too deep');
  if (g.type === 'GeometryCollection') {
    if (!Array.isArray(g.geometries) || g.geometries.length === 0) fail('a GeometryCollection needs geometries');
    for (const m of g.geometries) {
      if (!isObj(m) || typeof m.type !== 'string' || !GEOMETRY_TYPES.has(m.type)) fail('invalid member of a GeometryCollection');
      checkGeometry(m, level + 1);
    }
    return;
  }
  const pos = (p: Cql2Json) => {
    if (!Array.isArray(p) || p.length < 2 || p.length > 3 || p.some((x) => typeof x !== 'number' || !Number.isFinite(x))) fail('a position is 2 or 3 finite numbers');
  };
  const line = (l: Cql2Json, min: number) => {
    if (!Array.isArray(l) || l.length < min) fail(`a line needs at least ${min} positions`);
    l.forEach(pos);
  };
  const ring = (r: Cql2Json) => {
    if (!Array.isArray(r) || r.length < 4) fail('a polygon ring needs at least 4 positions');
    line(r, 4);
    const a = (r as number[][])[0]!;
    const b = (r as number[][]).at(-1)!;
    if (a[0] !== b[0] || a[1] !== b[1]) fail('a polygon ring must be closed');
  };
  const poly = (p: Cql2Json) => {
    if (!Array.isArray(p) || p.length === 0) fail('a polygon needs a ring');
    p.forEach(ring);
  };
  const c = g.coordinates;
  const many = (f: (x: Cql2Json) => void) => {
    if (!Array.isArray(c) || c.length === 0) fail(`${g.type} needs coordinates`);
    c.forEach(f);
  };
  switch (g.type) {
    case 'Point':
      return pos(c!);
    case 'MultiPoint':
      return many(pos);
    case 'LineString':
      return line(c!, 2);
    case 'MultiLineString':
      return many((l) => line(l, 2));
    case 'Polygon':
      return poly(c!);
    case 'MultiPolygon':
      return many(poly);
  }
}
