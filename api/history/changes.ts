import { sql, type Kysely, type RawBuilder } from 'kysely';
import { tableName, titleAttribute, type LayerSchema } from '../../schemas/index.ts';

/** The attribute that names a feature in a list of changes: the schema's title, else its map label. */
function labelColumn(layer: LayerSchema): string | undefined {
  return titleAttribute(layer)?.name ?? layer.style.labelBy;
}

/**
 * fid, version, geometry (GeoJSON) and label of every feature of the layer as it was at `at`:
 * the live rows current then and the history versions whose period holds it.
 */
function stateAt(layer: LayerSchema, at: Date, municipality?: number): RawBuilder<unknown> {
  const label = labelColumn(layer);
  const onlyLive = municipality !== undefined && layer.perMunicipality ? sql` AND t.municipality_code = ${municipality}` : sql``;
  const onlyPast = municipality !== undefined && layer.perMunicipality ? sql` AND (h.row ->> 'municipality_code')::integer = ${municipality}` : sql``;
  return sql`SELECT t.fid, t.version, ST_AsGeoJSON(t.geom, 7)::json AS geom, ${label ? sql`t.${sql.raw(label)}::text` : sql`NULL::text`} AS label
      FROM ${sql.raw(tableName(layer))} t WHERE t.valid_from <= ${at}${onlyLive}
    UNION ALL
    SELECT h.fid, h.version, h.row -> 'geom', ${label ? sql`h.row ->> ${label}` : sql`NULL::text`}
      FROM feature_history h WHERE h.layer_id = ${layer.id} AND h.valid_from <= ${at} AND h.valid_to > ${at}${onlyPast}`;
}

export type ChangeKind = 'added' | 'changed' | 'removed';

export interface ChangesQuery {
  from: Date;
  to: Date;
  /** RÚIAN code: only that municipality's features (layers kept per municipality) */
  municipality?: number;
  limit: number;
}

/**
 * What differs between the layer at `from` and at `to` (issue 18.9), as GeoJSON Feature texts:
 * added (only at `to`), removed (only at `from`) and changed (another version at `to`). The
 * geometry is the one at `to`, for a removed feature the one it had at `from`.
 */
export async function layerChanges(db: Kysely<any>, layer: LayerSchema, q: ChangesQuery): Promise<{ features: string[]; counts: Record<ChangeKind, number>; more: boolean }> {
  const r = await sql<{ f: string; change: ChangeKind }>`WITH a AS (${stateAt(layer, q.from, q.municipality)}), b AS (${stateAt(layer, q.to, q.municipality)}),
      d AS (SELECT coalesce(b.fid, a.fid) AS fid,
                   CASE WHEN a.fid IS NULL THEN 'added' WHEN b.fid IS NULL THEN 'removed' ELSE 'changed' END AS change,
                   coalesce(b.geom, a.geom) AS geom, coalesce(b.label, a.label) AS label, a.version AS va, b.version AS vb
              FROM a FULL JOIN b ON a.fid = b.fid WHERE a.version IS DISTINCT FROM b.version)
    SELECT d.change, json_build_object('type', 'Feature', 'id', d.fid, 'geometry', d.geom,
        'properties', json_build_object('change', d.change, 'label', d.label, 'versionFrom', d.va, 'versionTo', d.vb))::text AS f
      FROM d ORDER BY d.fid`.execute(db);
  const counts: Record<ChangeKind, number> = { added: 0, changed: 0, removed: 0 };
  for (const row of r.rows) counts[row.change]++;
  return { features: r.rows.slice(0, q.limit).map((x) => x.f), counts, more: r.rows.length > q.limit };
}

export interface TimelineMoment {
  /** an instant just after the changes of one second: asking for the layer as of it shows them */
  at: string;
  changes: number;
}

/**
 * The moments the layer changed (newest `limit`, oldest first): the starts of versions (imports,
 * edits, restores) and deletions, grouped by the second. Each moment is the latest change of its
 * second rounded up to the next millisecond, so `asOf=<at>` includes all of them (the database
 * keeps microseconds, an RFC 3339 instant from JavaScript milliseconds).
 */
export async function layerTimeline(db: Kysely<any>, layer: LayerSchema, limit = 500): Promise<TimelineMoment[]> {
  const r = await sql<{ at: Date; changes: number }>`SELECT date_trunc('milliseconds', max(x.at)) + interval '1 millisecond' AS at, count(*)::integer AS changes FROM (
      SELECT t.valid_from AS at FROM ${sql.raw(tableName(layer))} t
      UNION ALL SELECT h.valid_from FROM feature_history h WHERE h.layer_id = ${layer.id}
      UNION ALL SELECT h.valid_to FROM feature_history h WHERE h.layer_id = ${layer.id} AND h.ended = 'delete'
    ) x GROUP BY date_trunc('second', x.at) ORDER BY 1 DESC LIMIT ${limit}`.execute(db);
  return r.rows.reverse().map((m) => ({ at: new Date(m.at).toISOString(), changes: m.changes }));
}
