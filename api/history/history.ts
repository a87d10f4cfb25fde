import { sql, type Kysely, type RawBuilder } from 'kysely';
import { tableName, type LayerSchema } from '../../schemas/index.ts';
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

/** One version of a feature: a history row, or the live row (ended = null). */
interface VersionRow {
  version: number;
  valid_from: Date;
  changed_by: string;
  valid_to: Date | null;
  ended_by: string | null;
  ended: 'update' | 'delete' | null;
  row: Record<string, unknown>;
}

/**
 * The live row as a history document, keys in column order like the history rows: every column but
 * the versioning ones, the geometry as GeoJSON (at most ~60 arguments: json_build_object takes 100).
 */
function liveDocument(layer: LayerSchema): RawBuilder<unknown> {
  const col = (c: string) => [sql.lit(c), sql`t.${sql.raw(c)}`];
  const pairs = [
    ...['fid', 'source_id', 'municipality_code', ...layer.attributes.map((a) => a.name)].flatMap(col),
    sql.lit('geom'),
    sql`ST_AsGeoJSON(t.geom, 9)::json`,
    ...['position_source', 'position_accuracy_m', 'content_hash', 'created_at', 'updated_at'].flatMap(col),
  ];
  return sql`json_build_object(${sql.join(pairs)})`;
}

async function versionsOf(db: Kysely<any>, layer: LayerSchema, fid: number): Promise<VersionRow[]> {
  const r = await sql<VersionRow>`SELECT h.version, h.valid_from, h.changed_by, h.valid_to, h.ended_by, h.ended, h.row
      FROM feature_history h WHERE h.layer_id = ${layer.id} AND h.fid = ${fid}
    UNION ALL
    SELECT t.version, t.valid_from, t.changed_by, NULL, NULL, NULL, ${liveDocument(layer)}
      FROM ${sql.raw(tableName(layer))} t WHERE t.fid = ${fid}
    ORDER BY 1`.execute(db);
  return r.rows;
}

/**
 * The change log of a feature, derived from its versions (issue 16.3): the change that made
 * version v has v's author and start, before = the version it replaced, after = v; a deletion is
 * the change after the last version, with after = null. The same entries the former event log held.
 */
function changesOf(versions: VersionRow[]): Omit<HistoryEntry, 'actor_email'>[] {
  const out: Omit<HistoryEntry, 'actor_email'>[] = [];
  let previous: VersionRow | undefined;
  for (const v of versions) {
    const replaced = previous?.ended === 'update' ? previous : undefined;
    const op = v.changed_by === 'system:baseline' ? 'baseline' : replaced ? 'update' : 'insert';
    out.push({ version: v.version, op, actor: v.changed_by, at: v.valid_from, before: replaced?.row ?? null, after: v.row });
    if (v.ended === 'delete') out.push({ version: v.version + 1, op: 'delete', actor: v.ended_by!, at: v.valid_to!, before: v.row, after: null });
    previous = v;
  }
  return out;
}

export async function featureHistory(db: Kysely<any>, layer: LayerSchema, fid: number): Promise<HistoryEntry[]> {
  const entries = changesOf(await versionsOf(db, layer, fid));
  const userIds = [...new Set(entries.map((e) => /^user:(\d{1,18})$/.exec(e.actor)?.[1]).filter((s): s is string => !!s))];
  const emails = new Map<string, string>();
  if (userIds.length) {
    const r = await sql<{ id: string; email: string }>`SELECT id::text AS id, email FROM app_user WHERE id = ANY(${userIds}::bigint[])`.execute(db);
    for (const u of r.rows) emails.set(`user:${u.id}`, u.email);
  }
  return entries.map((e) => ({ ...e, actor_email: emails.get(e.actor) ?? null }));
}

export async function historyEntry(db: Kysely<any>, layer: LayerSchema, fid: number, version: number): Promise<HistoryEntry | undefined> {
  const e = changesOf(await versionsOf(db, layer, fid)).find((x) => x.version === version);
  return e && { ...e, actor_email: null };
}

/** GeoJSON Feature text from a state document (`s.doc`, json), attributes in schema order. */
function stateFeature(layer: LayerSchema): RawBuilder<string> {
  const props = layer.attributes.flatMap((a) => [sql.lit(a.name), sql`s.doc -> ${a.name}`]);
  if (layer.perMunicipality) props.push(sql.lit(MUNICIPALITY_PROPERTY), sql`s.doc -> 'municipality_code'`);
  return sql<string>`json_build_object('type', 'Feature', 'id', s.fid, 'geometry', s.doc -> 'geom',
    'properties', json_build_object(${sql.join(props)}))::text`;
}

/** The live row's document for `stateFeature`: only what a feature shows. */
function liveStateDocument(layer: LayerSchema): RawBuilder<unknown> {
  const pairs = layer.attributes.flatMap((a) => [sql.lit(a.name), sql`t.${sql.raw(a.name)}`]);
  pairs.push(sql.lit('municipality_code'), sql`t.municipality_code`, sql.lit('geom'), sql`ST_AsGeoJSON(t.geom, 9)::json`);
  return sql`json_build_object(${sql.join(pairs)})`;
}

export interface AsOfQuery {
  at: Date;
  limit: number;
  after?: number;
  bbox?: [number, number, number, number];
}

/**
 * The layer as it was at a moment: per feature the version valid then — the live row when it
 * began at or before that moment, else the history row whose period [valid_from, valid_to)
 * holds it. A feature deleted by then has neither.
 */
export async function layerAsOf(db: Kysely<any>, layer: LayerSchema, q: AsOfQuery): Promise<{ features: string[]; more: boolean; lastFid?: number }> {
  const live: RawBuilder<unknown>[] = [sql`t.valid_from <= ${q.at}`];
  const past: RawBuilder<unknown>[] = [sql`h.layer_id = ${layer.id}`, sql`h.valid_from <= ${q.at}`, sql`h.valid_to > ${q.at}`];
  if (q.after !== undefined) {
    live.push(sql`t.fid > ${q.after}`);
    past.push(sql`h.fid > ${q.after}`);
  }
  if (q.bbox) {
    live.push(bboxCondition(q.bbox, CRS84, layer.geometryType, sql`t.geom`));
    past.push(bboxCondition(q.bbox, CRS84, layer.geometryType, sql`ST_SetSRID(ST_GeomFromGeoJSON(h.row -> 'geom'), 4326)`));
  }
  const r = await sql<{ fid: number; f: string }>`WITH s AS (
      (SELECT t.fid, ${liveStateDocument(layer)} AS doc FROM ${sql.raw(tableName(layer))} t
        WHERE ${sql.join(live, sql` AND `)} ORDER BY t.fid LIMIT ${q.limit + 1})
      UNION ALL
      (SELECT h.fid, h.row AS doc FROM feature_history h
        WHERE ${sql.join(past, sql` AND `)} ORDER BY h.fid LIMIT ${q.limit + 1}))
    SELECT s.fid, ${stateFeature(layer)} AS f FROM s ORDER BY s.fid LIMIT ${q.limit + 1}`.execute(db);
  const more = r.rows.length > q.limit;
  const page = more ? r.rows.slice(0, q.limit) : r.rows;
  return { features: page.map((x) => x.f), more, lastFid: page.at(-1)?.fid };
}
