import type { Server } from 'node:http';
import { get as httpGet, type IncomingMessage } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { parse as parseCsv } from 'csv-parse/sync';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { createApp } from '../../app.ts';
import { seedSensorRegistry, chirpstackUplink, itstFrame, sht35Frame } from '../../../etl/sensors/test/helpers.ts';
import { loadAlertRules } from '../../../etl/sensors/alerts.ts';
import { writeBatch } from '../../../etl/sensors/store.ts';
import { SensorRegistry } from '../../../etl/sensors/registry.ts';
import { prepareUplink } from '../../../etl/sensors/prepare.ts';
import { IngestQueue } from '../../../etl/sensors/ingest.ts';
import { decodeTile, tileFor } from '../../test/decode-tile.ts';
import { registerObservationsDataset } from '../routes.ts';
import { unregisterDataset } from '../../../data-catalog/registry.ts';

const rules = loadAlertRules();
// three days of 10-minute road temperatures of CV-ICE-01, deterministic and irregular (a gap, varying values)
const START = Date.parse('2026-03-27T20:00:00Z'); // spans the CET → CEST change of 2026-03-29
const series = Array.from({ length: 3 * 144 }, (_, i) => ({ time: new Date(START + i * 600_000), value: Math.round(Math.sin(i / 7) * 80 + (i % 13)) / 10 })).filter((_, i) => i % 17 !== 5);

const pragueDay = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Prague', year: 'numeric', month: '2-digit', day: '2-digit' });

describe.each(testBackends())('sensor API on %s', (backend) => {
  let database: Database;
  let server: Server;
  const api = () => request(server);

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await seedSensorRegistry(database.db);
    await writeBatch(database.db, series.map((s) => ({ sensorId: 'CV-ICE-01', quantity: 'road_temperature', ...s })), [], rules, new Date(START + 3 * 86_400_000));
    server = createApp({ database }).listen(0);
  }, 120_000);
  afterAll(async () => {
    server?.close();
    await database?.close();
  });

  it('lists sensors as GeoJSON with latest values, units and alert state', async () => {
    const r = await api().get('/api/sensors').expect(200);
    expect(r.headers['content-type']).toMatch(/application\/geo\+json/);
    expect(r.body.features.length).toBe(10);
    const ice = r.body.features.find((f: { id: string }) => f.id === 'CV-ICE-01');
    const last = series[series.length - 1]!;
    expect(ice.properties.latest.road_temperature).toEqual({ value: last.value, time: last.time.toISOString(), unit: '°C' });
    expect(ice.properties.typ_zarizeni).toBe('DL-ITST');
    expect(ice.properties.municipality_code).toBe(562971);
    expect(Array.isArray(ice.properties.alerts)).toBe(true);
    expect(r.body.quantities.road_temperature.unit).toBe('°C');
    const jirkov = await api().get('/api/sensors?municipality=563099').expect(200);
    expect(jirkov.body.features.map((f: { id: string }) => f.id)).toEqual(['JK-ICE-01']);
  });

  it('aggregates per hour and per Czech day in one call, equal to the raw rows', async () => {
    const from = new Date(START).toISOString();
    const to = new Date(START + 3 * 86_400_000).toISOString();
    const raw = await api().get('/api/sensors/CV-ICE-01/observations').query({ quantity: 'road_temperature', from, to, limit: 50000 }).expect(200);
    const points: { time: string; value: number }[] = raw.body.series[0].points;
    expect(points.length).toBe(series.length);
    for (const [aggregate, key] of [
      ['1h', (t: string) => t.slice(0, 13)],
      ['1d', (t: string) => pragueDay.format(new Date(t))],
    ] as const) {
      const want = new Map<string, number[]>();
      for (const p of points) want.set(key(p.time), [...(want.get(key(p.time)) ?? []), p.value]);
      const r = await api().get('/api/sensors/CV-ICE-01/observations').query({ quantity: 'road_temperature', from, to, aggregate }).expect(200);
      const got: { time: string; min: number; max: number; avg: number; count: number }[] = r.body.series[0].points;
      expect(got.length).toBe(want.size);
      for (const g of got) {
        const vs = want.get(key(g.time))!;
        expect(g.count).toBe(vs.length);
        expect(g.min).toBe(Math.min(...vs));
        expect(g.max).toBe(Math.max(...vs));
        expect(g.avg).toBeCloseTo(vs.reduce((a, b) => a + b, 0) / vs.length, 9);
      }
      if (aggregate === '1d') {
        // windows start at Czech midnight: 23:00 UTC in winter, 22:00 UTC in summer
        expect(got.map((g) => g.time)).toEqual(['2026-03-26T23:00:00.000Z', '2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
      }
    }
  });

  it('answers CSV by Accept header and by f=csv', async () => {
    const q = { quantity: 'road_temperature', from: new Date(START).toISOString(), to: new Date(START + 86_400_000).toISOString(), aggregate: '1h' };
    const a = await api().get('/api/sensors/CV-ICE-01/observations').query(q).set('Accept', 'text/csv').expect(200);
    expect(a.headers['content-type']).toMatch(/text\/csv/);
    const rows = parseCsv(a.text, { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(24);
    expect(Object.keys(rows[0]!)).toEqual(['sensor_id', 'quantity', 'unit', 'window_start', 'min', 'max', 'avg', 'count']);
    const b = await api().get('/api/sensors/CV-ICE-01/observations').query({ ...q, f: 'csv' }).expect(200);
    expect(b.text).toBe(a.text);
  });

  it('refuses bad parameters with problem+json', async () => {
    for (const [path, param] of [
      ['/api/sensors/CV-ICE-01/observations?aggregate=5m', 'aggregate'],
      ['/api/sensors/CV-ICE-01/observations?from=yesterday', 'from'],
      ['/api/sensors/CV-ICE-01/observations?quantity=x%27%20OR%201=1', 'quantity'],
      ['/api/sensors/CV-ICE-01/observations?from=2026-03-02&to=2026-03-01', 'from'],
      ['/api/sensors/observations/daily/2026-02-30.csv', 'date'],
      ['/api/sensors/municipalities/12', 'kod'],
    ] as const) {
      const r = await api().get(path).expect(400);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.body.parameter).toBe(param);
    }
    const nf = await api().get('/api/sensors/NOPE/observations').expect(404);
    expect(nf.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('publishes a daily CSV of all observations and registers it in the catalogue', async () => {
    const r = await api().get('/api/sensors/observations/daily/2026-03-28.csv').expect(200);
    const rows = parseCsv(r.text, { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(series.filter((s) => s.time.toISOString().startsWith('2026-03-28')).length);
    expect(rows[0]).toMatchObject({ sensor_id: 'CV-ICE-01', quantity: 'road_temperature', unit: '°C' });
    registerObservationsDataset(database);
    try {
      const doc = await api().get('/api/catalog/datasets/pozorovani-senzoru.ttl').expect(200);
      expect(doc.text).toContain('/api/sensors/observations/daily/latest.csv');
    } finally {
      unregisterDataset('pozorovani-senzoru');
    }
  });

  it('keeps the latest state in the vector tiles of the sensor layer', async () => {
    const t = tileFor(13.4093, 50.4561, 14);
    const r = await api().get(`/api/tiles/senzory/${t.z}/${t.x}/${t.y}.mvt`).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    const layer = decodeTile(new Uint8Array(r.body as Buffer)).senzory!;
    const ice = layer.find((f) => String(f.properties.nazev).startsWith('Náledí – Palackého'))!;
    expect(ice.properties.posledni_hodnoty).toBe(`${series[series.length - 1]!.value.toFixed(1)} °C`);
    expect(ice.properties.stav).toBe('ok');
  });

  it('streams new latest values and alert changes as Server-Sent Events', async () => {
    const port = (server.address() as { port: number }).port;
    const res = await new Promise<IncomingMessage>((resolve) => httpGet({ port, path: '/api/alerts/stream', headers: { Accept: 'text/event-stream' } }, resolve));
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    await until(() => text.includes('event: hello'));
    const registry = new SensorRegistry(database.db);
    const queue = new IngestQueue(database.db, rules);
    const now = new Date();
    await queue.add(await prepareUplink(registry, 'test', chirpstackUplink('70B3D57BA0003BB8', itstFrame(-3), now)));
    await queue.add(await prepareUplink(registry, 'test', chirpstackUplink('0202020202020202', sht35Frame(-2, 96), now)));
    await queue.flush();
    await until(() => text.includes('event: alerts') && text.includes('ice-risk'));
    expect(text).toMatch(/event: latest\ndata: .*"id":"CV-ICE-01".*"road_temperature":-3/);
    res.destroy();
    const alerts = await api().get('/api/alerts').expect(200);
    expect(alerts.body.current.map((a: { sensor_id: string; rule_id: string }) => `${a.sensor_id}:${a.rule_id}`)).toContain('CV-ICE-01:ice-risk');
    expect(alerts.body.current.find((a: { rule_id: string }) => a.rule_id === 'ice-risk').label.cs).toBe('Riziko náledí');
    const dash = await api().get('/api/sensors/municipalities/562971').expect(200);
    expect(dash.body.nazev).toBe('Chomutov');
    expect(dash.body.sensors.total).toBe(9);
    expect(dash.body.alerts.open).toBeGreaterThanOrEqual(1);
    expect(dash.body.layers.find((l: { id: string }) => l.id === 'senzory').count).toBe(9);
    const count = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_alert WHERE rule_id = 'ice-risk' AND ended_at IS NULL`.execute(database.db)).rows[0]!.n;
    expect(count).toBe(1);
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting for the event stream');
    await new Promise((r) => setTimeout(r, 20));
  }
}
