import { createServer, type Server } from 'node:net';
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient, type Packet } from 'mqtt';
import { Aedes } from 'aedes';
import { messageKey, type IngestQueue } from './ingest.ts';
import { prepareUplink, type Prepared } from './prepare.ts';
import type { SensorRegistry } from './registry.ts';

/** ChirpStack v4 and The Things Stack v3 uplink topics. */
export const UPLINK_TOPICS = ['application/+/device/+/event/up', 'v3/+/devices/+/up'];

/** MQTT 5 session expiry of an ingest member: how long the broker keeps a silent member's session (and its messages). */
export const SESSION_EXPIRY_S = 7 * 86_400;

export interface SubscriberOptions {
  url: string;
  /** one per instance and stable across its restarts, so the broker resumes its persistent session */
  clientId: string;
  /** MQTT 5 shared subscription (`$share/<group>/…`): each message goes to one member of the group; unset = plain (MQTT 3.1.1) */
  shareGroup?: string;
  /** topic filters (default UPLINK_TOPICS) */
  topics?: string[];
  /** MQTT 5 Receive Maximum: unacknowledged messages the broker may send us at once, i.e. the largest batch (default 500) */
  receiveMaximum?: number;
  log?: (m: string) => void;
}

export interface Subscriber {
  client: MqttClient;
  /** messages received and not yet committed */
  outstanding(): number;
  stop(): Promise<void>;
}

type SendPacket = (packet: Packet, cb?: (err?: Error) => void, cbStorePut?: () => void) => void;

/**
 * Stores every message the client receives through the ingest queue and
 * acknowledges a QoS 1 message only after its batch is committed. mqtt.js
 * handles incoming packets one at a time and sends the PUBACK when
 * `handleMessage` calls back, so waiting for the commit there would allow one
 * message per batch. Instead `handleMessage` calls back at once and the PUBACK
 * it triggers is held until the message is committed. A PUBACK whose connection
 * closed in the meantime is dropped (packet ids are per connection): the broker
 * redelivers the message on the next connect and the message key makes that a no-op.
 */
function ingestInto(client: MqttClient, registry: SensorRegistry, queue: IngestQueue, log: (m: string) => void): { outstanding(): number; lastMessageAt(): number } {
  let connection = 0;
  let outstanding = 0;
  let lastMessageAt = 0;
  client.on('close', () => connection++);
  const committed = new Map<number, Promise<boolean>>();
  // mqtt.js has no public hook to delay an acknowledgement
  const internals = client as unknown as { _sendPacket: SendPacket };
  const send = internals._sendPacket.bind(client);
  internals._sendPacket = (packet, cb, cbStorePut) => {
    const id = packet.cmd === 'puback' ? packet.messageId : undefined;
    const stored = id !== undefined ? committed.get(id) : undefined;
    if (id === undefined || !stored) return send(packet, cb, cbStorePut);
    committed.delete(id);
    const of = connection;
    cb?.();
    void stored.then((ok) => {
      if (ok && of === connection && client.connected) send(packet);
    });
  };
  client.handleMessage = (packet, callback) => {
    lastMessageAt = Date.now();
    outstanding++;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const stored = ingestMessage(registry, queue, packet.topic, payload).then(
      () => true,
      (e: Error) => {
        // not committed: no acknowledgement; a new connection makes the broker deliver it again
        log(`sensors: message on ${packet.topic} not stored (${e.message}); reconnecting for a redelivery`);
        if (client.connected) client.stream.destroy();
        return false;
      },
    );
    void stored.finally(() => outstanding--);
    if (packet.qos > 0 && packet.messageId !== undefined) committed.set(packet.messageId, stored);
    callback();
  };
  return { outstanding: () => outstanding, lastMessageAt: () => lastMessageAt };
}

async function ingestMessage(registry: SensorRegistry, queue: IngestQueue, topic: string, payload: Buffer): Promise<void> {
  const source = `mqtt:${topic}`;
  // prepareUplink turns any content into rows or rejects; it throws only when the registry cannot be read
  let prepared: Prepared | undefined;
  for (let attempt = 0; !prepared; attempt++) {
    try {
      prepared = await prepareUplink(registry, source, payload);
    } catch (e) {
      if (attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
  await queue.add(prepared, { source, raw: payload, key: messageKey(topic, payload) });
}

function topicFilters(opts: SubscriberOptions): string[] {
  return (opts.topics ?? UPLINK_TOPICS).map((t) => (opts.shareGroup ? `$share/${opts.shareGroup}/${t}` : t));
}

function connectOptions(opts: SubscriberOptions): IClientOptions {
  return opts.shareGroup
    ? { protocolVersion: 5, properties: { sessionExpiryInterval: SESSION_EXPIRY_S, receiveMaximum: opts.receiveMaximum ?? 500 } }
    : { protocolVersion: 4 };
}

/**
 * Subscribes with QoS 1 and a persistent session (clean: false): while we are
 * disconnected, or the broker restarts (with persistence), the broker keeps
 * our messages and delivers them when we are back. A message is acknowledged
 * only after its batch is committed, so a crash loses nothing: the broker
 * delivers what was not acknowledged again, and the message key in the
 * database makes a redelivery a no-op.
 *
 * With `shareGroup` (MQTT 5 shared subscription) several instances consume one
 * stream, each message going to one of them; see IngestMembership for what
 * happens to a member that dies.
 */
export async function startSubscriber(registry: SensorRegistry, queue: IngestQueue, opts: SubscriberOptions): Promise<Subscriber> {
  const log = opts.log ?? (() => {});
  const client = mqtt.connect(opts.url, {
    clientId: opts.clientId,
    clean: false,
    reconnectPeriod: 500,
    connectTimeout: 5000,
    ...connectOptions(opts),
  });
  client.on('error', (e) => log(`sensors: mqtt error: ${e.message}`));
  client.on('offline', () => log('sensors: mqtt broker unreachable, reconnecting'));
  const ingest = ingestInto(client, registry, queue, log);
  const topics = topicFilters(opts);
  client.on('connect', (ack) => {
    log(`sensors: mqtt connected to ${redact(opts.url)} as ${opts.clientId} (session ${ack.sessionPresent ? 'resumed' : 'new'})`);
    // Subscribe on every connect, also when the session was resumed: Mosquitto 2.0 resumes a persistent
    // session after a restart without its shared ($share) subscriptions, so nothing new would arrive
    // (faults/scenarios/mqtt-broker-restart.ts). A repeated SUBSCRIBE replaces the subscription (MQTT
    // 3.8.4) and loses nothing. `resubscribe: true` because mqtt.js skips a filter it already subscribed.
    const filters: Record<string, { qos: 1 }> & { resubscribe?: boolean } = Object.fromEntries(topics.map((t) => [t, { qos: 1 as const }]));
    filters.resubscribe = true;
    client.subscribe(filters as unknown as Record<string, { qos: 1 }>, (err) => err && log(`sensors: subscribe failed: ${err.message}`));
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
    outstanding: ingest.outstanding,
    async stop() {
      // commit what was received, so its acknowledgements go out before the DISCONNECT
      await queue.flush();
      for (let i = 0; i < 50 && ingest.outstanding() > 0; i++) await new Promise((r) => setTimeout(r, 100));
      await client.endAsync();
    },
  };
}

/**
 * Takes over the persistent session of a dead ingest member: connects with its
 * client id (the broker resumes the session and delivers what the member had
 * not acknowledged plus its queued share), unsubscribes so nothing new is
 * routed to it, stores everything (acknowledged after commit as usual), then
 * disconnects with session expiry 0 so the broker deletes the session. If the
 * member comes back meanwhile, the broker hands the session back to it and this
 * stops without reconnecting.
 */
export async function drainSession(registry: SensorRegistry, queue: IngestQueue, opts: SubscriberOptions & { quietMs?: number; maxMs?: number }): Promise<{ resumed: boolean }> {
  const log = opts.log ?? (() => {});
  const client = mqtt.connect(opts.url, { clientId: opts.clientId, clean: false, reconnectPeriod: 0, connectTimeout: 5000, ...connectOptions(opts) });
  client.on('error', (e) => log(`sensors: taking over ${opts.clientId}: ${e.message}`));
  const ingest = ingestInto(client, registry, queue, log);
  let resumed = false;
  try {
    const ack = await new Promise<IConnackPacket | undefined>((resolve) => {
      const t = setTimeout(() => resolve(undefined), 10_000);
      client.once('connect', (a) => {
        clearTimeout(t);
        resolve(a);
      });
      client.once('close', () => {
        clearTimeout(t);
        resolve(undefined);
      });
    });
    if (!ack) throw new Error('the broker did not accept the connection');
    resumed = ack.sessionPresent;
    if (resumed) {
      await client.unsubscribeAsync(topicFilters(opts));
      const quietMs = opts.quietMs ?? 1000;
      const until = Date.now() + (opts.maxMs ?? 120_000);
      while (client.connected && Date.now() < until) {
        if (ingest.outstanding() === 0 && Date.now() - ingest.lastMessageAt() >= quietMs) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    log(`sensors: took over ${opts.clientId} (session ${resumed ? 'drained' : 'already gone'})`);
  } finally {
    if (client.connected && ingest.outstanding() === 0) await client.endAsync(false, { properties: { sessionExpiryInterval: 0 } });
    else await client.endAsync(true);
  }
  return { resumed };
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
