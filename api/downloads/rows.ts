import { sql, type RawBuilder } from 'kysely';
import { readableAttributes, tableName, type AttributeType, type LayerSchema } from '../../schemas/index.ts';
import { geoJsonOriented, MUNICIPALITY_PROPERTY } from '../features/items.ts';
import { bboxCondition } from '../features/params.ts';
import { CRS84 } from '../features/crs.ts';
import type { FieldDecoder } from './copy-binary.ts';

/** One column of an export file: the feature id, the stable source id, the schema attributes, and the municipality code of pasports. */
export interface ExportColumn {
  name: string;
  type: AttributeType;
}

export function exportColumns(layer: LayerSchema): ExportColumn[] {
  // source_id: the stable id the ETL matches records by, so re-importing our own download changes nothing
  const cols: ExportColumn[] = [{ name: 'fid', type: 'integer' }, { name: 'source_id', type: 'text' }];
  for (const a of readableAttributes(layer)) cols.push({ name: a.name, type: a.type });
  // a schema may carry the municipality code as an attribute of its own; then that column is it
  if (layer.perMunicipality && !cols.some((c) => c.name === MUNICIPALITY_PROPERTY)) cols.push({ name: MUNICIPALITY_PROPERTY, type: 'integer' });
  return cols;
}

export type Bbox = [number, number, number, number];

export interface ExportSelection {
  /** RÚIAN code: only that municipality's features (pasports) */
  municipality?: number;
  bbox?: Bbox;
  /** compiled CQL2 filter over the table aliased `t` (api/features/cql2) */
  filter?: RawBuilder<unknown>;
}

export interface GeometryWanted {
  /** ISO/OGC WKB, little endian, storage CRS (EPSG:4326) */
  wkb?: boolean;
  /** rings oriented for Shapefile (outer clockwise) */
  clockwise?: boolean;
  /** envelope of each geometry */
  envelope?: boolean;
  /** GeoJSON geometry text (8 decimals ≈ 1 mm) */
  geojson?: boolean;
  /** a representative point (the point itself, else a point on the surface) in WGS 84 and S-JTSK */
  point?: boolean;
  /** WKT of non-point geometries (CSV) */
  wkt?: boolean;
  /** the export columns as one JSON object text, made by PostgreSQL (row_to_json): one field to parse instead of one per column */
  propsJson?: boolean;
  /** a bytea expression over `t` to return as `wkb` instead of the plain WKB (GeoPackageBinary) */
  gpkgBlob?: RawBuilder<unknown>;
  /** further `expression AS name` members of that JSON object */
  jsonExtra?: RawBuilder<unknown>[];
  /** false: `values` holds only the fid (the caller reads the attributes from `propsJson`) */
  values?: boolean;
}

export interface ExportRow {
  values: unknown[];
  wkb?: Buffer;
  env?: Bbox;
  geojson?: string;
  lon?: number;
  lat?: number;
  x?: number;
  y?: number;
  wkt?: string;
  propsJson?: string;
}

/** rows per chunk: large enough that round trips do not dominate, small enough to keep memory flat */
export const CHUNK = 2000;

export function selectionWhere(layer: LayerSchema, sel: ExportSelection): RawBuilder<unknown> {
  const conds: RawBuilder<unknown>[] = [sql`true`];
  if (sel.municipality !== undefined) {
    conds.push(layer.perMunicipality ? sql`t.municipality_code = ${sel.municipality}` : sql`false`);
  }
  // the same test as items: exact for lines and polygons, split at the antimeridian
  if (sel.bbox) conds.push(bboxCondition(sel.bbox, CRS84, layer.geometryType));
  if (sel.filter) conds.push(sql`(${sel.filter})`);
  return sql.join(conds, sql` AND `);
}

export function columnExpr(layer: LayerSchema, c: ExportColumn): RawBuilder<unknown> {
  if (c.name === 'fid') return sql`t.fid`;
  if (layer.perMunicipality && c.name === MUNICIPALITY_PROPERTY && !layer.attributes.some((a) => a.name === c.name)) return sql`t.municipality_code`;
  if (c.type === 'date') return sql`to_char(${sql.ref(`t.${c.name}`)}, 'YYYY-MM-DD')`;
  return sql.ref(`t.${c.name}`);
}

const DECODER: Record<AttributeType, FieldDecoder> = {
  text: 'text',
  code: 'text',
  integer: 'int',
  number: 'float',
  boolean: 'bool',
  // to_char: ISO text
  date: 'text',
};

/**
 * The SELECT of an export, shared by the row sources: its output columns
 * (`f0`, `f1`, … in this order: the export columns, then what `want` asks for)
 * with the binary decoder of each, and how one row of them becomes an ExportRow.
 */
export interface ExportPlan {
  /** `expr AS fN, …` */
  select: RawBuilder<unknown>;
  /** `table t` and its lateral joins */
  from: RawBuilder<unknown>;
  where: RawBuilder<unknown>;
  decoders: FieldDecoder[];
  /** output column names, f0 … */
  names: string[];
  /** the row's fields in output order → ExportRow (takes over the array as `values`) */
  toRow(fields: unknown[]): ExportRow;
}

export function exportPlan(layer: LayerSchema, sel: ExportSelection, want: GeometryWanted): ExportPlan {
  const cols = want.values === false ? exportColumns(layer).slice(0, 1) : exportColumns(layer);
  const exprs: RawBuilder<unknown>[] = [];
  const decoders: FieldDecoder[] = [];
  const add = (e: RawBuilder<unknown>, d: FieldDecoder) => {
    exprs.push(e);
    decoders.push(d);
  };
  for (const c of cols) add(columnExpr(layer, c), c.name === 'fid' ? 'int' : DECODER[c.type]);
  const nValues = cols.length;
  const g = want.clockwise ? sql`ST_ForcePolygonCW(t.geom)` : sql`t.geom`;
  const wkb = !!(want.gpkgBlob || want.wkb);
  if (want.gpkgBlob) add(want.gpkgBlob, 'bytea');
  else if (want.wkb) add(sql`ST_AsBinary(${g}, 'NDR')`, 'bytea');
  if (want.envelope) for (const e of [sql`ST_XMin(t.geom)`, sql`ST_YMin(t.geom)`, sql`ST_XMax(t.geom)`, sql`ST_YMax(t.geom)`]) add(e, 'float');
  // GeoJSON follows RFC 7946's right-hand rule (Shapefile above keeps its clockwise exterior rings)
  if (want.geojson) add(sql`ST_AsGeoJSON(${geoJsonOriented(layer, sql`t.geom`)}, 8)`, 'text');
  // the representative point and its S-JTSK transform are computed once per row (LATERAL), not per output column
  const p = layer.geometryType === 'Point' ? sql`t.geom` : sql`ST_PointOnSurface(t.geom)`;
  const lateral = want.point ? sql`CROSS JOIN LATERAL (SELECT ${p} AS wgs) AS p1 CROSS JOIN LATERAL (SELECT ST_Transform(p1.wgs, 5514) AS sjtsk) AS p2` : sql``;
  if (want.point) for (const e of [sql`ST_X(p1.wgs)`, sql`ST_Y(p1.wgs)`, sql`ST_X(p2.sjtsk)`, sql`ST_Y(p2.sjtsk)`]) add(e, 'float');
  const wkt = !!want.wkt && layer.geometryType !== 'Point';
  if (wkt) add(sql`ST_AsText(t.geom, 8)`, 'text');
  // JSON keys are the export column names, in export order (identifiers from the schema registry)
  const props = want.propsJson
    ? sql`CROSS JOIN LATERAL (SELECT ${sql.join([...exportColumns(layer).map((c) => sql`${columnExpr(layer, c)} AS ${sql.ref(c.name)}`), ...(want.jsonExtra ?? [])])}) AS j`
    : sql``;
  if (want.propsJson) add(sql`row_to_json(j)::text`, 'text');
  const names = exprs.map((_, i) => `f${i}`);
  const { envelope, geojson, point, propsJson } = want;
  return {
    select: sql.join(exprs.map((e, i) => sql`${e} AS ${sql.ref(names[i]!)}`)),
    from: sql`${sql.raw(tableName(layer))} t ${lateral} ${props}`,
    where: selectionWhere(layer, sel),
    decoders,
    names,
    toRow(f) {
      let k = nValues;
      const out: ExportRow = { values: f };
      if (wkb) out.wkb = f[k++] as Buffer;
      if (envelope) {
        out.env = [f[k] as number, f[k + 1] as number, f[k + 2] as number, f[k + 3] as number];
        k += 4;
      }
      if (geojson) out.geojson = f[k++] as string;
      if (point) {
        out.lon = f[k] as number;
        out.lat = f[k + 1] as number;
        out.x = f[k + 2] as number;
        out.y = f[k + 3] as number;
        k += 4;
      }
      if (wkt) out.wkt = f[k++] as string;
      if (propsJson) out.propsJson = f[k++] as string;
      f.length = nValues;
      return out;
    },
  };
}

/** Longest value in bytes of each text column of the selection, by export column index (`w<index>`), one scan; undefined when there are none. */
export function textWidthsSql(layer: LayerSchema, sel: ExportSelection): RawBuilder<Record<string, number | null>> | undefined {
  const text = exportColumns(layer)
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.type === 'text' || c.type === 'code');
  if (text.length === 0) return undefined;
  return sql<Record<string, number | null>>`SELECT ${sql.join(
    text.map(({ c, i }) => sql`max(octet_length(${columnExpr(layer, c)}))::int AS ${sql.ref(`w${i}`)}`),
  )} FROM ${sql.raw(tableName(layer))} t WHERE ${selectionWhere(layer, sel)}`;
}
