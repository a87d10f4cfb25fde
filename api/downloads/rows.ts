import { sql, type Kysely, type RawBuilder } from 'kysely';
import { tableName, type AttributeType, type LayerSchema } from '../../schemas/index.ts';
import { MUNICIPALITY_PROPERTY } from '../features/items.ts';

/** One column of an export file: the feature id, the schema attributes, and the municipality code of pasports. */
export interface ExportColumn {
  name: string;
  type: AttributeType;
}

export function exportColumns(layer: LayerSchema): ExportColumn[] {
  const cols: ExportColumn[] = [{ name: 'fid', type: 'integer' }];
  for (const a of layer.attributes) cols.push({ name: a.name, type: a.type });
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

/** rows per query: large enough that round trips do not dominate, small enough to keep memory flat */
const CHUNK = 2000;

export function selectionWhere(layer: LayerSchema, sel: ExportSelection): RawBuilder<unknown> {
  const conds: RawBuilder<unknown>[] = [sql`true`];
  if (sel.municipality !== undefined) {
    conds.push(layer.perMunicipality ? sql`t.municipality_code = ${sel.municipality}` : sql`false`);
  }
  if (sel.bbox) conds.push(sql`t.geom && ST_MakeEnvelope(${sel.bbox[0]}, ${sel.bbox[1]}, ${sel.bbox[2]}, ${sel.bbox[3]}, 4326)`);
  if (sel.filter) conds.push(sql`(${sel.filter})`);
  return sql.join(conds, sql` AND `);
}

export function columnExpr(layer: LayerSchema, c: ExportColumn): RawBuilder<unknown> {
  if (c.name === 'fid') return sql`t.fid`;
  if (layer.perMunicipality && c.name === MUNICIPALITY_PROPERTY && !layer.attributes.some((a) => a.name === c.name)) return sql`t.municipality_code`;
  if (c.type === 'date') return sql`to_char(${sql.ref(`t.${c.name}`)}, 'YYYY-MM-DD')`;
  return sql.ref(`t.${c.name}`);
}

export async function countRows(db: Kysely<any>, layer: LayerSchema, sel: ExportSelection): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(tableName(layer))} t WHERE ${selectionWhere(layer, sel)}`.execute(db);
  return r.rows[0]!.n;
}

/**
 * Streams a layer's features in fid order, a chunk of rows at a time (keyset
 * paging), so memory stays flat whatever the layer size, on PostgreSQL and on
 * the single-connection PGlite alike (a long-held cursor would block PGlite).
 * The next chunk is requested as soon as one arrives, so the database selects
 * it while the caller formats this one (at most two chunks are held).
 */
export async function* exportRows(
  db: Kysely<any>,
  layer: LayerSchema,
  sel: ExportSelection,
  want: GeometryWanted,
  chunk = CHUNK,
): AsyncGenerator<ExportRow[]> {
  const cols = want.values === false ? exportColumns(layer).slice(0, 1) : exportColumns(layer);
  const keys = cols.map((_, i) => `c${i}`);
  const g = want.clockwise ? sql`ST_ForcePolygonCW(t.geom)` : sql`t.geom`;
  const extra: RawBuilder<unknown>[] = [];
  if (want.gpkgBlob) extra.push(sql`${want.gpkgBlob} AS g_wkb`);
  else if (want.wkb) extra.push(sql`ST_AsBinary(${g}, 'NDR') AS g_wkb`);
  if (want.envelope) extra.push(sql`ST_XMin(t.geom) AS g_xmin, ST_YMin(t.geom) AS g_ymin, ST_XMax(t.geom) AS g_xmax, ST_YMax(t.geom) AS g_ymax`);
  if (want.geojson) extra.push(sql`ST_AsGeoJSON(t.geom, 8) AS g_json`);
  // the representative point and its S-JTSK transform are computed once per row (LATERAL), not per output column
  const p = layer.geometryType === 'Point' ? sql`t.geom` : sql`ST_PointOnSurface(t.geom)`;
  const lateral = want.point ? sql`CROSS JOIN LATERAL (SELECT ${p} AS wgs) AS p1 CROSS JOIN LATERAL (SELECT ST_Transform(p1.wgs, 5514) AS sjtsk) AS p2` : sql``;
  if (want.point) extra.push(sql`ST_X(p1.wgs) AS g_lon, ST_Y(p1.wgs) AS g_lat, ST_X(p2.sjtsk) AS g_x, ST_Y(p2.sjtsk) AS g_y`);
  if (want.wkt && layer.geometryType !== 'Point') extra.push(sql`ST_AsText(t.geom, 8) AS g_wkt`);
  // JSON keys are the export column names, in export order (identifiers from the schema registry)
  const props = want.propsJson
    ? sql`CROSS JOIN LATERAL (SELECT ${sql.join([...exportColumns(layer).map((c) => sql`${columnExpr(layer, c)} AS ${sql.ref(c.name)}`), ...(want.jsonExtra ?? [])])}) AS j`
    : sql``;
  if (want.propsJson) extra.push(sql`row_to_json(j)::text AS g_props`);
  const select = sql.join([...cols.map((c, i) => sql`${columnExpr(layer, c)} AS ${sql.ref(keys[i]!)}`), ...extra]);
  const where = selectionWhere(layer, sel);
  const fetch = (after: number) =>
    sql<Record<string, unknown>>`SELECT ${select} FROM ${sql.raw(tableName(layer))} t ${lateral} ${props}
      WHERE ${where} AND t.fid > ${after} ORDER BY t.fid LIMIT ${chunk}`.execute(db);
  let next: Promise<{ rows: Record<string, unknown>[] }> | undefined = fetch(-1);
  try {
    while (next) {
      const { rows }: { rows: Record<string, unknown>[] } = await next;
      next = rows.length === chunk ? fetch(Number(rows.at(-1)!.c0)) : undefined;
      if (rows.length === 0) return;
      yield rows.map((row: Record<string, unknown>) => {
        const values = new Array<unknown>(keys.length);
        for (let i = 0; i < keys.length; i++) values[i] = row[keys[i]!] ?? null;
        const out: ExportRow = { values };
        if (want.wkb || want.gpkgBlob) out.wkb = asBuffer(row.g_wkb as Uint8Array);
        if (want.envelope) out.env = [Number(row.g_xmin), Number(row.g_ymin), Number(row.g_xmax), Number(row.g_ymax)];
        if (want.geojson) out.geojson = row.g_json as string;
        if (want.point) {
          out.lon = Number(row.g_lon);
          out.lat = Number(row.g_lat);
          out.x = Number(row.g_x);
          out.y = Number(row.g_y);
        }
        if (row.g_wkt !== undefined) out.wkt = row.g_wkt as string;
        if (want.propsJson) out.propsJson = row.g_props as string;
        return out;
      });
    }
  } finally {
    // the caller stopped early (error): the prefetched chunk is dropped, its failure must not go unhandled
    next?.catch(() => {});
  }
}

/** node-postgres hands bytea over as a Buffer, PGlite as a Uint8Array: wrap, never copy */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
