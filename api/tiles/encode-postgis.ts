import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { LayerSchema } from '../../schemas/index.ts';
import { BUFFER, EXTENT, tileColumns, tileFeatures, type TileCoord } from './tile-query.ts';

/** The ST_AsMVT query of one layer's part of a tile (also run raw by bench/api.bench.ts as the reference). */
export function mvtQuery(layer: LayerSchema, t: TileCoord, asOf?: Date): RawBuilder<{ mvt: Buffer }> {
  const cols = tileColumns(layer).map((c) => sql.raw(c.name));
  return sql<{ mvt: Buffer }>`
    SELECT ST_AsMVT(q, ${layer.id}, ${EXTENT}::integer, 'geom', 'fid') AS mvt FROM (
      SELECT f.fid, ${sql.join(cols)}, ST_AsMVTGeom(f.geom, f.env, ${EXTENT}::integer, ${BUFFER}::integer, true) AS geom
      FROM (${tileFeatures(layer, t, asOf)}) f
    ) q WHERE q.geom IS NOT NULL`;
}

/** PostgreSQL server path: PostGIS encodes the layer (ST_AsMVT); layers are concatenated like any MVT. */
export async function encodeWithPostgis(db: Kysely<any>, layers: LayerSchema[], t: TileCoord, asOf?: Date): Promise<Buffer> {
  const parts = await Promise.all(
    layers.map(async (layer) => (await mvtQuery(layer, t, asOf).execute(db)).rows[0]?.mvt ?? Buffer.alloc(0)),
  );
  return Buffer.concat(parts);
}
