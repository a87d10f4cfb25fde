import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import mqtt from 'mqtt';
import { openTestDatabase } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { chirpstackUplink, itstFrame, seedSensorRegistry } from './helpers.ts';
import { MOSQUITTO_URL, portOpen } from './mosquitto.ts';

/**
 * The ingest killed with SIGKILL in the middle of a stream, against the real
 * Mosquitto and PostgreSQL: ingesting instances are child processes (PGlite is
 * one process's database, so these tests need TEST_DATABASE_URL).
 */
const url = process.env.TEST_DATABASE_URL;
const broker = await portOpen();
const why = !url ? 'TEST_DATABASE_URL is not set (the instances are separate processes)' : !broker ? 'Mosquitto is not listening on 127.0.0.1:1883' : undefined;
if (why) {
  if (process.env.CI === 'true' && broker === false) throw new Error(`ingest kill tests cannot run under CI: ${why}`);
  console.warn(`[sensor ingest kill tests skipped] ${why}`);
}
const root = new URL('../../../', import.meta.url).pathname;

describe.skipIf(!!why)('sensor ingest killed with SIGKILL during a stream (Mosquitto, PostgreSQL)', () => {
  let database: Database;
  let schema: string;
  const children = new Set<ChildProcess>();
  const sessions = new Set<string>();
  const stored = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_message`.execute(database.db)).rows[0]!.n;

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(database.db)).rows[0]!.s;
    await seedSensorRegistry(database.db);
  }, 120_000);
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    // leave no persistent session behind on the shared broker
    for (const id of sessions) await (await mqtt.connectAsync(MOSQUITTO_URL, { clientId: id, clean: true, protocolVersion: 5, properties: { sessionExpiryInterval: 0 } })).endAsync();
    await database?.close();
  }, 60_000);

  async function startInstance(clientId: string, tag: string): Promise<{ child: ChildProcess; output: () => string }> {
    sessions.add(clientId);
    const child = spawn(process.execPath, ['--import', 'tsx', 'etl/sensors/test/ingest-child.ts'], {
      cwd: root,
      env: { ...process.env, CHILD_DATABASE_URL: database.connection!.url, CHILD_SCHEMA: schema, MQTT_URL: MOSQUITTO_URL, MQTT_CLIENT_ID: clientId, MQTT_SHARE_GROUP: `test-${tag}`, MQTT_TOPICS: `application/kill-${tag}/device/+/event/up` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    let out = '';
    child.stderr!.on('data', (d) => (out += d));
    let ready = false;
    child.stdout!.on('data', (d) => (ready ||= String(d).includes('ready')));
    const deadline = Date.now() + 60_000;
    while (!ready && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    if (!ready) throw new Error(`instance ${clientId} did not start: ${out}`);
    return { child, output: () => out };
  }

  async function kill(child: ChildProcess): Promise<void> {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');
  }

  /**
   * Publishes n uplinks at QoS 1, at most `window` ahead of what is stored (Mosquitto keeps at most
   * max_queued_messages = 1000 per offline session by default, see docs/sensors-ingest.md), and calls
   * `at` once with the count stored when it passes `killAt`.
   */
  async function stream(tag: string, n: number, killAt: number, at: () => Promise<void>, window = 800): Promise<void> {
    const pub = await mqtt.connectAsync(MOSQUITTO_URL, { clientId: `kill-pub-${tag}`, clean: true });
    const base = Date.now() - 3 * 3_600_000;
    const topic = `application/kill-${tag}/device/70b3d57ba0003bb8/event/up`;
    let killed = false;
    const deadline = Date.now() + 180_000;
    try {
      for (let i = 0; i < n; ) {
        if (Date.now() > deadline) throw new Error(`publishing stalled: ${i} of ${n} published, ${await stored()} stored`);
        const s = await stored();
        if (!killed && s >= killAt) {
          killed = true;
          await at();
        }
        const to = Math.min(n, s + window);
        if (i >= to) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        for (; i < to; i++) await pub.publishAsync(topic, chirpstackUplink('70B3D57BA0003BB8', itstFrame(-5 + (i % 100) / 10), new Date(base + i * 1000), i), { qos: 1 });
      }
      if (!killed) await at();
    } finally {
      await pub.endAsync();
    }
  }

  async function waitStored(n: number, ms: number, what: () => string): Promise<void> {
    const deadline = Date.now() + ms;
    while ((await stored()) < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const s = await stored();
    if (s < n) throw new Error(`only ${s} of ${n} messages stored: ${what()}`);
  }

  async function expectEachStoredOnce(n: number): Promise<void> {
    // redeliveries may still arrive: they must not add anything
    await new Promise((r) => setTimeout(r, 1500));
    expect(await stored()).toBe(n);
    const obs = await sql<{ n: number; distinct_times: number }>`
      SELECT count(*)::int AS n, count(DISTINCT time)::int AS distinct_times FROM sensor_observation WHERE sensor_id = 'CV-ICE-01' AND quantity = 'road_temperature'`.execute(database.db);
    expect(obs.rows[0]).toEqual({ n, distinct_times: n });
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_quarantine`.execute(database.db)).rows[0]!.n).toBe(0);
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_reject`.execute(database.db)).rows[0]!.n).toBe(0);
  }

  it('one instance killed mid-stream and restarted: every QoS 1 message stored exactly once, none lost', { timeout: 240_000 }, async () => {
    await sql`TRUNCATE sensor_message, sensor_observation, sensor_latest, sensor_alert, sensor_reject, sensor_quarantine, sensor_ingest_member`.execute(database.db);
    const tag = randomBytes(4).toString('hex');
    const N = 3000;
    let a = await startInstance(`kill-a-${tag}`, tag);
    await stream(tag, N, 1000, async () => {
      await kill(a.child);
      // the same client id resumes the persistent session: what was not acknowledged comes again
      a = await startInstance(`kill-a-${tag}`, tag);
    });
    await waitStored(N, 120_000, () => a.output());
    await expectEachStoredOnce(N);
    const exited = once(a.child, 'exit');
    a.child.kill('SIGTERM');
    await exited;
  });

  it('two instances on a shared subscription, one killed: 10,000 messages each stored exactly once', { timeout: 300_000 }, async () => {
    await sql`TRUNCATE sensor_message, sensor_observation, sensor_latest, sensor_alert, sensor_reject, sensor_quarantine, sensor_ingest_member`.execute(database.db);
    const tag = randomBytes(4).toString('hex');
    const N = 10_000;
    const a = await startInstance(`share-a-${tag}`, tag);
    const b = await startInstance(`share-b-${tag}`, tag);
    let killedAt = 0;
    await stream(tag, N, N / 2, async () => {
      await kill(a.child);
      killedAt = Date.now();
    });
    await waitStored(N, 180_000, () => b.output());
    // the survivor took over the dead member's session (reported, not asserted: speed is for bench/)
    console.log(`[ingest takeover] all ${N} stored ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
    await expectEachStoredOnce(N);
    expect(b.output()).toMatch(new RegExp(`took over share-a-${tag} \\(session drained\\)`));
    const members = await sql<{ client_id: string }>`SELECT client_id FROM sensor_ingest_member`.execute(database.db);
    expect(members.rows.map((r) => r.client_id)).toEqual([`share-b-${tag}`]);
    const exited = once(b.child, 'exit');
    b.child.kill('SIGTERM');
    await exited;
  });
});
