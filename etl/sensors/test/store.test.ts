import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { loadAlertRules } from '../alerts.ts';
import { SensorRegistry } from '../registry.ts';
import { prepareUplink } from '../prepare.ts';
import { IngestQueue } from '../ingest.ts';
import { applyRetention, evaluateSensors, SENSOR_CHANNEL, type SensorEvent } from '../store.ts';
import { pullFeed } from '../feeds.ts';
import { chirpstackUplink, FIXTURES, itstFrame, samplePayloads, seedSensorRegistry, sht35Frame } from './helpers.ts';
import { decodePoints, toObservations } from '../decode-uplink.ts';
import { parseUplink } from '../envelope.ts';
import { getDeviceType } from '../decoders/index.ts';

const rules = loadAlertRules();

describe.each(testBackends())('sensor storage on %s', (backend) => {
  let database: Database;
  let registry: SensorRegistry;
  let queue: IngestQueue;
  const q = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(database.db)).rows;
  const ingest = async (body: string, source = 'test') => {
    await queue.add(await prepareUplink(registry, source, body));
    await queue.flush();
  };

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await seedSensorRegistry(database.db);
    registry = new SensorRegistry(database.db);
    queue = new IngestQueue(database.db, rules);
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  it('seeds the synthetic registry in Chomutov with municipality codes', async () => {
    const rows = await q(sql<{ source_id: string; municipality_code: number; stav: string }>`SELECT source_id, municipality_code, stav FROM layer_senzory ORDER BY source_id`);
    expect(rows.length).toBe(10);
    expect(rows.find((r) => r.source_id === 'CV-ICE-01')!.municipality_code).toBe(562971);
    expect(rows.find((r) => r.source_id === 'JK-ICE-01')!.municipality_code).toBe(563099);
  });

  it('stores the real samples of registered devices exactly once, latest values current', async () => {
    // the four registered sample EUIs: DL-ITST (ChirpStack v4), DL-SHT35 (ChirpStack v3), DL-PM (TTS), EM400-UDL (v4 + TTS)
    const sets = [
      { folder: 'Decentlab_DL-ITST', prefix: 'ChirpStack_payload', only: ['ChirpStack_payload.json', 'ChirpStack_payload_01.json'] },
      { folder: 'Decentlab_DL-SHT35-001', only: ['ChirpStack_payload_02.json', 'ChirpStack_payload_03.json'] },
      { folder: 'Decentlab_DL-PM', only: ['ThingsStackCommunity_payload.json', 'ThingsStackCommunity_payload_01.json', 'ThingsStackCommunity_payload_02.json'] },
      { folder: 'Milesight_EM400-UDL', only: ['ChirpStack_payload.json', 'ChirpStack_payload_1.json', 'ThingsStackCommunity_payload.json', 'ThingsStackCommunity_payload_1.json'] },
    ];
    // expected rows: computed by the decoders (tested against the result files) with unique (sensor, quantity, time)
    const expected = new Map<string, number>();
    for (const s of sets)
      for (const p of samplePayloads(s.folder).filter((p) => s.only.includes(p.file))) {
        const up = parseUplink(JSON.parse(p.body));
        const sensor = (await registry.findByEui(up.devEui))!;
        const obs = toObservations(decodePoints(up, getDeviceType(sensor.deviceType)!), getDeviceType(sensor.deviceType)!, up.time ?? new Date());
        // the templated samples reuse one envelope time for different frames: the first stored value wins
        for (const o of obs.ok) {
          const k = `${sensor.id}|${o.quantity}|${o.time.toISOString()}`;
          if (!expected.has(k)) expected.set(k, o.value);
        }
        await ingest(p.body, `mqtt:${p.file}`);
        await ingest(p.body, `mqtt:${p.file}`); // a redelivery
      }
    const rows = await q(sql<{ k: string }>`SELECT sensor_id || '|' || quantity || '|' || to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '|' || value AS k FROM sensor_observation`);
    expect(new Set(rows.map((r) => r.k))).toEqual(new Set([...expected].map(([k, v]) => `${k}|${v}`)));
    expect(rows.length).toBe(expected.size);
    const latest = await q(sql<{ value: number }>`SELECT value FROM sensor_latest WHERE sensor_id = 'CV-ICE-01' AND quantity = 'road_temperature'`);
    expect(latest[0]!.value).toBeCloseTo(27.3, 9);
    // DL-PM barometric pressure 96800 Pa is stored as 968 hPa
    const p = await q(sql<{ value: number }>`SELECT value FROM sensor_latest WHERE sensor_id = 'CV-PM-01' AND quantity = 'air_pressure'`);
    expect(p[0]!.value).toBeCloseTo(968, 9);
    const layer = await q(sql<{ posledni_hodnoty: string; stav: string }>`SELECT posledni_hodnoty, stav FROM layer_senzory WHERE source_id = 'CV-ICE-01'`);
    expect(layer[0]!.posledni_hodnoty).toBe('27.3 °C');
    // 2024 samples: far older than the 15-minute interval
    expect(layer[0]!.stav).toBe('stale');
  });

  it('records rejects with reasons: unknown device, malformed JSON, out-of-range', async () => {
    const before = (await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_observation`))[0]!.n;
    await ingest(chirpstackUplink('FFFFFFFFFFFFFFFF', itstFrame(1), new Date()));
    await ingest('{"deviceInfo": {"devEui": ');
    await ingest(chirpstackUplink('70B3D57BA0003BB8', itstFrame(200), new Date('2025-01-01T00:00:00Z')));
    await ingest(JSON.stringify({ deviceInfo: { devEui: '70b3d57ba0003bb8' }, fPort: 1, data: 'AgLZAAM=' }));
    const rej = await q(sql<{ kind: string; reason: string; dev_eui: string | null }>`SELECT kind, reason, dev_eui FROM sensor_reject ORDER BY id`);
    expect(rej.map((r) => r.kind)).toEqual(['unknown-device', 'malformed', 'out-of-range', 'payload']);
    expect(rej[0]!.reason).toContain('FFFFFFFFFFFFFFFF');
    expect(rej[1]!.reason).toMatch(/not JSON/);
    expect(rej[2]!.reason).toMatch(/road_temperature = 200 °C outside/);
    expect(rej[3]!.reason).toMatch(/too short/);
    // the in-range quantities of the out-of-range frame are kept (head temperature, battery)
    const after = (await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_observation`))[0]!.n;
    expect(after - before).toBe(2);
  });

  it('raises ice risk from a site (road ≤ 0 °C + humidity ≥ 90 %), clears it, goes stale, notifies', async () => {
    const events: SensorEvent[] = [];
    const unlisten = await database.listen(SENSOR_CHANNEL, (p) => events.push(JSON.parse(p) as SensorEvent));
    const t = new Date(Date.now() - 60_000);
    await ingest(chirpstackUplink('0202020202020202', sht35Frame(-2, 95), t, 2));
    await ingest(chirpstackUplink('70B3D57BA0003BB8', itstFrame(-1.5), t, 3));
    let open = await q(sql<{ sensor_id: string; rule_id: string; detail: string }>`SELECT sensor_id, rule_id, detail FROM sensor_alert WHERE ended_at IS NULL AND rule_id <> 'stale' ORDER BY sensor_id`);
    expect(open.map((a) => `${a.sensor_id}:${a.rule_id}`)).toEqual(['CV-ICE-01:ice-risk']);
    expect(open[0]!.detail).toBe('road_temperature -1.5 °C <= 0, relative_humidity 95.0 % >= 90');
    const stav = await q(sql<{ stav: string }>`SELECT stav FROM layer_senzory WHERE source_id = 'CV-ICE-01'`);
    expect(stav[0]!.stav).toBe('alert');
    // road warms up: cleared, kept in history
    await ingest(chirpstackUplink('70B3D57BA0003BB8', itstFrame(2), new Date(t.getTime() + 1000), 4));
    open = await q(sql`SELECT sensor_id, rule_id, detail FROM sensor_alert WHERE ended_at IS NULL AND rule_id = 'ice-risk'`);
    expect(open.length).toBe(0);
    const hist = await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_alert WHERE rule_id = 'ice-risk' AND ended_at IS NOT NULL`);
    expect(hist[0]!.n).toBe(1);
    // an hour later nothing more came: the periodic check marks both stale
    await database.db.transaction().execute((trx) => evaluateSensors(trx, rules, new Date(Date.now() + 3_600_000)));
    const stale = await q(sql<{ sensor_id: string }>`SELECT sensor_id FROM sensor_alert WHERE ended_at IS NULL AND rule_id = 'stale' AND sensor_id IN ('CV-ICE-01', 'CV-MET-01') ORDER BY 1`);
    expect(stale.map((s) => s.sensor_id)).toEqual(['CV-ICE-01', 'CV-MET-01']);
    await new Promise((r) => setTimeout(r, 300));
    await unlisten();
    const raised = events.flatMap((e) => e.alerts).filter((a) => a.state === 'raised').map((a) => `${a.sensorId}:${a.ruleId}`);
    expect(raised).toContain('CV-ICE-01:ice-risk');
    expect(raised).toContain('CV-ICE-01:stale');
    expect(events.flatMap((e) => e.sensors).some((s) => s.id === 'CV-ICE-01' && s.values.road_temperature === 2)).toBe(true);
  });

  it('pulls the ČHMÚ AIM feed for the registered Chomutov station only', async () => {
    const p = await pullFeed(registry, { id: 'chmi', adapter: 'chmi-aim', url: `file://${FIXTURES}chmi_aim_1h.json`, schedule: '* * * * *' });
    expect(p.skipped).toBeGreaterThan(100);
    expect(p.rejects).toEqual([]);
    // UCHMA published no current value in that hour except what the file holds; every value is UCHMA's
    expect(new Set(p.observations.map((o) => o.sensorId))).toEqual(new Set(p.observations.length ? ['CHMU-UCHMA'] : []));
  });

  it('pulls the Golemio road-weather feed over HTTP from a local server', async () => {
    const body = readFileSync(`${FIXTURES}golemio_meteosensors.json`);
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      // a station registered with its feed id, as an operator would add it
      await sql`INSERT INTO layer_senzory (source_id, municipality_code, nazev, feed_id, typ_zarizeni, vlastnik, interval_min, geom, content_hash)
        VALUES ('TSK-531801', NULL, 'Barrandov (TSK)', 'golemio-meteo:531801', 'golemio-meteo', 'TSK Praha', 10, ST_SetSRID(ST_MakePoint(14.405042, 50.03993), 4326), 'test')`.execute(database.db);
      const fresh = new SensorRegistry(database.db);
      const port = (server.address() as { port: number }).port;
      const p = await pullFeed(fresh, { id: 'tsk', adapter: 'golemio-meteosensors', url: `http://127.0.0.1:${port}/meteosensors`, schedule: '*/10 * * * *' });
      expect(p.skipped).toBeGreaterThan(50);
      const byQ = Object.fromEntries(p.observations.map((o) => [o.quantity, o.value]));
      // values of station 531801 in the fixture
      expect(byQ).toMatchObject({ road_temperature: 13.94, air_temperature: 12.84, relative_humidity: 35.4, wind_speed: 5.37, wind_direction: 180, dew_point: -2.12 });
      expect(new Set(p.observations.map((o) => o.time.toISOString()))).toEqual(new Set([new Date(1551715384000).toISOString()]));
      await queue.add(p);
      await queue.flush();
      const stored = await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM sensor_observation WHERE sensor_id = 'TSK-531801'`);
      expect(stored[0]!.n).toBe(6);
    } finally {
      server.close();
    }
  });

  it('applies retention by time', async () => {
    await database.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO sensor_observation (sensor_id, quantity, time, value) VALUES ('CV-BIN-01', 'distance', now() - interval '900 days', 1), ('CV-BIN-01', 'distance', now() - interval '1 day', 2)`.execute(trx);
    });
    const removed = await applyRetention(database.db, 800);
    expect(removed).toBeGreaterThanOrEqual(1);
    const left = await q(sql<{ value: number }>`SELECT value FROM sensor_observation WHERE sensor_id = 'CV-BIN-01'`);
    expect(left.map((r) => r.value)).toEqual([2]);
  });
});
