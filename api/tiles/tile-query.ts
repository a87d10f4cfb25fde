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
export function tileFeatures(layer: LayerSchema, t: TileCoord): RawBuilder<unknown> {
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
    FROM ${sql.raw(tableName(layer))} t,
      (SELECT ST_TileEnvelope(${t.z}::integer, ${t.x}::integer, ${t.y}::integer) AS e) env
    WHERE t.geom && ST_Transform(ST_Expand(env.e, ${margin}::float8), 4326)${validNow(layer)}`;
}

/** Time-bearing layers: the map shows only features valid today (open ends count as valid). */
function validNow(layer: LayerSchema): RawBuilder<unknown> {
  if (!layer.temporal) return sql``;
  const s = sql.ref(`t.${layer.temporal.start}`);
  const e = layer.temporal.end ? sql.ref(`t.${layer.temporal.end}`) : undefined;
  return sql` AND (${s} IS NULL OR ${s} <= current_date)${e ? sql` AND (${e} IS NULL OR ${e} >= current_date)` : sql``}`;
}
