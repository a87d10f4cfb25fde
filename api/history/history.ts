import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { LayerSchema } from '../../schemas/index.ts';
import { MUNICIPALITY_PROPERTY } from '../features/items.ts';
import { bboxCondition } from '../features/params.ts';
import { CRS84 } from '../features/crs.ts';

export interface HistoryEntry {
  version: number;
  op: 'baseline' | 'insert' | 'update' | 'delete';
  actor: string;
  /** e-mail of the user behind `user:<id>` actors */
  actor_email: string | null;
  at: Date;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export async function featureHistory(db: Kysely<any>, layer: LayerSchema, fid: number): Promise<HistoryEntry[]> {
  const r = await sql<HistoryEntry>`SELECT h.version, h.op, h.actor, u.email AS actor_email, h.at, h.before, h.after
    FROM feature_history h
    LEFT JOIN app_user u ON h.actor LIKE 'user:%' AND u.id::text = substr(h.actor, 6)
    WHERE h.layer_id = ${layer.id} AND h.fid = ${fid} ORDER BY h.version`.execute(db);
  return r.rows;
}

export async function historyEntry(db: Kysely<any>, layer: LayerSchema, fid: number, version: number): Promise<HistoryEntry | undefined> {
  const r = await sql<HistoryEntry>`SELECT version, op, actor, NULL AS actor_email, at, before, after FROM feature_history
    WHERE layer_id = ${layer.id} AND fid = ${fid} AND version = ${version}`.execute(db);
  return r.rows[0];
}

/** GeoJSON Feature text from a history state (the stored row as jsonb), attributes in schema order. */
function stateFeature(layer: LayerSchema): RawBuilder<string> {
  const props = layer.attributes.flatMap((a) => [sql.lit(a.name), sql`s.after -> ${a.name}`]);
  if (layer.perMunicipality) props.push(sql.lit(MUNICIPALITY_PROPERTY), sql`s.after -> 'municipality_code'`);
  return sql<string>`json_build_object('type', 'Feature', 'id', s.fid, 'geometry', s.after -> 'geom',
    'properties', json_build_object(${sql.join(props)}))::text`;
}

export interface AsOfQuery {
  at: Date;
  limit: number;
  after?: number;
  bbox?: [number, number, number, number];
}

/**
 * The layer as it was at a moment: per feature the last history state at or
 * before it, without the ones deleted by then. Reads only feature_history, so
 * it needs no copy of old rows in the layer tables.
 */
export async function layerAsOf(db: Kysely<any>, layer: LayerSchema, q: AsOfQuery): Promise<{ features: string[]; more: boolean; lastFid?: number }> {
  const conds: RawBuilder<unknown>[] = [sql`s.op <> 'delete'`];
  if (q.after !== undefined) conds.push(sql`s.fid > ${q.after}`);
  if (q.bbox)
    conds.push(bboxCondition(q.bbox, CRS84, layer.geometryType, sql`ST_SetSRID(ST_GeomFromGeoJSON(s.after -> 'geom'), 4326)`));
  const r = await sql<{ fid: number; f: string }>`WITH s AS (
      SELECT DISTINCT ON (h.fid) h.fid, h.op, h.after FROM feature_history h
      WHERE h.layer_id = ${layer.id} AND h.at <= ${q.at}
      ORDER BY h.fid, h.version DESC)
    SELECT s.fid, ${stateFeature(layer)} AS f FROM s WHERE ${sql.join(conds, sql` AND `)}
    ORDER BY s.fid LIMIT ${q.limit + 1}`.execute(db);
  const more = r.rows.length > q.limit;
  const page = more ? r.rows.slice(0, q.limit) : r.rows;
  return { features: page.map((x) => x.f), more, lastFid: page.at(-1)?.fid };
}
