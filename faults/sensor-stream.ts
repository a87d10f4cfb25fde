import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pg from 'pg';
import { openDatabase } from '../sql/connection.ts';
import { migrate } from '../sql/migrate.ts';
import { chirpstackUplink, itstFrame, seedSensorRegistry } from '../etl/sensors/test/helpers.ts';
import { startChildServer, type ChildServer } from './child-server.ts';
import { freshDatabase, sleep, type FaultContext, type ScenarioResult } from './scenario.ts';
import { startPrivateBroker, type PrivateBroker } from './mosquitto.ts';

/** The road-temperature sensor of the seeded registry that every streamed uplink comes from. */
const DEV_EUI = '70B3D57BA0003BB8';

export interface StreamFault {
  /** label of the database, logs and client ids */
  label: string;
  /** messages streamed at QoS 1 */
  messages: number;
  /** MQTT 5 shared-subscription group of the server (MQTT_SHARE_GROUP); '' = plain subscriptions */
  shareGroup?: string;
  /** the fault strikes once this many messages are stored */
  strikeAt: number;
  /** the fault itself; returns a fact for the report line */
  strike(parts: { server: () => ChildServer; restartServer: () => Promise<void>; broker: PrivateBroker }): Promise<string>;
}

/**
 * A real server ingesting a QoS 1 uplink stream from a broker of the
 * scenario's own (Mosquitto), with a fault struck midway. Afterwards every
 * message must be stored exactly once (sensor_message, one row per message;
 * one road temperature per uplink), none quarantined or rejected.
 * The approach of etl/sensors/test/ingest-kill.test.ts and mqtt.test.ts.
 */
export async function runStreamFault(ctx: FaultContext, fault: StreamFault): Promise<ScenarioResult> {
  const lost: string[] = [];
  const facts: string[] = [];
  const fresh = await freshDatabase(ctx.postgresUrl, fault.label);
  const tag = randomBytes(4).toString('hex');
  const observer = new pg.Client({ connectionString: fresh.url, application_name: 'geoportal-fault-observer' });
  let server: ChildServer | undefined;
  let broker: (PrivateBroker & { dir: string }) | undefined;
  try {
    const setup = await openDatabase({ databaseUrl: fresh.url, poolSize: 2 });
    await migrate(setup.db);
    await seedSensorRegistry(setup.db);
    await setup.close();
    await observer.connect();
    const stored = async () => (await observer.query<{ n: number }>('SELECT count(*)::int AS n FROM sensor_message')).rows[0]!.n;

    broker = await startPrivateBroker(ctx.ports[1]!);
    ctx.progress(`broker files (persistence, log) in ${broker.dir}`);
    const topic = `application/fault-${tag}/device/${DEV_EUI.toLowerCase()}/event/up`;
    const env = { SENSORS: '1', MQTT_URL: broker.url, MQTT_CLIENT_ID: `fault-ingest-${tag}`, MQTT_TOPICS: `application/fault-${tag}/device/+/event/up`, MQTT_SHARE_GROUP: fault.shareGroup ?? 'geoportal' };
    const logFile = join(ctx.logDir, `${fault.label}.log`);
    const start = () => startChildServer({ port: ctx.ports[0]!, databaseUrl: fresh.url, env, logFile });
    server = await start();

    // a persistent publisher: mqtt.js keeps QoS 1 messages the broker has not acknowledged and sends them again
    const pub = await mqtt.connectAsync(broker.url, { clientId: `fault-pub-${tag}`, clean: false, reconnectPeriod: 200 });
    pub.on('error', () => {});
    const base = Date.now() - 3 * 3_600_000;
    const N = fault.messages;
    let struckAt = 0;
    let struck = false;
    const deadline = Date.now() + 180_000;
    try {
      // at most `window` ahead of what is stored, as a gateway streams (not a flood the broker must queue)
      const window = 800;
      for (let i = 0; i < N; ) {
        if (Date.now() > deadline) throw new Error(`publishing stalled: ${i} of ${N} published, ${await stored()} stored`);
        const s = await stored();
        if (!struck && s >= fault.strikeAt) {
          struck = true;
          struckAt = Date.now();
          facts.push(
            await fault.strike({
              server: () => server!,
              restartServer: async () => {
                server = await start();
              },
              broker,
            }),
          );
        }
        const to = Math.min(N, s + window);
        if (i >= to) {
          await sleep(50);
          continue;
        }
        const batch: Promise<unknown>[] = [];
        for (; i < to; i++) batch.push(pub.publishAsync(topic, chirpstackUplink(DEV_EUI, itstFrame(-5 + (i % 100) / 10), new Date(base + i * 1000), i), { qos: 1 }));
        await Promise.all(batch);
      }
    } finally {
      await pub.endAsync();
    }
    const waitUntil = Date.now() + 120_000;
    while ((await stored()) < N && Date.now() < waitUntil) await sleep(200);
    facts.push(`all ${N} published; stored ${((Date.now() - struckAt) / 1000).toFixed(1)} s after the fault`);
    // redeliveries may still arrive: they must add nothing
    await sleep(1500);
    const r = (
      await observer.query<{ messages: number; obs: number; times: number; quarantined: number; rejected: number }>(
        `SELECT (SELECT count(*)::int FROM sensor_message) AS messages,
                count(*)::int AS obs, count(DISTINCT time)::int AS times,
                (SELECT count(*)::int FROM sensor_quarantine) AS quarantined,
                (SELECT count(*)::int FROM sensor_reject) AS rejected
           FROM sensor_observation WHERE sensor_id = 'CV-ICE-01' AND quantity = 'road_temperature'`,
      )
    ).rows[0]!;
    if (r.times < N) lost.push(`${N - r.times} of ${N} uplinks never stored`);
    if (r.obs > r.times || r.messages > N) lost.push(`${Math.max(r.obs - r.times, r.messages - N)} uplinks stored more than once`);
    if (r.quarantined) lost.push(`${r.quarantined} uplinks quarantined`);
    if (r.rejected) lost.push(`${r.rejected} uplinks rejected`);
    facts.push(`${r.times} of ${N} road temperatures stored once`);
    return { lost, facts };
  } finally {
    await server?.stop().catch(() => {});
    await broker?.stop().catch(() => {});
    await observer.end().catch(() => {});
    await fresh.drop();
  }
}
