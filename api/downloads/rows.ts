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
}

const CHUNK = 1000;

export function selectionWhere(layer: LayerSchema, sel: ExportSelection): RawBuilder<unknown> {
  const conds: RawBuilder<unknown>[] = [sql`true`];
  if (sel.municipality !== undefined) {
    conds.push(layer.perMunicipality ? sql`t.municipality_code = ${sel.municipality}` : sql`false`);
  }
  if (sel.bbox) conds.push(sql`t.geom && ST_MakeEnvelope(${sel.bbox[0]}, ${sel.bbox[1]}, ${sel.bbox[2]}, ${sel.bbox[3]}, 4326)`);
  if (sel.filter) conds.push(sql`(${sel.filter})`);
  return sql.join(conds, sql` AND `);
}

function columnExpr(layer: LayerSchema, c: ExportColumn): RawBuilder<unknown> {
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
 */
export async function* exportRows(
  db: Kysely<any>,
  layer: LayerSchema,
  sel: ExportSelection,
  want: GeometryWanted,
  chunk = CHUNK,
): AsyncGenerator<ExportRow[]> {
  const cols = exportColumns(layer);
  const g = want.clockwise ? sql`ST_ForcePolygonCW(t.geom)` : sql`t.geom`;
  const extra: RawBuilder<unknown>[] = [];
  if (want.wkb) extra.push(sql`ST_AsBinary(${g}, 'NDR') AS g_wkb`);
  if (want.envelope) extra.push(sql`ST_XMin(t.geom) AS g_xmin, ST_YMin(t.geom) AS g_ymin, ST_XMax(t.geom) AS g_xmax, ST_YMax(t.geom) AS g_ymax`);
  if (want.geojson) extra.push(sql`ST_AsGeoJSON(t.geom, 8) AS g_json`);
  // the representative point and its S-JTSK transform are computed once per row (LATERAL), not per output column
  const p = layer.geometryType === 'Point' ? sql`t.geom` : sql`ST_PointOnSurface(t.geom)`;
  const lateral = want.point ? sql`CROSS JOIN LATERAL (SELECT ${p} AS wgs) AS p1 CROSS JOIN LATERAL (SELECT ST_Transform(p1.wgs, 5514) AS sjtsk) AS p2` : sql``;
  if (want.point) extra.push(sql`ST_X(p1.wgs) AS g_lon, ST_Y(p1.wgs) AS g_lat, ST_X(p2.sjtsk) AS g_x, ST_Y(p2.sjtsk) AS g_y`);
  if (want.wkt && layer.geometryType !== 'Point') extra.push(sql`ST_AsText(t.geom, 8) AS g_wkt`);
  const select = sql.join([...cols.map((c, i) => sql`${columnExpr(layer, c)} AS ${sql.ref(`c${i}`)}`), ...extra]);
  const where = selectionWhere(layer, sel);
  let after = -Infinity;
  for (;;) {
    const r = await sql<Record<string, unknown>>`SELECT ${select} FROM ${sql.raw(tableName(layer))} t ${lateral}
      WHERE ${where} AND t.fid > ${Number.isFinite(after) ? after : -1} ORDER BY t.fid LIMIT ${chunk}`.execute(db);
    if (r.rows.length === 0) return;
    yield r.rows.map((row) => {
      const out: ExportRow = { values: cols.map((_, i) => row[`c${i}`] ?? null) };
      if (want.wkb) out.wkb = Buffer.from(row.g_wkb as Uint8Array);
      if (want.envelope) out.env = [Number(row.g_xmin), Number(row.g_ymin), Number(row.g_xmax), Number(row.g_ymax)];
      if (want.geojson) out.geojson = row.g_json as string;
      if (want.point) Object.assign(out, { lon: Number(row.g_lon), lat: Number(row.g_lat), x: Number(row.g_x), y: Number(row.g_y) });
      if (row.g_wkt !== undefined) out.wkt = row.g_wkt as string;
      return out;
    });
    after = Number(r.rows.at(-1)!.c0);
    if (r.rows.length < chunk) return;
  }
}
