import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { IngestLease } from '../lease.ts';
import { loadSensorConfig } from '../config.ts';

/**
 * Decision 0038: the sensor ingest of several instances is consumed by one lease
 * holder at a time. Exactly one instance holds the lease; when the holder stops
 * renewing (its process died) another takes it once it has expired; a holder that
 * stops cleanly releases it at once.
 */
describe.each(testBackends())('sensor ingest lease on %s', (backend) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase(backend);
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  it('one holder at a time; a dead holder is replaced after the lease expires', async () => {
    const opts = { ttlMs: 800, renewMs: 200 };
    const a = new IngestLease(database.db, 'test-dead', 'instance-a', opts);
    const b = new IngestLease(database.db, 'test-dead', 'instance-b', opts);
    const events: string[] = [];
    await a.start(async () => void events.push('a acquired'), async () => void events.push('a lost'));
    await b.start(async () => void events.push('b acquired'), async () => void events.push('b lost'));
    await new Promise((r) => setTimeout(r, 600));
    expect([a.held, b.held]).toEqual([true, false]);
    // a dies: no more renewals, no release
    const died = Date.now();
    (a as unknown as { timer: NodeJS.Timeout }).timer && clearInterval((a as unknown as { timer: NodeJS.Timeout }).timer);
    while (!b.held && Date.now() - died < 5000) await new Promise((r) => setTimeout(r, 50));
    expect(b.held).toBe(true);
    expect(Date.now() - died).toBeLessThan(opts.ttlMs + 2 * opts.renewMs + 500);
    expect(await a.tryHold()).toBe(false);
    expect(events).toEqual(['a acquired', 'b acquired']);
    await b.stop();
  });

  it('a holder that stops releases the lease, so another takes it at its next try', async () => {
    const opts = { ttlMs: 60_000, renewMs: 200 };
    const a = new IngestLease(database.db, 'test-stop', 'instance-a', opts);
    const b = new IngestLease(database.db, 'test-stop', 'instance-b', opts);
    let stopped = false;
    await a.start(async () => {}, async () => {});
    await b.start(async () => {}, async () => {});
    expect([a.held, b.held]).toEqual([true, false]);
    await a.stop(async () => void (stopped = true));
    expect(stopped).toBe(true);
    const t0 = Date.now();
    while (!b.held && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 50));
    expect(b.held).toBe(true);
    await b.stop();
  });

  it('lease mode is the default on an external broker; an explicit share group keeps shared subscriptions', () => {
    expect(loadSensorConfig({}).ingestMode).toBe('lease');
    expect(loadSensorConfig({ MQTT_SHARE_GROUP: 'g' }).ingestMode).toBe('shared');
    expect(loadSensorConfig({ MQTT_INGEST: 'shared' }).ingestMode).toBe('shared');
    expect(() => loadSensorConfig({ MQTT_INGEST: 'both' })).toThrow(/MQTT_INGEST/);
  });
});
