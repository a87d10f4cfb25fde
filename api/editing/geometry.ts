import { sql, type Kysely, type RawBuilder } from 'kysely';
import { getLayer, MUNICIPALITY_LAYER_ID, tableName, type LayerSchema } from '../../schemas/index.ts';
import type { FieldError } from '../../schemas/validate.ts';

const GEOJSON_TYPES = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon']);

export interface GeometryCheck {
  errors: FieldError[];
  /** municipality (RÚIAN code) whose boundary covers the geometry, if any */
  located: number | null;
  /** covered by the boundary of the municipality code given (null when none was asked) */
  insideClaimed: boolean | null;
  /** covered by the signed-in municipality editor's boundary */
  insideUser: boolean | null;
  bbox: [number, number, number, number] | null;
}

export function municipalityTable(): RawBuilder<unknown> {
  return sql.raw(tableName(getLayer(MUNICIPALITY_LAYER_ID)!));
}

/** The stored geometry expression for a GeoJSON text: CRS84, promoted to Multi* when the layer is. */
export function geometryExpr(layer: LayerSchema, geojson: string): RawBuilder<unknown> {
  const g = sql`ST_SetSRID(ST_GeomFromGeoJSON(${geojson}), 4326)`;
  return layer.geometryType.startsWith('Multi') ? sql`ST_Multi(${g})` : g;
}

/**
 * Whether a written geometry `next` is the stored `stored` (issue 18.2). The API
 * serves coordinates with 7 decimals, so a client that sends back what it read
 * (or a merge patch without geometry, merged with that document) differs from
 * the stored one by the rounding only: same type and vertex count, every point
 * within 1e-7° (about a centimetre). Such a write keeps the stored bytes, so an
 * attribute-only save neither moves the feature nor records a location change.
 */
export function sameGeometry(stored: RawBuilder<unknown>, next: RawBuilder<unknown>): RawBuilder<boolean> {
  return sql<boolean>`(ST_OrderingEquals(${stored}, ${next}) OR (GeometryType(${stored}) = GeometryType(${next})
    AND ST_NPoints(${stored}) = ST_NPoints(${next}) AND ST_HausdorffDistance(${stored}, ${next}) <= 1e-7))`;
}

/**
 * Checks a GeoJSON geometry with PostGIS (outside any write transaction, so a
 * parse error cannot abort one): type against the schema, validity, CRS84
 * range, and which municipality boundaries cover it.
 */
export async function checkGeometry(
  db: Kysely<any>,
  layer: LayerSchema,
  geometry: unknown,
  claimedCode: number | null,
  userCode: number | null,
): Promise<GeometryCheck> {
  const fail = (reason: string): GeometryCheck => ({ errors: [{ field: 'geometry', reason }], located: null, insideClaimed: null, insideUser: null, bbox: null });
  if (typeof geometry !== 'object' || geometry === null || Array.isArray(geometry)) return fail('a GeoJSON geometry object is required');
  const type = (geometry as { type?: unknown }).type;
  if (typeof type !== 'string' || !GEOJSON_TYPES.has(type) || !Array.isArray((geometry as { coordinates?: unknown }).coordinates))
    return fail('expected a GeoJSON Point, LineString, Polygon or Multi* geometry with coordinates');
  const allowed = [layer.geometryType, layer.geometryType.replace(/^Multi/, '')];
  if (!allowed.includes(type as LayerSchema['geometryType'])) return fail(`this layer stores ${layer.geometryType}, got ${type}`);
  const json = JSON.stringify(geometry);
  const obce = municipalityTable();
  try {
    const r = await sql<{
      valid: boolean;
      reason: string;
      empty: boolean;
      x0: number;
      y0: number;
      x1: number;
      y1: number;
      located: number | null;
      inside_claimed: boolean | null;
      inside_user: boolean | null;
    }>`WITH g AS (SELECT ${geometryExpr(layer, json)} AS geom)
      SELECT ST_IsValid(g.geom) AS valid, ST_IsValidReason(g.geom) AS reason, ST_IsEmpty(g.geom) AS empty,
        ST_XMin(g.geom) AS x0, ST_YMin(g.geom) AS y0, ST_XMax(g.geom) AS x1, ST_YMax(g.geom) AS y1,
        (SELECT o.kod FROM ${obce} o WHERE ST_CoveredBy(g.geom, o.geom) ORDER BY o.kod LIMIT 1) AS located,
        (SELECT ST_CoveredBy(g.geom, o.geom) FROM ${obce} o WHERE o.kod = ${claimedCode}::int) AS inside_claimed,
        (SELECT ST_CoveredBy(g.geom, o.geom) FROM ${obce} o WHERE o.kod = ${userCode}::int) AS inside_user
      FROM g`.execute(db);
    const row = r.rows[0]!;
    if (row.empty) return fail('the geometry is empty');
    if (row.x0 < -180 || row.x1 > 180 || row.y0 < -90 || row.y1 > 90) return fail('coordinates must be longitude, latitude in degrees (CRS84)');
    if (!row.valid) return fail(`invalid geometry: ${row.reason}`);
    return {
      errors: [],
      located: row.located,
      insideClaimed: claimedCode === null ? null : row.inside_claimed === true,
      insideUser: userCode === null ? null : row.inside_user === true,
      bbox: [row.x0, row.y0, row.x1, row.y1],
    };
  } catch (e) {
    return fail(`not a valid GeoJSON geometry: ${(e as Error).message.slice(0, 120)}`);
  }
}

export function unionBbox(...boxes: ([number, number, number, number] | null)[]): [number, number, number, number] | null {
  const present = boxes.filter((b): b is [number, number, number, number] => b !== null);
  if (present.length === 0) return null;
  return [
    Math.min(...present.map((b) => b[0])),
    Math.min(...present.map((b) => b[1])),
    Math.max(...present.map((b) => b[2])),
    Math.max(...present.map((b) => b[3])),
  ];
}
