/**
 * The quantities the geoportal stores, with their unit and the physically
 * plausible range. A value outside the range is rejected at ingest (a sensor
 * reporting 5760 °C is broken, not hot).
 */
export interface Quantity {
  code: string;
  label: { cs: string; en: string };
  unit: string;
  min: number;
  max: number;
  /** decimals worth showing */
  decimals: number;
}

const q = (code: string, cs: string, en: string, unit: string, min: number, max: number, decimals = 1): Quantity => ({
  code,
  label: { cs, en },
  unit,
  min,
  max,
  decimals,
});

export const QUANTITIES: readonly Quantity[] = [
  q('road_temperature', 'Teplota povrchu vozovky', 'Road surface temperature', '°C', -60, 80),
  q('air_temperature', 'Teplota vzduchu', 'Air temperature', '°C', -60, 60),
  q('relative_humidity', 'Relativní vlhkost', 'Relative humidity', '%', 0, 100),
  q('air_pressure', 'Tlak vzduchu', 'Air pressure', 'hPa', 300, 1100),
  q('wind_speed', 'Rychlost větru', 'Wind speed', 'm/s', 0, 100),
  q('wind_gust', 'Nárazy větru', 'Wind gust', 'm/s', 0, 100),
  q('wind_direction', 'Směr větru', 'Wind direction', '°', 0, 360, 0),
  q('precipitation', 'Srážky', 'Precipitation', 'mm', 0, 500),
  q('solar_radiation', 'Sluneční záření', 'Solar radiation', 'W/m²', 0, 2000, 0),
  q('dew_point', 'Rosný bod', 'Dew point', '°C', -80, 60),
  q('pm1', 'PM1', 'PM1', 'µg/m³', 0, 2000),
  q('pm2_5', 'PM2,5', 'PM2.5', 'µg/m³', 0, 2000),
  q('pm4', 'PM4', 'PM4', 'µg/m³', 0, 2000),
  q('pm10', 'PM10', 'PM10', 'µg/m³', 0, 2000),
  q('no2', 'NO₂', 'NO₂', 'µg/m³', 0, 5000),
  q('so2', 'SO₂', 'SO₂', 'µg/m³', 0, 5000),
  q('o3', 'O₃', 'O₃', 'µg/m³', 0, 5000),
  q('co', 'CO', 'CO', 'µg/m³', 0, 100000, 0),
  q('co2', 'CO₂', 'CO₂', 'ppm', 0, 40000, 0),
  q('tvoc', 'TVOC', 'TVOC', 'index', 0, 60000, 0),
  q('hcho', 'Formaldehyd', 'Formaldehyde', 'mg/m³', 0, 10, 2),
  q('illuminance_level', 'Úroveň osvětlení', 'Light level', 'level', 0, 10, 0),
  q('distance', 'Vzdálenost k hladině', 'Distance to surface', 'mm', 0, 15000, 0),
  q('water_level', 'Výška hladiny', 'Water level', 'cm', -1000, 5000, 0),
  q('fill_level', 'Naplnění', 'Fill level', '%', 0, 100, 0),
  q('occupied', 'Obsazeno', 'Occupied', '0/1', 0, 1, 0),
  q('device_temperature', 'Teplota zařízení', 'Device temperature', '°C', -60, 100),
  q('battery_voltage', 'Napětí baterie', 'Battery voltage', 'V', 0, 10, 3),
  q('battery_level', 'Baterie', 'Battery', '%', 0, 100, 0),
];

const byCode = new Map(QUANTITIES.map((x) => [x.code, x]));

export function getQuantity(code: string): Quantity | undefined {
  return byCode.get(code);
}
