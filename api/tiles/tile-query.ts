import { sql, type RawBuilder } from 'kysely';
import { tableName, tileAttributes, type LayerSchema } from '../../schemas/index.ts';
import { MUNICIPALITY_PROPERTY } from '../features/items.ts';

export const EXTENT = 4096;
export const BUFFER = 64;

export interface TileCoord {
  z: number;
  x: number;
  y: number;
}

/** Attribute columns a layer sends in its tiles (from schemas/). */
export function tileColumns(layer: LayerSchema): { name: string; column: string; isDate?: boolean }[] {
  const cols = tileAttributes(layer).map((a) => ({ name: a.name, column: a.name, isDate: a.type === 'date' }));
  if (layer.perMunicipality) cols.push({ name: MUNICIPALITY_PROPERTY, column: 'municipality_code', isDate: false });
  return cols;
}

/**
 * The features of one tile, in Web Mercator, simplified to the tile's pixel
 * size and clipped to the tile plus its buffer. Both encoders start from this
 * same relation, which is what makes their tiles equivalent.
 */
export function tileFeatures(layer: LayerSchema, t: TileCoord, asOf?: Date): RawBuilder<unknown> {
  const pixel = (2 * Math.PI * 6378137) / 2 ** t.z / EXTENT;
  const margin = pixel * BUFFER;
  const isPoint = layer.geometryType.endsWith('Point');
  const g3857 = sql`ST_Transform(t.geom, 3857)`;
  const simplified = isPoint ? g3857 : sql`ST_Simplify(${g3857}, ${pixel / 2}::float8, true)`;
  // dates travel as ISO text (YYYY-MM-DD) from both encoders: pg would hand the JS encoder a Date object
  const cols = tileColumns(layer).map((c) =>
    c.isDate ? sql`t.${sql.raw(c.column)}::text AS ${sql.raw(c.name)}` : sql`t.${sql.raw(c.column)} AS ${sql.raw(c.name)}`,
  );
  return sql`
    SELECT t.fid, ${sql.join(cols)},
      ${isPoint ? simplified : sql`ST_ClipByBox2D(${simplified}, ST_Expand(env.e, ${margin}::float8))`} AS geom,
      env.e AS env
    FROM ${asOf ? asOfRows(layer, asOf) : sql.raw(tableName(layer))} t,
      (SELECT ST_TileEnvelope(${t.z}::integer, ${t.x}::integer, ${t.y}::integer) AS e) env
    WHERE t.geom && ST_Transform(ST_Expand(env.e, ${margin}::float8), 4326)${validOn(layer, asOf)}`;
}

/**
 * The layer's rows as they were at the instant `at` (issue 18.9), in the live table's row type:
 * the live rows already current then, and the history versions whose period [valid_from, valid_to)
 * holds it (their documents read back into the table's row type; the geometry from its GeoJSON).
 */
export function asOfRows(layer: LayerSchema, at: Date): RawBuilder<unknown> {
  const table = sql.raw(tableName(layer));
  const temporal = layer.temporal ? [layer.temporal.start, ...(layer.temporal.end ? [layer.temporal.end] : [])] : [];
  const cols = [...new Set(['fid', ...tileColumns(layer).map((c) => c.column), ...temporal])];
  const live = cols.map((c) => sql.ref(`l.${c}`));
  const past = cols.map((c) => sql.ref(`r.${c}`));
  return sql`(SELECT ${sql.join(live)}, l.geom FROM ${table} l WHERE l.valid_from <= ${at}
    UNION ALL
    SELECT ${sql.join(past)}, ST_SetSRID(ST_GeomFromGeoJSON((h.row -> 'geom')::text), 4326) AS geom
      FROM feature_history h, jsonb_populate_record(NULL::${table}, h.row::jsonb - 'geom') r
      WHERE h.layer_id = ${layer.id} AND h.valid_from <= ${at} AND h.valid_to > ${at})`;
}

/**
 * Time-bearing layers: the map shows only features valid on the day (today, or the day of the
 * instant asked for; open ends count as valid).
 */
function validOn(layer: LayerSchema, asOf?: Date): RawBuilder<unknown> {
  if (!layer.temporal) return sql``;
  const day = asOf ? sql`(${asOf}::timestamptz AT TIME ZONE 'Europe/Prague')::date` : sql`current_date`;
  const s = sql.ref(`t.${layer.temporal.start}`);
  const e = layer.temporal.end ? sql.ref(`t.${layer.temporal.end}`) : undefined;
  return sql` AND (${s} IS NULL OR ${s} <= ${day})${e ? sql` AND (${e} IS NULL OR ${e} >= ${day})` : sql``}`;
}
