import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { importFile } from '../../import.ts';
import { loadMapping } from '../../mapping.ts';
import { SEED_SOURCES } from '../../seed.ts';

export const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
export const UPLINKS = join(FIXTURES, 'lorawan_uplinks');

/** The municipalities and the sensor registry, through the same import the seed uses. */
export async function seedSensorRegistry(db: Kysely<any>): Promise<void> {
  for (const s of SEED_SOURCES.filter((x) => x.layer === 'obce' || x.layer === 'senzory')) {
    const r = await importFile(db, { path: s.path, layerId: s.layer, mapping: 'mapping' in s ? loadMapping(s.mapping) : undefined });
    if (r.rejected) throw new Error(`seed ${s.layer}: ${r.rejected} rejected`);
  }
}

/** A ChirpStack v4 uplink as the network server publishes it. */
export function chirpstackUplink(devEui: string, frameHex: string, time: Date, fCnt = 1, fPort = 1): string {
  return JSON.stringify({
    deduplicationId: `test-${devEui}-${fCnt}`,
    time: time.toISOString(),
    deviceInfo: { devEui: devEui.toLowerCase(), deviceName: 'test', applicationId: 'test', tenantId: 'test' },
    fCnt,
    fPort,
    data: Buffer.from(frameHex, 'hex').toString('base64'),
    rxInfo: [{ rssi: -80, snr: 7 }],
    txInfo: { frequency: 868100000, modulation: { lora: { spreadingFactor: 7 } } },
  });
}

/** Decentlab DL-ITST frame: road (target) and head temperature in °C, battery 3.1 V. */
export function itstFrame(road: number, head = 5): string {
  const w = (n: number) => n.toString(16).padStart(4, '0');
  return `0202d90003${w(Math.round(road * 10 + 1000))}${w(Math.round(head * 10 + 1000))}${w(3100)}`;
}

/** Decentlab DL-SHT35 frame: air temperature °C, relative humidity %. */
export function sht35Frame(t: number, rh: number): string {
  const w = (n: number) => n.toString(16).padStart(4, '0');
  return `02030e0003${w(Math.round(((t + 45) * 65535) / 175))}${w(Math.round((rh * 65535) / 100))}${w(3168)}`;
}

export function samplePayloads(folder: string): { file: string; body: string }[] {
  return readdirSync(join(UPLINKS, folder))
    .filter((f) => /_payload.*\.json$/.test(f))
    .map((file) => ({ file, body: readFileSync(join(UPLINKS, folder, file), 'utf8') }));
}
