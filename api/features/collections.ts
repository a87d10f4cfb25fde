import { sql, type Kysely } from 'kysely';
import { layers, tableName, type LayerSchema } from '../../schemas/index.ts';

export interface LayerMeta {
  bbox: [number, number, number, number] | null;
  featureCount: number;
  modifiedAt: Date;
  /** time-bearing layers: earliest start and latest end (null = open) as ISO dates */
  temporal?: [string | null, string | null];
}

/**
 * Extents are full scans of the layer table, so they are computed once per
 * layer version: every committed write moves layer_state.modified_at
 * (recordChange), and a cached entry with the same time is still exact.
 */
const memo = new WeakMap<Kysely<any>, Map<string, LayerMeta>>();

/** Extent, count and modification time of a layer. */
export async function layerMeta(db: Kysely<any>, layer: LayerSchema): Promise<LayerMeta> {
  const state = await sql<{ modified_at: Date }>`SELECT modified_at FROM layer_state WHERE layer_id = ${layer.id}`.execute(db);
  const modified = state.rows[0] ? new Date(state.rows[0].modified_at).getTime() : undefined;
  const cache = memo.get(db) ?? new Map<string, LayerMeta>();
  memo.set(db, cache);
  const hit = cache.get(layer.id);
  if (hit && modified !== undefined && hit.modifiedAt.getTime() === modified) return hit;
  const meta = await computeLayerMeta(db, layer);
  cache.set(layer.id, meta);
  return meta;
}

async function computeLayerMeta(db: Kysely<any>, layer: LayerSchema): Promise<LayerMeta> {
  const r = await sql<{ xmin: number | null; ymin: number; xmax: number; ymax: number; n: number; modified_at: Date }>`
    SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax, s.feature_count AS n, s.modified_at
    FROM layer_state s, (SELECT ST_Extent(geom)::geometry AS e FROM ${sql.raw(tableName(layer))}) x
    WHERE s.layer_id = ${layer.id}`.execute(db);
  const row = r.rows[0];
  if (!row) return { bbox: null, featureCount: 0, modifiedAt: new Date(0) };
  let temporal: [string | null, string | null] | undefined;
  if (layer.temporal) {
    const s = sql.ref(layer.temporal.start);
    const e = sql.ref(layer.temporal.end ?? layer.temporal.start);
    const tr = await sql<{ s: string | null; e: string | null; open_end: boolean }>`
      SELECT min(${s})::text AS s, max(${e})::text AS e, bool_or(${e} IS NULL) AS open_end FROM ${sql.raw(tableName(layer))}`.execute(db);
    const t = tr.rows[0];
    temporal = t ? [t.s, t.open_end ? null : t.e] : undefined;
  }
  return {
    temporal,
    bbox: row.xmin === null ? null : [row.xmin, row.ymin, row.xmax, row.ymax],
    featureCount: row.n,
    modifiedAt: new Date(row.modified_at),
  };
}

export function allLayers(): readonly LayerSchema[] {
  return layers;
}
