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
  quarantined: number;
  /** messages skipped because their key was already stored (redeliveries) */
  redelivered: number;
  event: SensorEvent;
}

/** A message (or observations of one) that is kept aside with the reason, raw bytes as base64. */
export interface QuarantineRow {
  source: string;
  reason: string;
  payloadBase64: string;
}

/** What one received message stores. */
export interface StoreMessage {
  /** unique message key (MQTT): a message whose key is already stored is skipped */
  key?: string;
  observations: ObservationRow[];
  rejects: RejectRow[];
  quarantine: QuarantineRow[];
}

type Db = Kysely<any> | Transaction<any>;

/** Rows of one batch without message keys (feeds, tests, benchmarks). */
export async function writeBatch(db: Kysely<any>, rows: ObservationRow[], rejects: RejectRow[], rules: AlertRules, now = new Date()): Promise<BatchResult> {
  return writeMessages(db, [{ observations: rows, rejects, quarantine: [] }], rules, now);
}

/**
 * Stores a batch of messages in one transaction: message keys (a redelivered
 * message is skipped as a whole), observations (duplicates ignored by the
 * primary key), latest values (only moved forward), rejects, quarantined
 * messages, then re-evaluates the touched sensors' alerts and map attributes
 * and notifies listeners on commit.
 */
export async function writeMessages(db: Kysely<any>, messages: StoreMessage[], rules: AlertRules, now = new Date()): Promise<BatchResult> {
  return db.transaction().execute(async (trx) => {
    const keys = [...new Set(messages.flatMap((m) => (m.key ? [m.key] : [])))];
    const fresh = new Set<string>();
    if (keys.length) {
      const r = await sql<{ message_key: string }>`
        INSERT INTO sensor_message (message_key) SELECT unnest(${keys}::text[])
        ON CONFLICT (message_key) DO NOTHING RETURNING message_key`.execute(trx);
      for (const x of r.rows) fresh.add(x.message_key);
    }
    // a key counts once: the first message with a fresh key is stored, later copies (and stored keys) are skipped
    const kept = messages.filter((m) => !m.key || fresh.delete(m.key));
    const rows = kept.flatMap((m) => m.observations);
    const rejects = kept.flatMap((m) => m.rejects);
    const quarantine = kept.flatMap((m) => m.quarantine);
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
    if (quarantine.length) {
      await sql`
        INSERT INTO sensor_quarantine (source, reason, payload_base64, message_key)
        SELECT * FROM unnest(${quarantine.map((q) => q.source)}::text[], ${quarantine.map((q) => q.reason)}::text[],
                             ${quarantine.map((q) => q.payloadBase64)}::text[], ${kept.flatMap((m) => m.quarantine.map(() => m.key ?? null))}::text[])`.execute(trx);
    }
    const touched = [...new Set(inserted.map((r) => r.sensor_id))];
    const event = touched.length ? await evaluateSensors(trx, rules, now, touched) : { sensors: [], alerts: [] };
    return { inserted: inserted.length, duplicates: rows.length - inserted.length, rejected: rejects.length, quarantined: quarantine.length, redelivered: messages.length - kept.length, event };
  });
}


/**
 * Recomputes alert state, `stav` and the latest-value attributes of the given
 * sensors (and of the other sensors of their sites, whose rules read them), or
 * of all sensors. Stores alert transitions and notifies on commit.
 */
/**
 * The map attributes (`posledni_hodnoty`, `posledni_mereni`) of a sensor are rewritten at most every
 * SENSOR_MAP_REFRESH_MIN minutes (default 15), and at once when its state changes: every write of a
 * layer row is kept in the feature history, and a live feed must not flood it. Live values go to
 * /api/sensors and the event stream immediately.
 */
export const MAP_REFRESH_MINUTES = Number(process.env.SENSOR_MAP_REFRESH_MIN ?? 15);

export async function evaluateSensors(trx: Db, rules: AlertRules, now: Date, only?: string[], mapRefreshMinutes = MAP_REFRESH_MINUTES): Promise<SensorEvent> {
  const all = await loadSensors(trx);
  let targets = all;
  if (only) {
    const ids = new Set(only);
    const sites = new Set(all.filter((s) => ids.has(s.id) && s.site).map((s) => s.site));
    targets = all.filter((s) => ids.has(s.id) || (s.site && sites.has(s.site)));
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

  const openOf = new Map<string, typeof open>();
  for (const a of open) openOf.set(a.sensor_id, [...(openOf.get(a.sensor_id) ?? []), a]);
  const changes: AlertChange[] = [];
  const cleared: number[] = [];
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
      changes.push({ sensorId: s.id, ruleId, severity: w.severity, state: 'raised', at, detail: w.detail });
    }
    for (const a of openOf.get(s.id) ?? []) {
      if (want.has(a.rule_id)) continue;
      // no data is not a reading that clears anything: while stale, rule alerts stay open (a silent flood gauge is no all-clear)
      if (stale && a.rule_id !== STALE_RULE.id) continue;
      cleared.push(a.id);
      changes.push({ sensorId: s.id, ruleId: a.rule_id, severity: '', state: 'cleared', at, detail: '' });
    }
    const stav: SensorState['stav'] = !own.size ? 'unknown' : stale ? 'stale' : want.size ? 'alert' : 'ok';
    states.push({ id: s.id, stav, time: lastTime?.toISOString() ?? null, values: Object.fromEntries([...own].map(([q, v]) => [q, v.value])) });
  }

  // alert transitions in two statements, however many sensors changed
  const raised = changes.filter((c) => c.state === 'raised');
  if (raised.length) {
    // another instance may raise the same alert in a concurrent batch: the open alert exists once, raised once
    const r = await sql<{ sensor_id: string; rule_id: string }>`INSERT INTO sensor_alert (sensor_id, rule_id, severity, started_at, detail)
      SELECT u.s, u.r, u.sev, ${at}::timestamptz, u.d
      FROM unnest(${raised.map((c) => c.sensorId)}::text[], ${raised.map((c) => c.ruleId)}::text[], ${raised.map((c) => c.severity)}::text[], ${raised.map((c) => c.detail)}::text[]) AS u(s, r, sev, d)
      ON CONFLICT (sensor_id, rule_id) WHERE ended_at IS NULL DO NOTHING
      RETURNING sensor_id, rule_id`.execute(trx);
    const mine = new Set(r.rows.map((x) => `${x.sensor_id}\u0000${x.rule_id}`));
    for (let i = changes.length - 1; i >= 0; i--) if (changes[i]!.state === 'raised' && !mine.has(`${changes[i]!.sensorId}\u0000${changes[i]!.ruleId}`)) changes.splice(i, 1);
  }
  if (cleared.length) await sql`UPDATE sensor_alert SET ended_at = ${at}::timestamptz WHERE id = ANY(${cleared}::bigint[])`.execute(trx);

  // the map attributes: written only where they change, so the periodic check rarely writes
  const byId = new Map(all.map((s) => [s.id, s]));
  const summaries = states.map((st) => summary(st, byId.get(st.id)!));
  const upd = await sql<{ source_id: string; lon: number; lat: number }>`
    UPDATE ${sensorTable()} t SET stav = u.stav, posledni_hodnoty = u.hodnoty, posledni_mereni = u.cas, updated_at = now()
    FROM unnest(${states.map((s) => s.id)}::text[], ${states.map((s) => s.stav)}::text[], ${summaries}::text[], ${states.map((s) => s.time)}::text[]) AS u(id, stav, hodnoty, cas)
    WHERE t.source_id = u.id AND (t.stav IS DISTINCT FROM u.stav
      OR ((t.posledni_hodnoty IS DISTINCT FROM u.hodnoty OR t.posledni_mereni IS DISTINCT FROM u.cas)
          AND (t.posledni_mereni IS NULL OR t.updated_at <= ${now.toISOString()}::timestamptz - make_interval(mins => ${mapRefreshMinutes}))))
    RETURNING t.source_id, ST_X(t.geom) AS lon, ST_Y(t.geom) AS lat`.execute(trx);
  if (upd.rows.length) {
    const xs = upd.rows.map((r) => r.lon);
    const ys = upd.rows.map((r) => r.lat);
    await recordChange(trx, { layerId: SENSOR_LAYER_ID, bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], source: 'sensors:ingest' });
  }
  // live: every sensor with new values, and any whose state changed (the periodic check)
  const fresh = new Set(only ?? []);
  const event: SensorEvent = { sensors: states.filter((st) => fresh.has(st.id) || byId.get(st.id)!.stav !== st.stav), alerts: changes };
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
  await sql`DELETE FROM sensor_quarantine WHERE received_at < ${cutoff}::timestamptz`.execute(db);
  // message keys only have to outlive a redelivery (a broker session, a takeover): a week is plenty
  await sql`DELETE FROM sensor_message WHERE received_at < ${new Date(now.getTime() - 7 * 86_400_000).toISOString()}::timestamptz`.execute(db);
  return total;
}
