import { Cron } from 'croner';
import type { Database } from '../../sql/connection.ts';
import { loadAlertRules } from './alerts.ts';
import type { SensorConfig } from './config.ts';
import { pullFeed } from './feeds.ts';
import { IngestQueue } from './ingest.ts';
import { startEmbeddedBroker, startSubscriber } from './mqtt.ts';
import { SensorRegistry } from './registry.ts';
import { applyRetention, evaluateSensors } from './store.ts';

export interface SensorService {
  queue: IngestQueue;
  registry: SensorRegistry;
  /** the broker the subscriber uses (embedded or MQTT_URL) */
  mqttUrl: string;
  /** the subscriber is connected to the broker now */
  mqttConnected(): boolean;
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
  const queue = new IngestQueue(database.db, rules, { log });
  const stops: (() => Promise<void>)[] = [];

  let mqttUrl = config.mqttUrl;
  if (!mqttUrl) {
    const broker = await startEmbeddedBroker(config.embeddedPort, '127.0.0.1', { fallbackToFreePort: !config.embeddedPortExplicit });
    mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
    if (broker.port !== config.embeddedPort) log(`sensors: port ${config.embeddedPort} is busy; embedded MQTT broker on ${mqttUrl} instead (set MQTT_EMBEDDED_PORT)`);
    else log(`sensors: embedded MQTT broker on ${mqttUrl}`);
    stops.push(broker.stop);
  }
  const sub = await startSubscriber(registry, queue, { url: mqttUrl, clientId: config.clientId, log });
  stops.unshift(sub.stop);

  const jobs: Cron[] = [];
  for (const feed of config.feeds) {
    jobs.push(
      new Cron(feed.schedule, { protect: true, catch: (e) => log(`sensors: feed ${feed.id} failed: ${(e as Error).message}`) }, async () => {
        const p = await pullFeed(registry, feed);
        await queue.add(p);
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
    mqttConnected: () => sub.client.connected,
    async stop() {
      for (const j of jobs) j.stop();
      for (const s of stops) await s();
    },
  };
}
