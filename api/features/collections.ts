import { sql, type Kysely } from 'kysely';
import { layers, tableName, type LayerSchema } from '../../schemas/index.ts';

export interface LayerMeta {
  bbox: [number, number, number, number] | null;
  featureCount: number;
  modifiedAt: Date;
}

/** Extent, count and modification time of a layer; cheap enough per request (one aggregate on a GiST-indexed table). */
export async function layerMeta(db: Kysely<any>, layer: LayerSchema): Promise<LayerMeta> {
  const r = await sql<{ xmin: number | null; ymin: number; xmax: number; ymax: number; n: number; modified_at: Date }>`
    SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax, s.feature_count AS n, s.modified_at
    FROM layer_state s, (SELECT ST_Extent(geom)::geometry AS e FROM ${sql.raw(tableName(layer))}) x
    WHERE s.layer_id = ${layer.id}`.execute(db);
  const row = r.rows[0];
  if (!row) return { bbox: null, featureCount: 0, modifiedAt: new Date(0) };
  return {
    bbox: row.xmin === null ? null : [row.xmin, row.ymin, row.xmax, row.ymax],
    featureCount: row.n,
    modifiedAt: new Date(row.modified_at),
  };
}

export function allLayers(): readonly LayerSchema[] {
  return layers;
}
