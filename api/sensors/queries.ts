import { sql, type Kysely } from 'kysely';
import { getLayer, layers, tableName } from '../../schemas/index.ts';
import { assertIdentifier } from '../../schemas/ddl.ts';
import { getQuantity } from '../../etl/sensors/quantities.ts';
import { SENSOR_LAYER_ID, sensorTable } from '../../etl/sensors/registry.ts';
import { AGGREGATES, type Aggregate } from './params.ts';

/** The registry attributes, from the schema (never a copied field list). */
function attributeColumns() {
  const layer = getLayer(SENSOR_LAYER_ID)!;
  return layer.attributes.map((a) => {
    assertIdentifier(a.name);
    return a.name;
  });
}

export interface LatestValue {
  value: number;
  time: string;
  unit: string;
}

export interface SensorFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: Record<string, unknown> & { latest: Record<string, LatestValue>; alerts: OpenAlert[] };
}

export interface OpenAlert {
  rule: string;
  severity: string;
  since: string;
  detail: string;
}

/** Sensors as GeoJSON features with latest values (with units) and open alerts. */
export async function sensorFeatures(db: Kysely<any>, opts: { municipality?: number; id?: string } = {}): Promise<SensorFeature[]> {
  const cols = attributeColumns();
  const where = [sql`true`];
  if (opts.municipality !== undefined) where.push(sql`s.municipality_code = ${opts.municipality}`);
  if (opts.id !== undefined) where.push(sql`s.source_id = ${opts.id}`);
  const r = await sql<Record<string, unknown> & { id: string; municipality_code: number | null; lon: number; lat: number; latest: { quantity: string; value: number; time: string }[] | null; alerts: OpenAlert[] | null }>`
    SELECT s.source_id AS id, s.municipality_code, ${sql.join(cols.map((c) => sql.ref(`s.${c}`)))},
      ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat,
      (SELECT json_agg(json_build_object('quantity', l.quantity, 'value', l.value, 'time', l.time) ORDER BY l.quantity)
         FROM sensor_latest l WHERE l.sensor_id = s.source_id) AS latest,
      (SELECT json_agg(json_build_object('rule', a.rule_id, 'severity', a.severity, 'since', a.started_at, 'detail', a.detail) ORDER BY a.started_at)
         FROM sensor_alert a WHERE a.sensor_id = s.source_id AND a.ended_at IS NULL) AS alerts
    FROM ${sensorTable()} s WHERE ${sql.join(where, sql` AND `)} ORDER BY s.source_id`.execute(db);
  return r.rows.map((row) => {
    const props: Record<string, unknown> = { municipality_code: row.municipality_code };
    for (const c of cols) props[c] = row[c];
    const latest: Record<string, LatestValue> = {};
    for (const l of row.latest ?? []) latest[l.quantity] = { value: l.value, time: new Date(l.time).toISOString(), unit: getQuantity(l.quantity)?.unit ?? '' };
    return {
      type: 'Feature',
      id: row.id,
      geometry: { type: 'Point', coordinates: [row.lon, row.lat] },
      properties: { ...props, latest, alerts: (row.alerts ?? []).map((a) => ({ ...a, since: new Date(a.since).toISOString() })) },
    };
  });
}

export interface AggregateRow {
  quantity: string;
  time: string;
  min: number;
  max: number;
  avg: number;
  count: number;
}

/**
 * min/max/avg/count per hour or per day in one query. Windows follow the
 * civil calendar of Europe/Prague (a day is a Czech day, DST included).
 */
export async function aggregateObservations(db: Kysely<any>, q: { sensorId: string; quantity?: string; from: Date; to: Date; aggregate: Aggregate }): Promise<AggregateRow[]> {
  const unit = AGGREGATES[q.aggregate];
  const r = await sql<{ quantity: string; t: Date; min: number; max: number; avg: number; count: number }>`
    SELECT quantity, date_trunc(${unit}, time, 'Europe/Prague') AS t,
           min(value) AS min, max(value) AS max, avg(value) AS avg, count(*)::int AS count
    FROM sensor_observation
    WHERE sensor_id = ${q.sensorId} ${q.quantity ? sql`AND quantity = ${q.quantity}` : sql``}
      AND time >= ${q.from.toISOString()}::timestamptz AND time < ${q.to.toISOString()}::timestamptz
    GROUP BY quantity, t ORDER BY quantity, t`.execute(db);
  return r.rows.map((x) => ({ quantity: x.quantity, time: new Date(x.t).toISOString(), min: x.min, max: x.max, avg: x.avg, count: x.count }));
}

export interface RawRow {
  quantity: string;
  time: string;
  value: number;
}

export async function rawObservations(db: Kysely<any>, q: { sensorId?: string; quantity?: string; from: Date; to: Date; limit: number }): Promise<(RawRow & { sensor_id: string })[]> {
  const r = await sql<{ sensor_id: string; quantity: string; time: Date; value: number }>`
    SELECT sensor_id, quantity, time, value FROM sensor_observation
    WHERE time >= ${q.from.toISOString()}::timestamptz AND time < ${q.to.toISOString()}::timestamptz
      ${q.sensorId ? sql`AND sensor_id = ${q.sensorId}` : sql``} ${q.quantity ? sql`AND quantity = ${q.quantity}` : sql``}
    ORDER BY sensor_id, quantity, time LIMIT ${q.limit}`.execute(db);
  return r.rows.map((x) => ({ sensor_id: x.sensor_id, quantity: x.quantity, time: new Date(x.time).toISOString(), value: x.value }));
}

export interface AlertRow {
  id: number;
  sensor_id: string;
  sensor_name: string | null;
  municipality_code: number | null;
  rule_id: string;
  severity: string;
  started_at: string;
  ended_at: string | null;
  detail: string;
}

export async function alerts(db: Kysely<any>, opts: { open: boolean; limit: number; municipality?: number; sensorId?: string }): Promise<AlertRow[]> {
  const r = await sql<AlertRow>`
    SELECT a.id, a.sensor_id, s.nazev AS sensor_name, s.municipality_code, a.rule_id, a.severity, a.started_at, a.ended_at, a.detail
    FROM sensor_alert a LEFT JOIN ${sensorTable()} s ON s.source_id = a.sensor_id
    WHERE ${opts.open ? sql`a.ended_at IS NULL` : sql`a.ended_at IS NOT NULL`}
      ${opts.municipality !== undefined ? sql`AND s.municipality_code = ${opts.municipality}` : sql``}
      ${opts.sensorId ? sql`AND a.sensor_id = ${opts.sensorId}` : sql``}
    ORDER BY ${opts.open ? sql`a.started_at` : sql`a.ended_at`} DESC, a.id DESC LIMIT ${opts.limit}`.execute(db);
  return r.rows.map((a) => ({ ...a, started_at: new Date(a.started_at).toISOString(), ended_at: a.ended_at ? new Date(a.ended_at).toISOString() : null }));
}

/** Feature counts of every public per-municipality layer in one municipality (the dashboard's infrastructure state). */
export async function layerCounts(db: Kysely<any>, municipality: number): Promise<{ id: string; title: { cs: string; en: string }; theme: string; count: number }[]> {
  const ls = layers.filter((l) => l.perMunicipality && l.public !== false);
  if (!ls.length) return [];
  const parts = ls.map((l) => sql`SELECT ${l.id} AS id, count(*)::int AS n FROM ${sql.table(tableName(l))} WHERE municipality_code = ${municipality}`);
  const r = await sql<{ id: string; n: number }>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
  const n = new Map(r.rows.map((x) => [x.id, x.n]));
  return ls.map((l) => ({ id: l.id, title: l.title, theme: l.theme, count: n.get(l.id) ?? 0 }));
}

export async function municipalityName(db: Kysely<any>, kod: number): Promise<string | undefined> {
  const obce = getLayer('obce');
  if (!obce) return undefined;
  const r = await sql<{ nazev: string }>`SELECT nazev FROM ${sql.table(tableName(obce))} WHERE kod = ${kod}`.execute(db);
  return r.rows[0]?.nazev;
}
