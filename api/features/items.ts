import { sql, type Kysely, type RawBuilder } from 'kysely';
import { tableName, type LayerSchema } from '../../schemas/index.ts';
import type { Bbox } from './params.ts';

/** Name of the property that carries a pasport feature's municipality (RÚIAN code). */
export const MUNICIPALITY_PROPERTY = 'obec_kod';

export interface ItemsQuery {
  bbox?: Bbox;
  limit: number;
  /** keyset paging: features with fid greater than this */
  after?: number;
}

/** GeoJSON Feature built by PostGIS itself, returned as text so the API never re-parses it. */
function featureJson(layer: LayerSchema): RawBuilder<string> {
  const props = layer.attributes.flatMap((a) => [sql.lit(a.name), sql.ref(`t.${a.name}`)]);
  if (layer.perMunicipality) props.push(sql.lit(MUNICIPALITY_PROPERTY), sql.ref('t.municipality_code'));
  return sql<string>`json_build_object(
    'type', 'Feature', 'id', t.fid,
    'geometry', ST_AsGeoJSON(t.geom, 7)::json,
    'properties', json_build_object(${sql.join(props)}))::text`;
}

function where(q: { bbox?: Bbox; after?: number }): RawBuilder<unknown> {
  const conds: RawBuilder<unknown>[] = [sql`true`];
  if (q.bbox) conds.push(sql`t.geom && ST_MakeEnvelope(${q.bbox[0]}, ${q.bbox[1]}, ${q.bbox[2]}, ${q.bbox[3]}, 4326)`);
  if (q.after !== undefined) conds.push(sql`t.fid > ${q.after}`);
  return sql.join(conds, sql` AND `);
}

export async function queryItems(
  db: Kysely<any>,
  layer: LayerSchema,
  q: ItemsQuery,
): Promise<{ features: string[]; numberMatched: number; lastFid?: number; more: boolean }> {
  const t = sql.raw(tableName(layer));
  const [rows, count] = await Promise.all([
    sql<{ fid: number; f: string }>`SELECT t.fid, ${featureJson(layer)} AS f FROM ${t} t
      WHERE ${where(q)} ORDER BY t.fid LIMIT ${q.limit + 1}`.execute(db),
    sql<{ n: number }>`SELECT count(*)::int AS n FROM ${t} t WHERE ${where({ bbox: q.bbox })}`.execute(db),
  ]);
  const more = rows.rows.length > q.limit;
  const page = more ? rows.rows.slice(0, q.limit) : rows.rows;
  return { features: page.map((r) => r.f), numberMatched: count.rows[0]!.n, lastFid: page.at(-1)?.fid, more };
}

export async function queryItem(db: Kysely<any>, layer: LayerSchema, fid: number): Promise<string | undefined> {
  const r = await sql<{ f: string }>`SELECT ${featureJson(layer)} AS f FROM ${sql.raw(tableName(layer))} t WHERE t.fid = ${fid}`.execute(db);
  return r.rows[0]?.f;
}
