import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseUplink } from '../envelope.ts';
import { DEVICE_TYPES, getDeviceType } from '../decoders/index.ts';
import { senzory } from '../../../schemas/layers/senzory.ts';
import { getQuantity } from '../quantities.ts';
import { decodePoints, toObservations } from '../decode-uplink.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/lorawan_uplinks');

const TYPE_OF_FOLDER: Record<string, string> = {
  'Decentlab_DL-ITST': 'DL-ITST',
  'Decentlab_DL-SHT35-001': 'DL-SHT35-001',
  'Decentlab_DL-ATM41': 'DL-ATM41',
  'Decentlab_DL-PM': 'DL-PM',
  Milesight_AM319: 'AM319',
  'Milesight_EM310-UDL': 'EM310-UDL',
  'Milesight_EM400-UDL': 'EM400-UDL',
  Nwave_G4_NPS_SM: 'NWAVE-G4-NPS',
  Bosch_Parking_Lot_Sensor: 'BOSCH-PLS',
};

/**
 * Where the ThingsBoard converter is wrong and we follow the vendor's format.
 * key: `<folder>/<payload file>#<telemetry index>.<field>`.
 */
const KNOWN_DIFFERENCES: Record<string, string> = {
  // history record temperature is a signed int16 (like the live channel 0x03/0x67); TB reads it unsigned (0xE100 → 5760 °C)
  'Milesight_AM319/ChirpStack_payload_1.json#1.temperature': 'signed int16',
  'Milesight_AM319/ThingsStackCommunity_payload_1.json#1.temperature': 'signed int16',
  // TB names the history PIR field `trigger` and inverts it; we report `pir` as in live frames
  'Milesight_AM319/ChirpStack_payload_1.json#1.trigger': 'pir',
  'Milesight_AM319/ThingsStackCommunity_payload_1.json#1.trigger': 'pir',
  // TBEL bytes are signed Java bytes: 0xD3 becomes −45 → 2.32 V; the battery byte is unsigned (2.5 V + 4 mV × 211 = 3.344 V)
  'Nwave_G4_NPS_SM/ChirpStack_payload_1.json#0.battery_voltage': 'unsigned byte',
  'Nwave_G4_NPS_SM/ThingsStackCommunity_payload_1.json#0.battery_voltage': 'unsigned byte',
  'Nwave_G4_NPS_SM/ChirpStack_payload_1.json#0.battery_health': 'follows battery_voltage',
  'Nwave_G4_NPS_SM/ThingsStackCommunity_payload_1.json#0.battery_health': 'follows battery_voltage',
};

interface Result {
  attributes: Record<string, unknown>;
  telemetry: { ts?: number | string; values: Record<string, unknown> }[];
}

const cases = readdirSync(dir).flatMap((folder) =>
  readdirSync(join(dir, folder))
    .filter((f) => /_payload.*\.json$/.test(f))
    .map((file) => ({ folder, file })),
);

describe('LoRaWAN uplink decoders on the real samples', () => {
  it('finds every sample (107 files: 49 payloads, 49 results, 9 info)', () => {
    expect(cases.length).toBe(49);
  });

  it.each(cases)('$folder/$file decodes to its result file', ({ folder, file }) => {
    const body: unknown = JSON.parse(readFileSync(join(dir, folder, file), 'utf8'));
    const expected = JSON.parse(readFileSync(join(dir, folder, file.replace('_payload', '_result')), 'utf8')) as Result;
    const type = getDeviceType(TYPE_OF_FOLDER[folder]!)!;
    expect(type).toBeDefined();
    const up = parseUplink(body);
    const eui = String(expected.attributes.eui ?? expected.attributes.lora_dev_eui).toUpperCase();
    expect(up.devEui).toBe(eui);
    const points = decodePoints(up, type);
    expect(points.length).toBe(expected.telemetry.length);
    const envelope: Record<string, unknown> = {
      lora_frame_counter: up.fCnt,
      lora_frame_port: up.fPort,
      lora_frequency: up.frequency,
      lora_spreading_factor: up.spreadingFactor,
      lora_rssi: up.rssi,
      lora_snr: up.snr,
    };
    let compared = 0;
    const differences: string[] = [];
    expected.telemetry.forEach((t, i) => {
      const point = points[i]!;
      // TTS: ThingsBoard's converters take either uplink_message.received_at (network server) or the top-level
      // received_at (application server, ~0.2 s later); we take the former, so allow one second
      if (t.ts !== undefined) expect(Math.abs((point.ts ?? up.time)!.getTime() - new Date(t.ts).getTime())).toBeLessThan(up.format === 'tts-v3' && !point.ts ? 1000 : 1);
      for (const [k, want] of Object.entries(t.values)) {
        const got = k.startsWith('lora_') ? envelope[k] : point.values[k];
        const key = `${folder}/${file}#${i}.${k}`;
        const same = typeof want === 'number' && typeof got === 'number' ? Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)) : got === want;
        if (!same) differences.push(key);
        compared++;
      }
    });
    const allowed = Object.keys(KNOWN_DIFFERENCES).filter((k) => k.startsWith(`${folder}/${file}#`));
    expect(differences.sort()).toEqual(allowed.sort());
    expect(compared).toBeGreaterThan(0);

    // the quantity mapping gives the same observations from our values and from the expected ones
    const time = up.time ?? new Date(0);
    const fromExpected = toObservations(
      expected.telemetry.map((t, i) => ({
        ts: points[i]!.ts,
        values: Object.fromEntries(Object.entries(t.values).filter(([k]) => !allowed.includes(`${folder}/${file}#${i}.${k}`))) as Record<string, number>,
      })),
      type,
      time,
    );
    const ours = toObservations(points.map((p, i) => ({ ...p, values: Object.fromEntries(Object.entries(p.values).filter(([k]) => !allowed.includes(`${folder}/${file}#${i}.${k}`))) })), type, time);
    const norm = (xs: { quantity: string; value: number; time?: Date }[]) => xs.map((x) => `${x.time?.getTime() ?? ''} ${x.quantity}=${x.value.toFixed(9)}`).sort();
    expect(norm(ours.ok)).toEqual(norm(fromExpected.ok));
    expect(norm(ours.outOfRange)).toEqual(norm(fromExpected.outOfRange));
    expect(ours.ok.length + ours.outOfRange.length).toBeGreaterThan(0);
  });

  it('agrees with the registry schema: every device type is a code of typ_zarizeni, every mapped quantity exists', () => {
    const attr = senzory.attributes.find((a) => a.name === 'typ_zarizeni')!;
    const codes = attr.type === 'code' ? attr.codeList.map((c) => c.code) : [];
    for (const d of DEVICE_TYPES) {
      expect(codes).toContain(d.id);
      for (const m of d.quantities) expect(getQuantity(m.quantity), `${d.id}.${m.field}`).toBeDefined();
    }
  });

  it('accepts an already-decoded object instead of bytes (ChirpStack v4 object, TTS decoded_payload)', () => {
    const cs = parseUplink({ deviceInfo: { devEui: '70b3d57ba0003bb8' }, time: '2024-11-10T12:51:50Z', fPort: 1, object: { temperature_target: -1.5, battery_voltage: 3.1 } });
    const tts = parseUplink({ end_device_ids: { dev_eui: '70B3D57BA0003BB8' }, received_at: '2024-11-10T12:51:50Z', uplink_message: { f_port: 1, decoded_payload: { temperature_target: -1.5 } } });
    const type = getDeviceType('DL-ITST')!;
    expect(toObservations(decodePoints(cs, type), type, cs.time!).ok.map((o) => [o.quantity, o.value])).toEqual([
      ['road_temperature', -1.5],
      ['battery_voltage', 3.1],
    ]);
    expect(toObservations(decodePoints(tts, type), type, tts.time!).ok.map((o) => [o.quantity, o.value])).toEqual([['road_temperature', -1.5]]);
  });

  it('refuses what is not an uplink or a frame too short', () => {
    expect(() => parseUplink([1, 2])).toThrow(/not a JSON object/);
    expect(() => parseUplink({ hello: 1 })).toThrow(/not a ChirpStack/);
    expect(() => parseUplink({ deviceInfo: { devEui: 'xyz' } })).toThrow(/EUI/);
    const up = parseUplink({ deviceInfo: { devEui: '70b3d57ba0003bb8' }, fPort: 1, data: 'AgLZAAM=' });
    expect(() => decodePoints(up, getDeviceType('DL-ITST')!)).toThrow(/too short/);
  });
});
