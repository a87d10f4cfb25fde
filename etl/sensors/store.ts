import { sql, type Kysely, type Transaction } from 'kysely';
import { recordChange } from '../../sql/changes.ts';
import { firingRules, STALE_RULE, type AlertRules } from './alerts.ts';
import { getQuantity } from './quantities.ts';
import { loadSensors, SENSOR_LAYER_ID, sensorTable, type SensorRecord } from './registry.ts';
import type { ObservationRow, RejectRow } from './prepare.ts';

/** NOTIFY channel of sensor state changes (new latest values, alerts); the SSE stream listens on it. */
export const SENSOR_CHANNEL = 'geoportal_sensors';

export interface AlertChange {
  sensorId: string;
  ruleId: string;
  severity: string;
  state: 'raised' | 'cleared';
  at: string;
  detail: string;
}

export interface SensorState {
  id: string;
  stav: 'ok' | 'alert' | 'stale' | 'unknown';
  time: string | null;
  values: Record<string, number>;
}

export interface SensorEvent {
  sensors: SensorState[];
  alerts: AlertChange[];
  /** the event was too big for one notification: clients reload /api/sensors */
  refresh?: boolean;
}

export interface BatchResult {
  inserted: number;
  duplicates: number;
  rejected: number;
  event: SensorEvent;
}

type Db = Kysely<any> | Transaction<any>;

/**
 * Stores one batch in one transaction: observations (duplicates ignored by the
 * primary key), latest values (only moved forward), rejects, then re-evaluates
 * the touched sensors' alerts and map attributes and notifies listeners on commit.
 */
export async function writeBatch(db: Kysely<any>, rows: ObservationRow[], rejects: RejectRow[], rules: AlertRules, now = new Date()): Promise<BatchResult> {
  return db.transaction().execute(async (trx) => {
    let inserted: { sensor_id: string; quantity: string; time: Date; value: number }[] = [];
    if (rows.length) {
      const r = await sql<{ sensor_id: string; quantity: string; time: Date; value: number }>`
        INSERT INTO sensor_observation (sensor_id, quantity, time, value)
        SELECT * FROM unnest(${rows.map((o) => o.sensorId)}::text[], ${rows.map((o) => o.quantity)}::text[],
                             ${rows.map((o) => o.time.toISOString())}::timestamptz[], ${rows.map((o) => o.value)}::float8[])
        ON CONFLICT (sensor_id, quantity, time) DO NOTHING
        RETURNING sensor_id, quantity, time, value`.execute(trx);
      inserted = r.rows;
    }
    if (inserted.length) {
      // one row per (sensor, quantity): ON CONFLICT DO UPDATE may not touch a row twice in one statement
      const newest = new Map<string, { sensor_id: string; quantity: string; time: Date; value: number }>();
      for (const r of inserted) {
        const k = `${r.sensor_id}\u0000${r.quantity}`;
        const cur = newest.get(k);
        if (!cur || new Date(r.time).getTime() > new Date(cur.time).getTime()) newest.set(k, r);
      }
      const n = [...newest.values()];
      await sql`
        INSERT INTO sensor_latest AS l (sensor_id, quantity, time, value)
        SELECT * FROM unnest(${n.map((x) => x.sensor_id)}::text[], ${n.map((x) => x.quantity)}::text[],
                             ${n.map((x) => new Date(x.time).toISOString())}::timestamptz[], ${n.map((x) => x.value)}::float8[])
        ON CONFLICT (sensor_id, quantity) DO UPDATE SET time = EXCLUDED.time, value = EXCLUDED.value
        WHERE l.time < EXCLUDED.time`.execute(trx);
    }
    if (rejects.length) {
      await sql`
        INSERT INTO sensor_reject (source, kind, dev_eui, sensor_id, reason, body)
        SELECT * FROM unnest(${rejects.map((r) => r.source)}::text[], ${rejects.map((r) => r.kind)}::text[],
                             ${rejects.map((r) => r.devEui ?? null)}::text[], ${rejects.map((r) => r.sensorId ?? null)}::text[],
                             ${rejects.map((r) => r.reason)}::text[], ${rejects.map((r) => r.body ?? null)}::text[])`.execute(trx);
    }
    const touched = [...new Set(inserted.map((r) => r.sensor_id))];
    const event = touched.length ? await evaluateSensors(trx, rules, now, touched) : { sensors: [], alerts: [] };
    return { inserted: inserted.length, duplicates: rows.length - inserted.length, rejected: rejects.length, event };
  });
}

/**
 * Recomputes alert state, `stav` and the latest-value attributes of the given
 * sensors (and of the other sensors of their sites, whose rules read them), or
 * of all sensors. Stores alert transitions and notifies on commit.
 */
export async function evaluateSensors(trx: Db, rules: AlertRules, now: Date, only?: string[]): Promise<SensorEvent> {
  const all = await loadSensors(trx);
  let targets = all;
  if (only) {
    const sites = new Set(all.filter((s) => only.includes(s.id) && s.site).map((s) => s.site));
    targets = all.filter((s) => only.includes(s.id) || (s.site && sites.has(s.site)));
  }
  if (!targets.length) return { sensors: [], alerts: [] };
  const siteMembers = new Map<string, SensorRecord[]>();
  for (const s of all) if (s.site) siteMembers.set(s.site, [...(siteMembers.get(s.site) ?? []), s]);
  const relevantIds = new Set<string>();
  for (const s of targets) for (const m of s.site ? siteMembers.get(s.site)! : [s]) relevantIds.add(m.id);

  const latestRows = (
    await sql<{ sensor_id: string; quantity: string; time: Date; value: number }>`
      SELECT sensor_id, quantity, time, value FROM sensor_latest WHERE sensor_id = ANY(${[...relevantIds]}::text[])`.execute(trx)
  ).rows;
  const latest = new Map<string, Map<string, { time: Date; value: number }>>();
  for (const r of latestRows) {
    if (!latest.has(r.sensor_id)) latest.set(r.sensor_id, new Map());
    latest.get(r.sensor_id)!.set(r.quantity, { time: new Date(r.time), value: r.value });
  }
  const open = (
    await sql<{ id: number; sensor_id: string; rule_id: string }>`
      SELECT id, sensor_id, rule_id FROM sensor_alert WHERE ended_at IS NULL AND sensor_id = ANY(${targets.map((t) => t.id)}::text[])`.execute(trx)
  ).rows;
  const openBy = new Map(open.map((a) => [`${a.sensor_id}\u0000${a.rule_id}`, a]));

  const changes: AlertChange[] = [];
  const states: SensorState[] = [];
  const at = now.toISOString();
  for (const s of targets) {
    const own = latest.get(s.id) ?? new Map();
    const merged = new Map<string, number>();
    for (const m of s.site ? siteMembers.get(s.site)! : [s]) for (const [q, v] of latest.get(m.id) ?? []) if (!merged.has(q) || m.id === s.id) merged.set(q, v.value);
    for (const [q, v] of own) merged.set(q, v.value);
    const lastTime = own.size ? new Date(Math.max(...[...own.values()].map((v) => v.time.getTime()))) : null;
    const stale = lastTime !== null && now.getTime() - lastTime.getTime() > s.intervalMin * rules.staleFactor * 60_000;
    const firing = stale ? [] : firingRules(s, merged, rules, new Set(own.keys()));
    const want = new Map<string, { severity: string; detail: string }>(firing.map((f) => [f.rule.id, { severity: f.rule.severity, detail: f.detail }]));
    if (stale) want.set(STALE_RULE.id, { severity: STALE_RULE.severity, detail: `last value ${lastTime!.toISOString()}, expected every ${s.intervalMin} min` });
    for (const [ruleId, w] of want) {
      if (openBy.has(`${s.id}\u0000${ruleId}`)) continue;
      await sql`INSERT INTO sensor_alert (sensor_id, rule_id, severity, started_at, detail) VALUES (${s.id}, ${ruleId}, ${w.severity}, ${at}, ${w.detail})`.execute(trx);
      changes.push({ sensorId: s.id, ruleId, severity: w.severity, state: 'raised', at, detail: w.detail });
    }
    for (const a of open.filter((a) => a.sensor_id === s.id && !want.has(a.rule_id))) {
      await sql`UPDATE sensor_alert SET ended_at = ${at} WHERE id = ${a.id}`.execute(trx);
      changes.push({ sensorId: s.id, ruleId: a.rule_id, severity: '', state: 'cleared', at, detail: '' });
    }
    const stav: SensorState['stav'] = !own.size ? 'unknown' : stale ? 'stale' : want.size ? 'alert' : 'ok';
    states.push({ id: s.id, stav, time: lastTime?.toISOString() ?? null, values: Object.fromEntries([...own].map(([q, v]) => [q, v.value])) });
  }

  // the map attributes: written only where they change, so the periodic check rarely writes
  const summaries = states.map((st) => summary(st, all.find((s) => s.id === st.id)!));
  const upd = await sql<{ source_id: string; lon: number; lat: number }>`
    UPDATE ${sensorTable()} t SET stav = u.stav, posledni_hodnoty = u.hodnoty, posledni_mereni = u.cas, updated_at = now()
    FROM unnest(${states.map((s) => s.id)}::text[], ${states.map((s) => s.stav)}::text[], ${summaries}::text[], ${states.map((s) => s.time)}::text[]) AS u(id, stav, hodnoty, cas)
    WHERE t.source_id = u.id AND (t.stav IS DISTINCT FROM u.stav OR t.posledni_hodnoty IS DISTINCT FROM u.hodnoty OR t.posledni_mereni IS DISTINCT FROM u.cas)
    RETURNING t.source_id, ST_X(t.geom) AS lon, ST_Y(t.geom) AS lat`.execute(trx);
  if (upd.rows.length) {
    const xs = upd.rows.map((r) => r.lon);
    const ys = upd.rows.map((r) => r.lat);
    await recordChange(trx, { layerId: SENSOR_LAYER_ID, bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], source: 'sensors:ingest' });
  }
  const changedIds = new Set(upd.rows.map((r) => r.source_id));
  const event: SensorEvent = { sensors: states.filter((s) => changedIds.has(s.id)), alerts: changes };
  if (event.sensors.length || event.alerts.length) {
    let payload = JSON.stringify(event);
    // NOTIFY payloads are limited to 8000 bytes
    if (Buffer.byteLength(payload) > 7900) payload = JSON.stringify({ sensors: [], alerts: [], refresh: true } satisfies SensorEvent);
    await sql`SELECT pg_notify(${SENSOR_CHANNEL}, ${payload})`.execute(trx);
  }
  return event;
}

/** Short text of the main latest values for map labels and tiles, e.g. "−1.2 °C · 93 %". */
export function summary(st: SensorState, sensor: SensorRecord): string | null {
  const order = sensor.quantities.length ? sensor.quantities : Object.keys(st.values);
  const main = order.filter((q) => st.values[q] !== undefined && !['battery_voltage', 'battery_level', 'device_temperature'].includes(q)).slice(0, 3);
  if (!main.length) return null;
  return main
    .map((q) => {
      const d = getQuantity(q);
      return `${st.values[q]!.toFixed(d?.decimals ?? 1)} ${d?.unit ?? ''}`.trim();
    })
    .join(' · ');
}

/** Deletes observations older than the retention (in slices, so a large purge never holds one huge transaction). */
export async function applyRetention(db: Kysely<any>, days: number, now = new Date(), slice = 50_000): Promise<number> {
  const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
  let total = 0;
  for (;;) {
    const r = await sql<{ n: number }>`
      WITH doomed AS (SELECT ctid FROM sensor_observation WHERE time < ${cutoff}::timestamptz LIMIT ${slice}),
      gone AS (DELETE FROM sensor_observation o USING doomed WHERE o.ctid = doomed.ctid RETURNING 1)
      SELECT count(*)::int AS n FROM gone`.execute(db);
    const n = r.rows[0]?.n ?? 0;
    total += n;
    if (n < slice) break;
  }
  await sql`DELETE FROM sensor_reject WHERE received_at < ${cutoff}::timestamptz`.execute(db);
  return total;
}
