import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { mosquittoMissing, startPrivateBroker, type PrivateBroker } from '../../../faults/mosquitto.ts';

/**
 * What Mosquitto keeps for a consumer that is not connected, across a broker
 * restart (SIGTERM) and a crash (SIGKILL): the fact the choice between MQTT 5
 * shared subscriptions and a single lease-holding consumer rests on
 * (docs/decisions/0038-sensor-ingest-shared-or-lease.md). Uplinks are published
 * while the consumer is away, before and after the broker's restart; then it
 * resumes its persistent session and counts what arrives. A broker of the test's own.
 */
const why = mosquittoMissing();
if (why) {
  if (process.env.CI === 'true') throw new Error(`broker session test cannot run under CI: ${why}`);
  console.warn(`[broker session test skipped] ${why}`);
}
const PORT = 3172;
const K = 200;

type Mode = 'plain persistent session (one fixed client id)' | 'MQTT 5 shared subscription ($share)';

async function consumer(url: string, mode: Mode, id: string, topic: string, got: Set<string>): Promise<MqttClient> {
  const shared = mode.startsWith('MQTT 5');
  const c = mqtt.connect(url, {
    clientId: id,
    clean: false,
    reconnectPeriod: 0,
    ...(shared ? { protocolVersion: 5, properties: { sessionExpiryInterval: 3600 } } : { protocolVersion: 4 }),
  });
  // before the CONNACK: a resumed session's queued messages follow it in the same read
  c.on('message', (_t, payload) => got.add(payload.toString()));
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  // subscribe on every connect, as etl/sensors/mqtt.ts does
  await c.subscribeAsync(shared ? `$share/g/${topic}` : topic, { qos: 1 });
  return c;
}

async function publish(url: string, topic: string, from: number, n: number): Promise<void> {
  const p = await mqtt.connectAsync(url, { clientId: `pub-${topic.replace(/\W/g, '')}-${from}`, clean: true, reconnectPeriod: 0 });
  await Promise.all(Array.from({ length: n }, (_, i) => p.publishAsync(topic, String(from + i), { qos: 1 })));
  await p.endAsync();
}

describe.skipIf(!!why)('what Mosquitto keeps for an absent consumer across a restart', () => {
  let broker: PrivateBroker & { dir: string };
  beforeAll(async () => {
    broker = await startPrivateBroker(PORT);
  });
  afterAll(async () => {
    await broker?.stop();
    if (broker) rmSync(broker.dir, { recursive: true, force: true });
  });

  const modes: Mode[] = ['plain persistent session (one fixed client id)', 'MQTT 5 shared subscription ($share)'];
  const received = new Map<string, number>();

  it.each(modes.flatMap((m) => (['SIGTERM', 'SIGKILL'] as const).map((s) => [m, s] as const)))('%s, broker %s', async (mode, signal) => {
    const tag = `${mode.startsWith('MQTT 5') ? 'shared' : 'plain'}-${signal}`;
    const topic = `application/${tag}/device/x/event/up`;
    const got = new Set<string>();
    // the consumer subscribes once and goes away (its instance died; no other holds its session yet)
    await (await consumer(broker.url, mode, `c-${tag}`, topic, got)).endAsync();
    await publish(broker.url, topic, 0, K);
    // let the autosave (autosave_interval 1) write what the broker holds
    await new Promise((r) => setTimeout(r, 1500));
    if (signal === 'SIGTERM') await broker.stop();
    else await broker.kill9();
    await broker.start();
    // published between the broker's restart and the consumer's return
    await publish(broker.url, topic, K, K);
    const c = await consumer(broker.url, mode, `c-${tag}`, topic, got);
    await new Promise((r) => setTimeout(r, 1500));
    await c.endAsync();
    received.set(`${mode}, ${signal}`, got.size);
    console.log(`[broker sessions] ${mode}, broker ${signal}: ${got.size} of ${2 * K} delivered`);
    // the single consumer's persistent session is what a lease-holding ingest relies on: nothing may be missing
    if (mode.startsWith('plain')) expect(got.size).toBe(2 * K);
  });
});
