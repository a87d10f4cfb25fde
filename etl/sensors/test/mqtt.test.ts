import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import mqtt from 'mqtt';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { loadAlertRules } from '../alerts.ts';
import { SensorRegistry } from '../registry.ts';
import { IngestQueue } from '../ingest.ts';
import { startEmbeddedBroker, startSubscriber } from '../mqtt.ts';
import { chirpstackUplink, itstFrame, seedSensorRegistry } from './helpers.ts';
import { mosquittoMissing, startPrivateBroker } from '../../../faults/mosquitto.ts';

const rules = loadAlertRules();
const N = 300;

// a broker of the test's own (faults/mosquitto.ts): restarting the machine's shared one would cut every other client on it
const why = mosquittoMissing();
const BROKER_PORT = { pglite: 3170, postgres: 3171 } as const;
if (why) {
  if (process.env.CI === 'true') throw new Error(`Mosquitto test cannot run under CI: ${why}`);
  console.warn(`[Mosquitto restart test skipped] ${why}`);
}

async function waitFor(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(testBackends())('MQTT ingest on %s', (backend) => {
  let database: Database;
  const count = async (where = sql`true`) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_observation WHERE ${where}`.execute(database.db)).rows[0]!.n;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await seedSensorRegistry(database.db);
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  it.runIf(!why)(`stores ${N} uplinks published at QoS 1 exactly once across a Mosquitto restart`, async () => {
    const registry = new SensorRegistry(database.db);
    const queue = new IngestQueue(database.db, rules);
    const tag = randomBytes(4).toString('hex');
    const broker = await startPrivateBroker(BROKER_PORT[backend]);
    const MOSQUITTO_URL = broker.url;
    const sub = await startSubscriber(registry, queue, { url: MOSQUITTO_URL, clientId: `geoportal-test-sub-${tag}` });
    const pub = await mqtt.connectAsync(MOSQUITTO_URL, { clientId: `geoportal-test-pub-${tag}`, clean: false, reconnectPeriod: 200 });
    pub.on('error', () => {});
    const base = Date.parse('2026-01-15T06:00:00Z') + Math.floor(Math.random() * 1e6) * 1000;
    const topic = `application/test-${tag}/device/70b3d57ba0003bb8/event/up`;
    try {
      const publish = (i: number) =>
        pub.publishAsync(topic, chirpstackUplink('70B3D57BA0003BB8', itstFrame(-5 + (i % 50) / 10), new Date(base + i * 1000), i), { qos: 1 });
      for (let i = 0; i < N / 2; i++) await publish(i);
      // a bad message and an unknown device in the middle: rejected, the subscriber goes on
      await pub.publishAsync(topic, '{"deviceInfo": ', { qos: 1 });
      await pub.publishAsync('v3/app@ttn/devices/x/up', JSON.stringify({ end_device_ids: { dev_eui: 'DEADBEEFDEADBEEF' }, uplink_message: { f_port: 1, frm_payload: 'AQ==' } }), { qos: 1 });
      // a poisoned message (a NUL byte cannot be stored in a text column): quarantined, the stream goes on
      const poison = Buffer.concat([Buffer.from('{"deviceInfo": '), Buffer.from([0]), Buffer.from(tag)]);
      await pub.publishAsync(topic, poison, { qos: 1 });
      // SIGTERM (Mosquitto saves its persistence file), then the same broker again on the same port
      await broker.stop();
      await broker.start();
      // published while both clients reconnect: mqtt.js keeps unacknowledged QoS 1 messages and resends them
      const rest: Promise<unknown>[] = [];
      for (let i = N / 2; i < N; i++) rest.push(publish(i));
      await Promise.all(rest);
      const inRange = sql`sensor_id = 'CV-ICE-01' AND quantity = 'road_temperature' AND time >= ${new Date(base).toISOString()}::timestamptz AND time < ${new Date(base + N * 1000).toISOString()}::timestamptz`;
      await waitFor(async () => (await count(inRange)) >= N, 30_000, `${N} road temperatures stored`);
      // give redeliveries time to arrive: they must not add rows
      await new Promise((r) => setTimeout(r, 1000));
      await queue.flush();
      expect(await count(inRange)).toBe(N);
      const perMessage = await sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_observation WHERE sensor_id = 'CV-ICE-01' AND time >= ${new Date(base).toISOString()}::timestamptz AND time < ${new Date(base + N * 1000).toISOString()}::timestamptz`.execute(database.db);
      expect(perMessage.rows[0]!.n).toBe(3 * N);
      const rej = await sql<{ kind: string; source: string }>`SELECT kind, source FROM sensor_reject ORDER BY id`.execute(database.db);
      expect(rej.rows.map((r) => r.kind)).toEqual(expect.arrayContaining(['malformed', 'unknown-device']));
      expect(queue.stats.received).toBeGreaterThanOrEqual(N + 3);
      const dead = await sql<{ source: string; payload_base64: string }>`SELECT source, payload_base64 FROM sensor_quarantine`.execute(database.db);
      expect(dead.rows.map((r) => ({ source: r.source, payload: Buffer.from(r.payload_base64, 'base64') }))).toEqual([{ source: `mqtt:${topic}`, payload: poison }]);
    } finally {
      await pub.endAsync();
      await sub.stop();
      await broker.stop();
      rmSync(broker.dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('the embedded broker (aedes) delivers ChirpStack and TTS topics to the subscriber', async () => {
    const broker = await startEmbeddedBroker(0);
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const registry = new SensorRegistry(database.db);
    const queue = new IngestQueue(database.db, rules);
    const sub = await startSubscriber(registry, queue, { url, clientId: 'geoportal-embedded-test' });
    const pub = await mqtt.connectAsync(url, { clientId: 'embedded-pub' });
    try {
      const t = Date.parse('2026-02-01T00:00:00Z');
      await pub.publishAsync('application/a/device/70b3d57ba0003bb8/event/up', chirpstackUplink('70B3D57BA0003BB8', itstFrame(1.5), new Date(t)), { qos: 1 });
      const tts = JSON.stringify({ end_device_ids: { dev_eui: '70B3D57BA0003BB8' }, received_at: new Date(t + 1000).toISOString(), uplink_message: { f_port: 1, frm_payload: Buffer.from(itstFrame(2.5), 'hex').toString('base64'), received_at: new Date(t + 1000).toISOString() } });
      await pub.publishAsync('v3/app@ttn/devices/ice/up', tts, { qos: 1 });
      const w = sql`sensor_id = 'CV-ICE-01' AND quantity = 'road_temperature' AND time IN (${new Date(t).toISOString()}::timestamptz, ${new Date(t + 1000).toISOString()}::timestamptz)`;
      await waitFor(async () => (await count(w)) === 2, 10_000, 'both uplinks stored');
      const v = await sql<{ value: number }>`SELECT value FROM sensor_observation WHERE ${w} ORDER BY time`.execute(database.db);
      expect(v.rows.map((r) => r.value)).toEqual([1.5, 2.5]);
    } finally {
      await pub.endAsync();
      await sub.stop();
      await broker.stop();
    }
  }, 60_000);
});
