import { need, PayloadError, u16be } from './bytes.ts';
import type { DecodedPoint, DecodedValue } from './types.ts';

/**
 * Decentlab protocol version 2 (published with every Decentlab device):
 * byte 0 version (2), bytes 1–2 device id, bytes 3–4 a flag word; for each
 * sensor group whose flag bit is set, `length` big-endian 16-bit words follow,
 * converted to values by the group's formulas.
 */
export interface SensorGroup {
  length: number;
  values: { name: string; convert: (x: number[]) => number }[];
}

export function decodeDecentlab(bytes: Uint8Array, groups: SensorGroup[]): DecodedPoint[] {
  need(bytes, 0, 5, 'Decentlab header');
  if (bytes[0] !== 2) throw new PayloadError(`unsupported Decentlab protocol version ${bytes[0]}`);
  let flags = u16be(bytes, 3);
  let i = 5;
  const values: Record<string, DecodedValue> = {};
  for (const g of groups) {
    if (flags & 1) {
      need(bytes, i, g.length * 2, 'Decentlab sensor group');
      const x: number[] = [];
      for (let k = 0; k < g.length; k++, i += 2) x.push(u16be(bytes, i));
      for (const v of g.values) values[v.name] = v.convert(x);
    }
    flags >>= 1;
  }
  if (i !== bytes.length) throw new PayloadError(`Decentlab frame has ${bytes.length - i} unexpected trailing bytes`);
  return [{ values }];
}

const battery: SensorGroup = { length: 1, values: [{ name: 'battery_voltage', convert: (x) => x[0]! / 1000 }] };
const off = (x: number) => x - 32768;

export const DL_ITST: SensorGroup[] = [
  {
    length: 2,
    values: [
      { name: 'temperature_target', convert: (x) => (x[0]! - 1000) / 10 },
      { name: 'temperature_head', convert: (x) => (x[1]! - 1000) / 10 },
    ],
  },
  battery,
];

export const DL_SHT35: SensorGroup[] = [
  {
    length: 2,
    values: [
      { name: 'air_temperature', convert: (x) => (175 * x[0]!) / 65535 - 45 },
      { name: 'air_humidity', convert: (x) => (100 * x[1]!) / 65535 },
    ],
  },
  battery,
];

export const DL_ATM41: SensorGroup[] = [
  {
    length: 17,
    values: [
      { name: 'solar_radiation', convert: (x) => off(x[0]!) },
      { name: 'precipitation', convert: (x) => off(x[1]!) / 1000 },
      { name: 'lightning_strike_count', convert: (x) => off(x[2]!) },
      { name: 'lightning_average_distance', convert: (x) => off(x[3]!) },
      { name: 'wind_speed', convert: (x) => off(x[4]!) / 100 },
      { name: 'wind_direction', convert: (x) => off(x[5]!) / 10 },
      { name: 'maximum_wind_speed', convert: (x) => off(x[6]!) / 100 },
      { name: 'air_temperature', convert: (x) => off(x[7]!) / 10 },
      { name: 'vapor_pressure', convert: (x) => off(x[8]!) / 100 },
      { name: 'atmospheric_pressure', convert: (x) => off(x[9]!) / 100 },
      { name: 'relative_humidity', convert: (x) => off(x[10]!) / 10 },
      { name: 'sensor_temperature_internal', convert: (x) => off(x[11]!) / 10 },
      { name: 'x_orientation_angle', convert: (x) => off(x[12]!) / 10 },
      { name: 'y_orientation_angle', convert: (x) => off(x[13]!) / 10 },
      { name: 'compass_heading', convert: (x) => off(x[14]!) },
      { name: 'north_wind_speed', convert: (x) => off(x[15]!) / 100 },
      { name: 'east_wind_speed', convert: (x) => off(x[16]!) / 100 },
    ],
  },
  battery,
];

export const DL_PM: SensorGroup[] = [
  battery,
  {
    length: 10,
    values: [
      { name: 'pm1_0_mass_concentration', convert: (x) => x[0]! / 10 },
      { name: 'pm2_5_mass_concentration', convert: (x) => x[1]! / 10 },
      { name: 'pm4_mass_concentration', convert: (x) => x[2]! / 10 },
      { name: 'pm10_mass_concentration', convert: (x) => x[3]! / 10 },
      { name: 'typical_particle_size', convert: (x) => x[4]! },
      { name: 'pm0_5_number_concentration', convert: (x) => x[5]! / 10 },
      { name: 'pm1_0_number_concentration', convert: (x) => x[6]! / 10 },
      { name: 'pm2_5_number_concentration', convert: (x) => x[7]! / 10 },
      { name: 'pm4_number_concentration', convert: (x) => x[8]! / 10 },
      { name: 'pm10_number_concentration', convert: (x) => x[9]! / 10 },
    ],
  },
  {
    length: 2,
    values: [
      { name: 'air_temperature', convert: (x) => (175.72 * x[0]!) / 65536 - 46.85 },
      { name: 'air_humidity', convert: (x) => (125 * x[1]!) / 65536 - 6 },
    ],
  },
  { length: 1, values: [{ name: 'barometric_pressure', convert: (x) => x[0]! * 2 }] },
];
