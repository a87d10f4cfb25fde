import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import mqtt from 'mqtt';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { createApp } from '../app.ts';
import { HealthParts } from '../health.ts';
import { TileCache } from '../cache/tile-cache.ts';
import { startTileInvalidation } from '../cache/invalidation.ts';
import { loadSensorConfig } from '../../etl/sensors/config.ts';
import { startSensorService, type SensorService } from '../../etl/sensors/service.ts';
import { startEmbeddedBroker } from '../../etl/sensors/mqtt.ts';
import { sensorIngestHealth } from '../../etl/sensors/health.ts';
import { schedulerHealth, startScheduler, type Scheduler } from '../../etl/schedule/runner.ts';
import { seedSensorRegistry } from '../../etl/sensors/test/helpers.ts';

async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface HealthBody {
  status: string;
  stuck?: string[];
  database: { status: string; reachable: boolean };
  changeListener: { status: string };
  sensorIngest: { status: string; reason?: string; quarantined24h?: number; lagSeconds?: number; mqttConnected?: boolean };
  scheduler: { status: string; reason?: string };
  exportWorkers: { status: string };
}

/** Issue 13, finding 10: /api/health reports each part and answers 503 `degraded` when one is stuck. */
describe.each(testBackends())('health of every part on %s', (backend) => {
  let database: Database;
  let server: Server;
  let broker: Awaited<ReturnType<typeof startEmbeddedBroker>>;
  let sensors: SensorService;
  let scheduler: Scheduler | undefined;
  let stopInvalidation: () => Promise<void>;
  const parts = new HealthParts();
  const health = async () => {
    const res = await request(server).get('/api/health');
    return { status: res.status, body: res.body as HealthBody };
  };

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await seedSensorRegistry(database.db);
    stopInvalidation = await startTileInvalidation(database, new TileCache());
    broker = await startEmbeddedBroker(0);
    // aedes speaks MQTT 3.1.1 only, and shared subscriptions need MQTT 5: no share group here
    const config = { ...loadSensorConfig({}), mqttUrl: `mqtt://127.0.0.1:${broker.port}`, shareGroup: '', clientId: `health-test-${randomBytes(4).toString('hex')}` };
    sensors = await startSensorService(database, config, () => {});
    parts.register('sensorIngest', () => sensorIngestHealth(database.db, sensors));
    server = createApp({ database, health: parts }).listen(0);
  }, 120_000);
  afterAll(async () => {
    scheduler?.stop();
    server?.close();
    await sensors?.stop();
    await broker?.stop().catch(() => {});
    await stopInvalidation?.();
    await database?.close();
  });

  it('reports the database, the change listener, sensor ingest, scheduler and export workers; ok when none is stuck', async () => {
    const { status, body } = await health();
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.database).toMatchObject({ status: 'ok', reachable: true });
    expect(body.changeListener.status).toBe('ok');
    expect(body.sensorIngest).toMatchObject({ status: 'ok', mqttConnected: true, lagSeconds: 0 });
    // not run by this process: reported, and not a fault
    expect(body.scheduler.status).toBe('off');
    expect(body.exportWorkers.status).toBe(backend === 'postgres' ? 'ok' : 'off');
  });

  it('counts the sensor messages set aside', async () => {
    const before = (await health()).body.sensorIngest.quarantined24h!;
    const pub = await mqtt.connectAsync(sensors.mqttUrl, { clientId: `health-pub-${randomBytes(4).toString('hex')}` });
    await pub.publishAsync('application/x/device/70b3d57ba0003bb8/event/up', '{"deviceInfo": ', { qos: 1 });
    await pub.endAsync();
    await until(async () => (await health()).body.sensorIngest.quarantined24h! > before, 'the malformed message to be counted');
  });

  it('answers 503 degraded, naming the scheduler, when a source produces no data', async () => {
    scheduler = startScheduler(database.db, () => {}, [
      { name: 'health-missing', path: '/nonexistent/health-missing.geojson', layer: 'obce', cron: '0 0 1 1 *', expectedPeriodHours: 1 },
    ]);
    parts.register('scheduler', () => schedulerHealth(database.db, scheduler!));
    await until(async () => scheduler!.status().lastTickAt !== null, 'the first scheduler tick');
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.status).toBe('degraded');
    expect(body.stuck).toContain('scheduler');
    expect(body.scheduler.reason).toMatch(/health-missing/);
    scheduler.stop();
    parts.register('scheduler', () => ({ status: 'off' }));
  });

  it('answers 503 degraded, naming sensor ingest, while its broker is gone', async () => {
    await broker.stop();
    await until(async () => (await health()).body.sensorIngest.status === 'stuck', 'sensor ingest to report the lost broker');
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(body.status).toBe('degraded');
    expect(body.stuck).toEqual(['sensorIngest']);
    expect(body.sensorIngest.reason).toMatch(/MQTT broker/);
  });
});
