import { sql, type Kysely } from 'kysely';
import GeoJSONVT, { type LegacyTile } from 'geojson-vt';
import vtpbf from 'vt-pbf';
import type { Feature } from 'geojson';
import type { LayerSchema } from '../../schemas/index.ts';
import { BUFFER, EXTENT, tileColumns, tileFeatures, type TileCoord } from './tile-query.ts';

/**
 * Embedded-database path: PGlite's PostGIS has no protobuf, so the database
 * selects and clips the tile's features and geojson-vt + vt-pbf encode them.
 */
export async function encodeWithJs(db: Kysely<any>, layers: LayerSchema[], t: TileCoord, asOf?: Date): Promise<Buffer> {
  const tiles: Record<string, LegacyTile> = {};
  for (const layer of layers) {
    const cols = tileColumns(layer);
    const r = await sql<Record<string, unknown> & { fid: number; g: string }>`
      SELECT f.*, ST_AsGeoJSON(ST_Transform(f.geom, 4326), 9) AS g FROM (${tileFeatures(layer, t, asOf)}) f
      WHERE NOT ST_IsEmpty(f.geom)`.execute(db);
    if (r.rows.length === 0) continue;
    const features: Feature[] = r.rows.map((row) => ({
      type: 'Feature',
      id: row.fid,
      geometry: JSON.parse(row.g),
      properties: Object.fromEntries(cols.filter((c) => row[c.name] !== null).map((c) => [c.name, row[c.name]])),
    }));
    const index = new GeoJSONVT(
      { type: 'FeatureCollection', features },
      { maxZoom: t.z, indexMaxZoom: 0, indexMaxPoints: 0, tolerance: 0, extent: EXTENT, buffer: BUFFER },
    );
    const tile = index.getTile(t.z, t.x, t.y);
    if (tile && tile.features.length > 0) tiles[layer.id] = tile;
  }
  if (Object.keys(tiles).length === 0) return Buffer.alloc(0);
  return Buffer.from(vtpbf.fromGeojsonVt(tiles, { version: 2, extent: EXTENT }));
}
