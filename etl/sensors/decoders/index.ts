import { decodeDecentlab, DL_ATM41, DL_ITST, DL_PM, DL_SHT35 } from './decentlab.ts';
import { decodeMilesight } from './milesight.ts';
import { decodeBosch, decodeNwave } from './parking.ts';
import type { DeviceType } from './types.ts';

export type * from './types.ts';
export { PayloadError } from './bytes.ts';

/**
 * Device types the ingest understands: the payload decoder and how its fields
 * map to stored quantities (unit conversions by `scale`).
 */
export const DEVICE_TYPES: readonly DeviceType[] = [
  {
    id: 'DL-ITST',
    vendor: 'Decentlab',
    label: 'Decentlab DL-ITST (teplota povrchu)',
    decode: (b) => decodeDecentlab(b, DL_ITST),
    quantities: [
      { field: 'temperature_target', quantity: 'road_temperature' },
      { field: 'temperature_head', quantity: 'device_temperature' },
      { field: 'battery_voltage', quantity: 'battery_voltage' },
    ],
  },
  {
    id: 'DL-SHT35-001',
    vendor: 'Decentlab',
    label: 'Decentlab DL-SHT35-001 (teplota a vlhkost)',
    decode: (b) => decodeDecentlab(b, DL_SHT35),
    quantities: [
      { field: 'air_temperature', quantity: 'air_temperature' },
      { field: 'air_humidity', quantity: 'relative_humidity' },
      { field: 'battery_voltage', quantity: 'battery_voltage' },
    ],
  },
  {
    id: 'DL-ATM41',
    vendor: 'Decentlab',
    label: 'Decentlab DL-ATM41 (meteostanice)',
    decode: (b) => decodeDecentlab(b, DL_ATM41),
    quantities: [
      { field: 'solar_radiation', quantity: 'solar_radiation' },
      { field: 'precipitation', quantity: 'precipitation' },
      { field: 'wind_speed', quantity: 'wind_speed' },
      { field: 'maximum_wind_speed', quantity: 'wind_gust' },
      { field: 'wind_direction', quantity: 'wind_direction' },
      { field: 'air_temperature', quantity: 'air_temperature' },
      { field: 'relative_humidity', quantity: 'relative_humidity' },
      // kPa → hPa
      { field: 'atmospheric_pressure', quantity: 'air_pressure', scale: 10 },
      { field: 'battery_voltage', quantity: 'battery_voltage' },
    ],
  },
  {
    id: 'DL-PM',
    vendor: 'Decentlab',
    label: 'Decentlab DL-PM (prachové částice)',
    decode: (b) => decodeDecentlab(b, DL_PM),
    quantities: [
      { field: 'pm1_0_mass_concentration', quantity: 'pm1' },
      { field: 'pm2_5_mass_concentration', quantity: 'pm2_5' },
      { field: 'pm4_mass_concentration', quantity: 'pm4' },
      { field: 'pm10_mass_concentration', quantity: 'pm10' },
      { field: 'air_temperature', quantity: 'air_temperature' },
      { field: 'air_humidity', quantity: 'relative_humidity' },
      // Pa → hPa
      { field: 'barometric_pressure', quantity: 'air_pressure', scale: 0.01 },
      { field: 'battery_voltage', quantity: 'battery_voltage' },
    ],
  },
  {
    id: 'AM319',
    vendor: 'Milesight',
    label: 'Milesight AM319 (kvalita vnitřního vzduchu)',
    decode: (b) => decodeMilesight(b),
    quantities: [
      { field: 'temperature', quantity: 'air_temperature' },
      { field: 'humidity', quantity: 'relative_humidity' },
      { field: 'co2', quantity: 'co2' },
      { field: 'tvoc', quantity: 'tvoc' },
      { field: 'pressure', quantity: 'air_pressure' },
      { field: 'hcho', quantity: 'hcho' },
      { field: 'pm2_5', quantity: 'pm2_5' },
      { field: 'pm10', quantity: 'pm10' },
      { field: 'light_level', quantity: 'illuminance_level' },
      { field: 'battery', quantity: 'battery_level' },
    ],
  },
  {
    id: 'EM310-UDL',
    vendor: 'Milesight',
    label: 'Milesight EM310-UDL (naplnění nádoby)',
    decode: (b) => decodeMilesight(b),
    quantities: [
      { field: 'distance', quantity: 'distance' },
      { field: 'battery', quantity: 'battery_level' },
    ],
  },
  {
    id: 'EM400-UDL',
    vendor: 'Milesight',
    label: 'Milesight EM400-UDL (vzdálenost k hladině)',
    decode: (b) => decodeMilesight(b, { positionChannel5: true }),
    quantities: [
      { field: 'distance', quantity: 'distance' },
      { field: 'temperature', quantity: 'device_temperature' },
      { field: 'battery', quantity: 'battery_level' },
    ],
  },
  {
    id: 'NWAVE-G4-NPS',
    vendor: 'Nwave',
    label: 'Nwave G4 NPS (obsazenost parkovacího místa)',
    decode: (b, port) => decodeNwave(b, port),
    quantities: [
      { field: 'occupied', quantity: 'occupied' },
      { field: 'temperature', quantity: 'device_temperature' },
      { field: 'battery_voltage', quantity: 'battery_voltage' },
    ],
  },
  {
    id: 'BOSCH-PLS',
    vendor: 'Bosch',
    label: 'Bosch Parking Lot Sensor (obsazenost parkovacího místa)',
    decode: (b, port) => decodeBosch(b, port),
    quantities: [
      { field: 'occupied', quantity: 'occupied' },
      { field: 'temperature', quantity: 'device_temperature' },
    ],
  },
];

const byId = new Map(DEVICE_TYPES.map((d) => [d.id, d]));

export function getDeviceType(id: string): DeviceType | undefined {
  return byId.get(id);
}
