import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import mqtt from 'mqtt';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { createApp } from '../../app.ts';
import { chirpstackUplink, itstFrame, seedSensorRegistry } from '../../../etl/sensors/test/helpers.ts';
import { loadSensorConfig } from '../../../etl/sensors/config.ts';
import { startSensorService, type SensorService } from '../../../etl/sensors/service.ts';
import { sensorIngestHealth } from '../../../etl/sensors/health.ts';
import { HealthParts } from '../../health.ts';

/** Polls /api/health until `cond` holds (bounded), and returns the last answer. */
async function healthUntil(server: Server, cond: (status: number, body: Record<string, any>) => boolean, ms = 30_000): Promise<{ status: number; body: Record<string, any> }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await request(server).get('/api/health');
    if (cond(r.status, r.body) || Date.now() > deadline) return { status: r.status, body: r.body };
    await new Promise((res) => setTimeout(res, 200));
  }
}

describe.each(testBackends())('/api/health reports the sensor ingest on %s', (backend) => {
  let database: Database;
  let service: SensorService;
  let server: Server;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await seedSensorRegistry(database.db);
    // the embedded broker on a free port, so the test needs nothing but itself
    service = await startSensorService(database, loadSensorConfig({ MQTT_EMBEDDED_PORT: undefined }), () => {});
    const health = new HealthParts();
    health.register('sensorIngest', () => sensorIngestHealth(database.db, service));
    server = createApp({ database, health }).listen(0);
  }, 120_000);
  afterAll(async () => {
    server?.close();
    await service?.stop();
    await database?.close();
  });

  it('shows connection, lag, quarantine count; answers 503 degraded while the ingest is stuck, ok again after', { timeout: 120_000 }, async () => {
    const pub = await mqtt.connectAsync(service.mqttUrl, { clientId: `health-pub-${backend}` });
    const topic = 'application/a/device/70b3d57ba0003bb8/event/up';
    try {
      const first = await request(server).get('/api/health').expect(200);
      expect(first.body.status).toBe('ok');
      expect(first.body.sensorIngest).toMatchObject({ status: 'ok', stuck: false, pending: 0, quarantined: 0, mqtt: { connected: true } });

      await pub.publishAsync(topic, Buffer.concat([Buffer.from('{"x":'), Buffer.from([0]), Buffer.from('}')]), { qos: 1 });
      await pub.publishAsync(topic, chirpstackUplink('70B3D57BA0003BB8', itstFrame(2), new Date(Date.now() - 30_000), 1), { qos: 1 });
      const stored = await healthUntil(server, (_s, b) => b.sensorIngest?.quarantined === 1 && b.sensorIngest?.lastStoredAt !== null && b.sensorIngest?.pending === 0);
      expect(stored.status).toBe(200);
      expect(stored.body.sensorIngest.quarantined).toBe(1);
      expect(typeof stored.body.sensorIngest.lastLagMs).toBe('number');

      // the database refuses every write of the ingest (a table is missing): stuck, not ok
      await sql`ALTER TABLE sensor_message RENAME TO sensor_message_away`.execute(database.db);
      await pub.publishAsync(topic, chirpstackUplink('70B3D57BA0003BB8', itstFrame(3), new Date(Date.now() - 20_000), 2), { qos: 1 });
      const stuck = await healthUntil(server, (s) => s === 503);
      expect(stuck.status).toBe(503);
      expect(stuck.body.status).toBe('degraded');
      expect(stuck.body.sensorIngest).toMatchObject({ status: 'stuck', stuck: true });
      expect(stuck.body.stuck).toEqual(['sensorIngest']);
      expect(stuck.body.sensorIngest.pending).toBeGreaterThanOrEqual(1);

      await sql`ALTER TABLE sensor_message_away RENAME TO sensor_message`.execute(database.db);
      const healed = await healthUntil(server, (s, b) => s === 200 && b.sensorIngest?.pending === 0);
      expect(healed.status).toBe(200);
      expect(healed.body.sensorIngest.stuck).toBe(false);
      const v = await sql<{ value: number }>`SELECT value FROM sensor_latest WHERE sensor_id = 'CV-ICE-01' AND quantity = 'road_temperature'`.execute(database.db);
      expect(v.rows[0]!.value).toBe(3);
    } finally {
      await pub.endAsync();
    }
  });
});
