/**
 * Sensor feeds on the real PostgreSQL/PostGIS server (BENCH_DATABASE_URL, scratch
 * schemas dropped at the end) and the real Mosquitto (127.0.0.1:1883).
 *
 * 1. Sustained MQTT ingest: BENCH_SENSORS_MSGS ChirpStack uplinks (default 20 000) for
 *    200 registered DL-ITST sensors published at QoS 1 to Mosquitto, received by our
 *    subscriber (decode, map to quantities, batch into one transaction per batch,
 *    alerts and map attributes updated); the clock stops when every observation is
 *    committed. Reference: the same messages stored one transaction per message
 *    (the naive subscriber), on a sample of 500.
 * 2. Aggregates over BENCH_SENSORS_ROWS observations (default 10 000 000, generate_series):
 *    our hourly/daily aggregate (`aggregateObservations`) vs the same aggregate
 *    written as raw SQL with date_bin, and vs fetching the raw rows.
 *   npm run bench -- sensors
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import mqtt from 'mqtt';
import pg from 'pg';
import { openDatabase } from '../sql/connection.ts';
import { migrate } from '../sql/migrate.ts';
import { loadAlertRules } from '../etl/sensors/alerts.ts';
import { SensorRegistry } from '../etl/sensors/registry.ts';
import { IngestQueue } from '../etl/sensors/ingest.ts';
import { startSubscriber } from '../etl/sensors/mqtt.ts';
import { prepareUplink } from '../etl/sensors/prepare.ts';
import { writeBatch } from '../etl/sensors/store.ts';
import { aggregateObservations } from '../api/sensors/queries.ts';
import { chirpstackUplink, itstFrame, seedSensorRegistry } from '../etl/sensors/test/helpers.ts';

export const description = 'MQTT uplink ingest rate into PostGIS (batched vs one transaction per message); aggregate query over 10 M observations vs raw SQL';

const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MSGS = Number(process.env.BENCH_SENSORS_MSGS ?? 20_000);
const ROWS = Number(process.env.BENCH_SENSORS_ROWS ?? 10_000_000);
const SENSORS = 200;
const MQTT_URL = process.env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const rules = loadAlertRules();

const eui = (i: number) => `70B3D5BE0000${i.toString(16).toUpperCase().padStart(4, '0')}`;

async function scratch(): Promise<{ db: Kysely<any>; close(): Promise<void>; schema: string }> {
  const schema = `bench_sensors_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const database = await openDatabase({ databaseUrl: BASE_URL, searchPath: schema, poolSize: 4 });
  await migrate(database.db);
  return {
    db: database.db,
    schema,
    async close() {
      await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(database.db);
      await database.close();
    },
  };
}

async function registerSensors(db: Kysely<any>): Promise<void> {
  await seedSensorRegistry(db);
  // 200 more road sensors around Chomutov, registered the way an operator would (rows of the layer)
  await sql`INSERT INTO layer_senzory (source_id, municipality_code, nazev, dev_eui, typ_zarizeni, veliciny, vlastnik, interval_min, stav, geom, content_hash)
    SELECT 'BENCH-' || i, 562971, 'bench ' || i, '70B3D5BE0000' || upper(lpad(to_hex(i), 4, '0')), 'DL-ITST', 'road_temperature,device_temperature,battery_voltage',
           'bench', 15, 'unknown', ST_SetSRID(ST_MakePoint(13.40 + (i % 20) * 0.002, 50.45 + (i / 20) * 0.002), 4326), 'bench'
    FROM generate_series(0, ${SENSORS - 1}) i`.execute(db);
}

function uplink(i: number, base: number): { topic: string; body: string } {
  const s = i % SENSORS;
  const e = eui(s);
  return { topic: `application/bench/device/${e.toLowerCase()}/event/up`, body: chirpstackUplink(e, itstFrame(-5 + (i % 100) / 10), new Date(base + Math.floor(i / SENSORS) * 60_000), i) };
}

async function ingestRate(): Promise<void> {
  const s = await scratch();
  try {
    await registerSensors(s.db);
    const registry = new SensorRegistry(s.db);
    await registry.reload();
    const count = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_observation`.execute(s.db)).rows[0]!.n;

    // reference: one transaction per message, on a sample
    const SAMPLE = Math.min(Number(process.env.BENCH_SENSORS_NAIVE ?? 500), MSGS);
    const base0 = Date.parse('2025-01-01T00:00:00Z');
    let t = performance.now();
    for (let i = 0; i < SAMPLE; i++) {
      const u = uplink(i, base0);
      const p = await prepareUplink(registry, 'bench', u.body);
      await writeBatch(s.db, p.observations, p.rejects, rules);
    }
    const naiveRate = SAMPLE / ((performance.now() - t) / 1000);
    console.log(`  one transaction per message: ${SAMPLE} msgs, ${naiveRate.toFixed(0)} msg/s`);
    await sql`TRUNCATE sensor_observation, sensor_latest, sensor_alert, sensor_reject`.execute(s.db);

    // ours: Mosquitto → subscriber → batched transactions
    const tag = randomBytes(4).toString('hex');
    const queue = new IngestQueue(s.db, rules, { maxBatch: 3000, maxWaitMs: 50 });
    const sub = await startSubscriber(registry, queue, { url: MQTT_URL, clientId: `bench-sub-${tag}` });
    const pub = await mqtt.connectAsync(MQTT_URL, { clientId: `bench-pub-${tag}`, clean: true });
    const base = Date.parse('2025-06-01T00:00:00Z');
    const bodies = Array.from({ length: MSGS }, (_, i) => uplink(i, base));
    t = performance.now();
    // paced like a network server under load: at most WINDOW messages not yet taken by the subscriber
    // (Mosquitto drops QoS 1 messages beyond max_queued_messages, 1000 by default, for a slow client)
    const WINDOW = 800;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < bodies.length; i++) {
      while (i - queue.stats.received >= WINDOW) await new Promise((r) => setTimeout(r, 2));
      sends.push(pub.publishAsync(bodies[i]!.topic, bodies[i]!.body, { qos: 1 }));
    }
    await Promise.all(sends);
    const published = (performance.now() - t) / 1000;
    const want = MSGS * 3;
    for (;;) {
      if ((await count()) >= want) break;
      if (performance.now() - t > 300_000) throw new Error(`only ${await count()} of ${want} observations after 300 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const secs = (performance.now() - t) / 1000;
    const rate = MSGS / secs;
    console.log(`  MQTT → batched ingest:      ${MSGS} msgs (${want} observations, ${queue.stats.batches} batches) in ${secs.toFixed(2)} s = ${rate.toFixed(0)} msg/s (publishing took ${published.toFixed(2)} s)`);
    console.log(`  ratio batched / per-message: ${(rate / naiveRate).toFixed(1)}×; target ≥ 2 000 msg/s: ${rate >= 2000 ? 'met' : 'NOT met'}`);
    await pub.endAsync();
    await sub.stop();
    await (await mqtt.connectAsync(MQTT_URL, { clientId: `bench-sub-${tag}`, clean: true })).endAsync();
  } finally {
    await s.close();
  }
}

async function time<T>(f: () => Promise<T>, runs = 5): Promise<{ ms: number; result: T }> {
  let result = await f(); // warm-up
  const t = performance.now();
  for (let i = 0; i < runs; i++) result = await f();
  return { ms: (performance.now() - t) / runs, result };
}

async function aggregates(): Promise<void> {
  const s = await scratch();
  try {
    const sensors = 20;
    const perSensor = Math.floor(ROWS / sensors);
    const start = Date.parse('2025-01-01T00:00:00Z');
    let t = performance.now();
    // ordered by time like a live feed, so the BRIN index sees time-correlated pages
    await sql`INSERT INTO sensor_observation (sensor_id, quantity, time, value)
      SELECT 'S' || s, 'air_temperature', ${new Date(start).toISOString()}::timestamptz + (m * interval '1 minute'), 10 + 8 * sin(m / 720.0) + (s % 5)
      FROM generate_series(0, ${perSensor - 1}) m, generate_series(1, ${sensors}) s ORDER BY m`.execute(s.db);
    await sql`ANALYZE sensor_observation`.execute(s.db);
    console.log(`  generated ${(sensors * perSensor).toLocaleString('en')} observations in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const client = new pg.Client({ connectionString: BASE_URL, options: `-c search_path=${s.schema},public` });
    await client.connect();
    const span = Math.floor((perSensor * 60_000) / 86_400_000);
    for (const [label, days, agg] of [
      ['30 days, hourly', Math.min(30, span), '1h'],
      [`${span} days, daily`, span, '1d'],
    ] as const) {
      const from = new Date(start);
      const to = new Date(from.getTime() + days * 86_400_000);
      const ours = await time(() => aggregateObservations(s.db, { sensorId: 'S7', quantity: 'air_temperature', from, to, aggregate: agg }));
      const raw = await time(async () =>
        (await client.query(
          `SELECT date_bin($4::interval, time, '2000-01-01') AS t, min(value), max(value), avg(value), count(*) FROM sensor_observation
           WHERE sensor_id = $1 AND quantity = $2 AND time >= $3 AND time < $5 GROUP BY 1 ORDER BY 1`,
          ['S7', 'air_temperature', from.toISOString(), agg === '1h' ? '1 hour' : '1 day', to.toISOString()],
        )).rows,
      );
      const fetchAll = await time(
        async () => (await client.query(`SELECT time, value FROM sensor_observation WHERE sensor_id = $1 AND quantity = $2 AND time >= $3 AND time < $4 ORDER BY time`, ['S7', 'air_temperature', from.toISOString(), to.toISOString()])).rowCount,
        2,
      );
      console.log(
        `  ${label}: ours ${ours.ms.toFixed(1)} ms (${ours.result.length} windows), raw SQL date_bin ${raw.ms.toFixed(1)} ms (${raw.result.length}) → ratio ${(ours.ms / raw.ms).toFixed(2)}; fetching the ${fetchAll.result} raw rows instead: ${fetchAll.ms.toFixed(1)} ms`,
      );
    }
    await client.end();
  } finally {
    await s.close();
  }
}

export async function run(): Promise<void> {
  await ingestRate();
  await aggregates();
}
