import { createServer, type Server } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { Aedes } from 'aedes';
import type { IngestQueue } from './ingest.ts';
import { prepareUplink } from './prepare.ts';
import type { SensorRegistry } from './registry.ts';

/** ChirpStack v4 and The Things Stack v3 uplink topics. */
export const UPLINK_TOPICS = ['application/+/device/+/event/up', 'v3/+/devices/+/up'];

export interface SubscriberOptions {
  url: string;
  /** fixed, so the broker keeps the persistent session (and queued QoS 1 messages) across reconnects */
  clientId: string;
  log?: (m: string) => void;
}

/**
 * Subscribes with QoS 1 and a persistent session (clean: false): while we are
 * disconnected, or the broker restarts (with persistence), the broker keeps
 * our messages and delivers them when we are back. A message is acknowledged
 * once it is in the ingest queue; the queue commits within maxWaitMs (a crash
 * of this process in that window loses at most that batch — see README).
 * Redeliveries are harmless: observations are unique per sensor, quantity, time.
 */
export async function startSubscriber(registry: SensorRegistry, queue: IngestQueue, opts: SubscriberOptions): Promise<{ client: MqttClient; stop(): Promise<void> }> {
  const log = opts.log ?? (() => {});
  const client = mqtt.connect(opts.url, {
    clientId: opts.clientId,
    clean: false,
    reconnectPeriod: 500,
    connectTimeout: 5000,
    protocolVersion: 4,
  });
  client.on('error', (e) => log(`sensors: mqtt error: ${e.message}`));
  client.on('offline', () => log('sensors: mqtt broker unreachable, reconnecting'));
  // never let one bad message stop the subscriber: prepareUplink turns everything into rows or rejects
  client.handleMessage = (packet, callback) => {
    const topic = packet.topic;
    const payload = packet.payload as Buffer;
    prepareUplink(registry, `mqtt:${topic}`, payload)
      .then((p) => {
        void queue.add(p);
        callback();
      })
      .catch((e: Error) => {
        log(`sensors: message on ${topic} failed: ${e.message}`);
        callback();
      });
  };
  client.on('connect', (ack) => {
    log(`sensors: mqtt connected to ${redact(opts.url)} (session ${ack.sessionPresent ? 'resumed' : 'new'})`);
    // (re)subscribing is idempotent; a resumed session keeps the subscription anyway
    client.subscribe(UPLINK_TOPICS.map((t) => t), { qos: 1 }, (err) => err && log(`sensors: subscribe failed: ${err.message}`));
  });
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 3000);
    client.once('connect', () => {
      clearTimeout(t);
      resolve();
    });
  });
  return {
    client,
    async stop() {
      await client.endAsync();
      await queue.flush();
    },
  };
}

/** Starts the embedded MQTT broker (aedes) on loopback, used when no MQTT_URL is configured. */
export async function startEmbeddedBroker(port: number, host = '127.0.0.1', opts: { fallbackToFreePort?: boolean } = {}): Promise<{ port: number; stop(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(port);
  } catch (e) {
    // a second server on this machine (tests, a dev instance) still gets a working broker, on a free port
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !opts.fallbackToFreePort) throw e;
    await listen(0);
  }
  const addr = server.address();
  const bound = addr && typeof addr === 'object' ? addr.port : port;
  return {
    port: bound,
    async stop() {
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
