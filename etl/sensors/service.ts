import { Cron } from 'croner';
import type { Database } from '../../sql/connection.ts';
import { loadAlertRules } from './alerts.ts';
import type { SensorConfig } from './config.ts';
import { pullFeed } from './feeds.ts';
import { IngestQueue } from './ingest.ts';
import { IngestMembership } from './members.ts';
import { IngestLease } from './lease.ts';
import { drainSession, startEmbeddedBroker, startSubscriber, type Subscriber } from './mqtt.ts';
import { SensorRegistry } from './registry.ts';
import { applyRetention, evaluateSensors } from './store.ts';

export interface SensorService {
  queue: IngestQueue;
  registry: SensorRegistry;
  /** the broker the subscriber uses (embedded or MQTT_URL) */
  mqttUrl: string;
  /** the MQTT subscriber; in lease mode only while this instance holds the lease */
  subscriber?: Subscriber;
  /** lease mode (MQTT_INGEST=lease): the lease this instance holds or waits for */
  lease?: IngestLease;
  /** this instance's MQTT client id */
  clientId: string;
  /** shared-subscription group, when several instances share the stream */
  shareGroup?: string;
  membership?: IngestMembership;
  stop(): Promise<void>;
}

/**
 * Everything that runs in the background for sensors: the MQTT subscriber
 * (with an embedded broker when no MQTT_URL is set), scheduled HTTP feed pulls,
 * the stale-sensor check every minute and the daily retention purge.
 */
export async function startSensorService(database: Database, config: SensorConfig, log: (m: string) => void = console.log): Promise<SensorService> {
  const rules = loadAlertRules(config.alertRulesFile);
  const registry = new SensorRegistry(database.db);
  await registry.reload();
  const queue = new IngestQueue(database.db, rules, { log, plausible: { epoch: config.epoch, maxFutureMs: config.maxFutureMinutes * 60_000 } });
  const stops: (() => Promise<void>)[] = [];

  let mqttUrl = config.mqttUrl;
  if (!mqttUrl) {
    const broker = await startEmbeddedBroker(config.embeddedPort, '127.0.0.1', { fallbackToFreePort: !config.embeddedPortExplicit });
    mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
    if (broker.port !== config.embeddedPort) log(`sensors: port ${config.embeddedPort} is busy; embedded MQTT broker on ${mqttUrl} instead (set MQTT_EMBEDDED_PORT)`);
    else log(`sensors: embedded MQTT broker on ${mqttUrl}`);
    stops.push(broker.stop);
  }
  let sub: Subscriber | undefined;
  let lease: IngestLease | undefined;
  // lease mode (decision 0038): one consumer at a time with one client id and a persistent session, so the broker
  // queues for it while nobody is connected, also across its own restart; another instance takes over within ttl + renew
  const leased = !!config.mqttUrl && config.ingestMode === 'lease';
  // shared subscriptions need an MQTT 5 broker; the embedded one serves this process alone
  const shareGroup = config.mqttUrl && !leased && config.shareGroup ? config.shareGroup : undefined;
  if (leased) {
    const url = mqttUrl;
    const l = new IngestLease(database.db, 'mqtt', config.clientId, { log });
    const stopSub = async () => {
      const s = sub;
      sub = undefined;
      // commits what it received and acknowledges it; with the database gone the broker redelivers it to the next holder
      await s?.stop().catch(() => s.client.endAsync(true));
    };
    await l.start(async () => {
      sub = await startSubscriber(registry, queue, { url, clientId: config.leaseClientId, topics: config.topics, log });
    }, stopSub);
    stops.unshift(() => l.stop(stopSub));
    lease = l;
  } else {
    sub = await startSubscriber(registry, queue, { url: mqttUrl, clientId: config.clientId, shareGroup, topics: config.topics, log });
    stops.unshift(sub.stop);
  }
  let membership: IngestMembership | undefined;
  if (shareGroup) {
    const url = mqttUrl;
    const m = new IngestMembership(database.db, config.clientId, { log });
    await m.start(async (orphan) => {
      await drainSession(registry, queue, { url, clientId: orphan, shareGroup, topics: config.topics, log });
      await m.forget(orphan);
    });
    stops.unshift(async () => m.stop());
    membership = m;
  }

  const jobs: Cron[] = [];
  for (const feed of config.feeds) {
    jobs.push(
      new Cron(feed.schedule, { protect: true, catch: (e) => log(`sensors: feed ${feed.id} failed: ${(e as Error).message}`) }, async () => {
        const p = await pullFeed(registry, feed);
        await queue.add(p, { source: `feed:${feed.id}` });
        log(`sensors: feed ${feed.id}: ${p.observations.length} values, ${p.rejects.length} rejected, ${p.skipped} of unregistered stations`);
      }),
    );
  }
  jobs.push(
    new Cron('* * * * *', { protect: true, catch: (e) => log(`sensors: stale check failed: ${(e as Error).message}`) }, async () => {
      await database.db.transaction().execute((trx) => evaluateSensors(trx, rules, new Date()));
    }),
  );
  jobs.push(
    new Cron('17 3 * * *', { protect: true, catch: (e) => log(`sensors: retention failed: ${(e as Error).message}`) }, async () => {
      const n = await applyRetention(database.db, config.retentionDays);
      log(`sensors: retention removed ${n} observations older than ${config.retentionDays} days`);
    }),
  );
  return {
    queue,
    registry,
    mqttUrl,
    get subscriber() {
      return sub;
    },
    lease,
    clientId: leased ? config.leaseClientId : config.clientId,
    shareGroup,
    membership,
    async stop() {
      for (const j of jobs) j.stop();
      for (const s of stops) await s();
    },
  };
}
