import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { loadAlertRules } from '../alerts.ts';
import { SensorRegistry } from '../registry.ts';
import { prepareUplink } from '../prepare.ts';
import { IngestQueue, messageKey } from '../ingest.ts';
import { evaluateSensors, writeBatch } from '../store.ts';
import { chirpstackUplink, itstFrame, seedSensorRegistry } from './helpers.ts';

const rules = loadAlertRules();

describe.each(testBackends())('sensor ingest never stalls, quarantines what it cannot store, on %s', (backend) => {
  let database: Database;
  let registry: SensorRegistry;
  const q = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(database.db)).rows;
  /** one MQTT message as the subscriber hands it to the queue */
  const mqttMessage = async (queue: IngestQueue, topic: string, payload: Buffer) =>
    queue.add(await prepareUplink(registry, `mqtt:${topic}`, payload), { source: `mqtt:${topic}`, raw: payload, key: messageKey(topic, payload) });
  const road = async (from: Date, to: Date) =>
    (await q(sql<{ value: number }>`SELECT value FROM sensor_observation WHERE sensor_id = 'CV-ICE-01' AND quantity = 'road_temperature' AND time >= ${from.toISOString()}::timestamptz AND time <= ${to.toISOString()}::timestamptz ORDER BY time`)).map((r) => r.value);

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await seedSensorRegistry(database.db);
    registry = new SensorRegistry(database.db);
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  it('a payload with a NUL byte goes to the quarantine (raw bytes, reason); the rest of its batch and later messages are stored', async () => {
    const queue = new IngestQueue(database.db, rules, { maxWaitMs: 1000 });
    const t = new Date(Date.now() - 120_000);
    const topic = 'application/a/device/70b3d57ba0003bb8/event/up';
    const poison = Buffer.concat([Buffer.from('{"deviceInfo": {"devEui": "70b3d57ba0003bb8"'), Buffer.from([0]), Buffer.from('}')]);
    // three messages in one batch: good, poisoned, good
    const all = Promise.all([
      mqttMessage(queue, topic, Buffer.from(chirpstackUplink('70B3D57BA0003BB8', itstFrame(1.1), t, 11))),
      mqttMessage(queue, topic, poison),
      mqttMessage(queue, topic, Buffer.from(chirpstackUplink('70B3D57BA0003BB8', itstFrame(1.2), new Date(t.getTime() + 1000), 12))),
    ]);
    await queue.flush();
    await all;
    expect(await road(t, new Date(t.getTime() + 1000))).toEqual([1.1, 1.2]);
    const dead = await q(sql<{ source: string; reason: string; payload_base64: string; received_at: Date }>`SELECT source, reason, payload_base64, received_at FROM sensor_quarantine`);
    expect(dead.length).toBe(1);
    expect(dead[0]!.source).toBe(`mqtt:${topic}`);
    expect(dead[0]!.reason).toMatch(/^not storable: /);
    expect(Buffer.from(dead[0]!.payload_base64, 'base64').equals(poison)).toBe(true);
    expect(dead[0]!.received_at).toBeInstanceOf(Date);
    // the poisoned message redelivered (QoS 1) is not quarantined twice; the ingest goes on
    const later = mqttMessage(queue, topic, poison);
    const next = mqttMessage(queue, topic, Buffer.from(chirpstackUplink('70B3D57BA0003BB8', itstFrame(1.3), new Date(t.getTime() + 2000), 13)));
    await queue.flush();
    await Promise.all([later, next]);
    expect((await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_quarantine`))[0]!.n).toBe(1);
    expect(await road(t, new Date(t.getTime() + 2000))).toEqual([1.1, 1.2, 1.3]);
    expect(queue.stats.quarantined).toBe(1);
    expect(queue.pending).toBe(0);
  });

  it('a redelivered message is stored once, rejects included', async () => {
    const queue = new IngestQueue(database.db, rules);
    const topic = 'v3/app@ttn/devices/x/up';
    const unknown = Buffer.from(JSON.stringify({ end_device_ids: { dev_eui: 'DEADBEEFDEADBEE1' }, uplink_message: { f_port: 1, frm_payload: 'AQ==' } }));
    // an uplink without a time gets the time of receipt: only the message key recognises its redelivery
    const noTime = Buffer.from(JSON.stringify({ deviceInfo: { devEui: '70b3d57ba0003bb8' }, fCnt: 99, fPort: 1, data: Buffer.from(itstFrame(7.7), 'hex').toString('base64') }));
    for (let i = 0; i < 3; i++) {
      await mqttMessage(queue, topic, unknown);
      await mqttMessage(queue, 'application/a/device/70b3d57ba0003bb8/event/up', noTime);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_reject WHERE dev_eui = 'DEADBEEFDEADBEE1'`))[0]!.n).toBe(1);
    expect((await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_observation WHERE sensor_id = 'CV-ICE-01' AND quantity = 'road_temperature' AND value = 7.7`))[0]!.n).toBe(1);
  });

  it('quarantines observations more than 10 minutes in the future or before the epoch; latest is the newest plausible one', async () => {
    const queue = new IngestQueue(database.db, rules, { plausible: { maxFutureMs: 10 * 60_000, epoch: new Date('2015-01-01T00:00:00Z') } });
    const topic = 'application/a/device/70b3d57ba0003bb8/event/up';
    const now = Date.now();
    await mqttMessage(queue, topic, Buffer.from(chirpstackUplink('70B3D57BA0003BB8', itstFrame(3.3), new Date(now - 60_000), 21)));
    const future = Buffer.from(chirpstackUplink('70B3D57BA0003BB8', itstFrame(9.9), new Date('9999-12-31T00:00:00Z'), 22));
    await mqttMessage(queue, topic, future);
    await mqttMessage(queue, topic, Buffer.from(chirpstackUplink('70B3D57BA0003BB8', itstFrame(8.8), new Date(now + 11 * 60_000), 23)));
    await mqttMessage(queue, topic, Buffer.from(chirpstackUplink('70B3D57BA0003BB8', itstFrame(6.6), new Date('2014-06-01T00:00:00Z'), 24)));
    // a sensor clock a few minutes ahead is plausible
    await mqttMessage(queue, topic, Buffer.from(chirpstackUplink('70B3D57BA0003BB8', itstFrame(4.4), new Date(now + 5 * 60_000), 25)));
    const dead = await q(sql<{ reason: string; payload_base64: string }>`SELECT reason, payload_base64 FROM sensor_quarantine WHERE reason NOT LIKE 'not storable%' ORDER BY id`);
    expect(dead.map((d) => d.reason)).toEqual([
      expect.stringMatching(/^time 9999-12-31T00:00:00\.000Z is more than 10 min in the future/),
      expect.stringMatching(/is more than 10 min in the future/),
      expect.stringMatching(/^time 2014-06-01T00:00:00\.000Z is before the epoch 2015-01-01/),
    ]);
    expect(Buffer.from(dead[0]!.payload_base64, 'base64').equals(future)).toBe(true);
    const stored = await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_observation WHERE sensor_id = 'CV-ICE-01' AND (time > now() + interval '10 minutes' OR time < '2015-01-01')`);
    expect(stored[0]!.n).toBe(0);
    const latest = await q(sql<{ value: number }>`SELECT value FROM sensor_latest WHERE sensor_id = 'CV-ICE-01' AND quantity = 'road_temperature'`);
    expect(latest[0]!.value).toBe(4.4);
  });

  it('a silent sensor is stale, its critical alert stays open; only a reading that clears it resolves it', async () => {
    const t = new Date(Date.now() - 60_000);
    const alerts = async () => (await q(sql<{ rule_id: string }>`SELECT rule_id FROM sensor_alert WHERE sensor_id = 'CV-WL-01' AND ended_at IS NULL ORDER BY rule_id`)).map((r) => r.rule_id);
    const stav = async () => (await q(sql<{ stav: string }>`SELECT stav FROM layer_senzory WHERE source_id = 'CV-WL-01'`))[0]!.stav;
    await writeBatch(database.db, [{ sensorId: 'CV-WL-01', quantity: 'distance', time: t, value: 1500 }], [], rules, new Date(t.getTime() + 1000));
    expect(await alerts()).toEqual(['water-level']);
    expect(await stav()).toBe('alert');
    // the sensor stops reporting (interval 10 min × staleFactor 2): no data is not a reading that clears the flood alert
    const silent = new Date(t.getTime() + 3_600_000);
    await database.db.transaction().execute((trx) => evaluateSensors(trx, rules, silent));
    expect(await alerts()).toEqual(['stale', 'water-level']);
    expect(await stav()).toBe('stale');
    // still silent an hour later: nothing changes
    await database.db.transaction().execute((trx) => evaluateSensors(trx, rules, new Date(silent.getTime() + 3_600_000)));
    expect(await alerts()).toEqual(['stale', 'water-level']);
    // it comes back still flooded: stale clears, the flood alert stays the same alert
    const back = new Date(silent.getTime() + 3_600_000);
    await writeBatch(database.db, [{ sensorId: 'CV-WL-01', quantity: 'distance', time: back, value: 1600 }], [], rules, back);
    expect(await alerts()).toEqual(['water-level']);
    expect((await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_alert WHERE sensor_id = 'CV-WL-01' AND rule_id = 'water-level'`))[0]!.n).toBe(1);
    // a reading below the flood level resolves it
    await writeBatch(database.db, [{ sensorId: 'CV-WL-01', quantity: 'distance', time: new Date(back.getTime() + 60_000), value: 2500 }], [], rules, new Date(back.getTime() + 60_000));
    expect(await alerts()).toEqual([]);
    expect(await stav()).toBe('ok');
  });
  it.runIf(backend === 'postgres')('two instances raising the same alert at once: one open alert, neither batch fails', async () => {
    const t = new Date(Date.now() - 120_000);
    await writeBatch(database.db, [{ sensorId: 'JK-ICE-01', quantity: 'road_temperature', time: t, value: 4 }], [], rules, t);
    const later = new Date(t.getTime() + 86_400_000);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let raisedByA!: () => void;
    const aRaised = new Promise<void>((r) => (raisedByA = r));
    const a = database.db.transaction().execute(async (trx) => {
      await evaluateSensors(trx, rules, later, ['JK-ICE-01']);
      raisedByA();
      await gate;
    });
    await aRaised;
    const b = database.db.transaction().execute((trx) => evaluateSensors(trx, rules, later, ['JK-ICE-01']));
    // b has read no open alert and now waits for a's uncommitted one on the unique index
    let waiting = false;
    for (let i = 0; i < 100 && !waiting; i++) {
      waiting = (await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0]!.n > 0;
      if (!waiting) await new Promise((r) => setTimeout(r, 50));
    }
    expect(waiting).toBe(true);
    release();
    await a;
    const eventB = await b;
    expect(eventB.alerts.filter((x) => x.state === 'raised')).toEqual([]);
    expect((await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_alert WHERE sensor_id = 'JK-ICE-01' AND rule_id = 'stale' AND ended_at IS NULL`))[0]!.n).toBe(1);
  });

  it('migration 0015 moves observations already stored in the future to the quarantine and recomputes latest', async () => {
    const t = new Date(Date.now() - 600_000);
    await writeBatch(database.db, [{ sensorId: 'CV-BIN-01', quantity: 'distance', time: t, value: 800 }], [], rules, t);
    await writeBatch(database.db, [{ sensorId: 'CV-BIN-01', quantity: 'distance', time: new Date('9999-12-31T00:00:00Z'), value: 1 }], [], rules, t);
    const latest = async () => (await q(sql<{ value: number }>`SELECT value FROM sensor_latest WHERE sensor_id = 'CV-BIN-01' AND quantity = 'distance'`))[0]!.value;
    expect(await latest()).toBe(1);
    // what a database written before this change holds; the migration's statements are idempotent
    await database.db.transaction().execute(async (trx) => {
      await sql.raw(readFileSync(new URL('../../../sql/migrations/0015_sensor_quarantine_messages.sql', import.meta.url), 'utf8')).execute(trx);
    });
    expect(await latest()).toBe(800);
    const moved = (await q(sql<{ reason: string; payload_base64: string }>`SELECT reason, payload_base64 FROM sensor_quarantine WHERE source = 'migration 0015'`))
      .map((r) => ({ reason: r.reason, row: JSON.parse(Buffer.from(r.payload_base64, 'base64').toString('utf8')) as { sensorId: string } }))
      .filter((r) => r.row.sensorId === 'CV-BIN-01');
    expect(moved).toEqual([{ reason: 'time 9999-12-31T00:00:00Z is in the future', row: expect.objectContaining({ quantity: 'distance', value: 1 }) }]);
    expect((await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_observation WHERE time > now() + interval '10 minutes'`))[0]!.n).toBe(0);
  });
});
