import { i16le, need, PayloadError, u16le, u32le } from './bytes.ts';
import type { DecodedPoint, DecodedValue } from './types.ts';

/**
 * Milesight channel/type TLV frames (AM300 and EM300/EM400 series, as
 * published in Milesight's SensorDecoders definitions): a frame is a list of
 * [channel id, channel type, value]; the (id, type) pair fixes the value's
 * length and meaning. An unknown pair stops decoding: its length is unknown.
 */
type Reader = (b: Uint8Array, i: number, out: Record<string, DecodedValue>, points: DecodedPoint[]) => number;

const READERS: Record<string, Reader> = {
  // battery %
  '01:75': (b, i, o) => ((o.battery = b[i]!), 1),
  // temperature, 0.1 °C signed
  '03:67': (b, i, o) => ((o.temperature = i16le(b, i) / 10), 2),
  // humidity, 0.5 %RH
  '04:68': (b, i, o) => ((o.humidity = b[i]! / 2), 1),
  // PIR (AM319) or position (EM310/EM400): both a 1-byte state on channel 5 / 4
  '05:00': (b, i, o) => {
    o.pir = b[i] === 1 ? 'trigger' : 'idle';
    return 1;
  },
  '06:cb': (b, i, o) => ((o.light_level = b[i]!), 1),
  '07:7d': (b, i, o) => ((o.co2 = u16le(b, i)), 2),
  '08:7d': (b, i, o) => ((o.tvoc = u16le(b, i)), 2),
  '09:73': (b, i, o) => ((o.pressure = u16le(b, i) / 10), 2),
  '0a:7d': (b, i, o) => ((o.hcho = u16le(b, i) / 100), 2),
  '0b:7d': (b, i, o) => ((o.pm2_5 = u16le(b, i)), 2),
  '0c:7d': (b, i, o) => ((o.pm10 = u16le(b, i)), 2),
  '0d:7d': (b, i, o) => ((o.o3 = u16le(b, i) / 100), 2),
  '0e:01': (b, i, o) => ((o.beep = b[i] === 1 ? 'yes' : 'no'), 1),
  // distance in mm (EM310-UDL channel 3, EM400-UDL channel 4)
  '03:82': (b, i, o) => ((o.distance = u16le(b, i)), 2),
  '04:82': (b, i, o) => ((o.distance = u16le(b, i)), 2),
  // position 0 normal / 1 tilt (EM310 channel 4, EM400 channel 5)
  '04:00': (b, i, o) => ((o.position = b[i] === 1 ? 'tilt' : 'normal'), 1),
  // EM400 threshold alarms: value + alarm flag
  '83:67': (b, i, o) => {
    o.temperature = i16le(b, i) / 10;
    o.temperature_abnormal = b[i + 2] === 1;
    return 3;
  },
  '84:82': (b, i, o) => {
    o.distance = u16le(b, i);
    o.distance_alarming = b[i + 2] === 1;
    return 3;
  },
  // AM319 history record: timestamp(4) temperature(2) humidity(2) pir(1) light(1) co2(2) tvoc(2) pressure(2) pm2.5(2) pm10(2) hcho(2)
  '20:ce': (b, i, _o, points) => {
    need(b, i, 22, 'history record');
    points.push({
      ts: new Date(u32le(b, i) * 1000),
      values: {
        temperature: i16le(b, i + 4) / 10,
        humidity: u16le(b, i + 6) / 2,
        pir: b[i + 8] === 1 ? 'trigger' : 'idle',
        light_level: b[i + 9]!,
        co2: u16le(b, i + 10),
        tvoc: u16le(b, i + 12),
        pressure: u16le(b, i + 14) / 10,
        pm2_5: u16le(b, i + 16),
        pm10: u16le(b, i + 18),
        hcho: u16le(b, i + 20) / 100,
      },
    });
    return 22;
  },
};

const LENGTH: Record<string, number> = {
  '01:75': 1, '03:67': 2, '04:68': 1, '05:00': 1, '06:cb': 1, '07:7d': 2, '08:7d': 2, '09:73': 2, '0a:7d': 2,
  '0b:7d': 2, '0c:7d': 2, '0d:7d': 2, '0e:01': 1, '03:82': 2, '04:82': 2, '04:00': 1, '83:67': 3, '84:82': 3, '20:ce': 22,
};

const hex = (n: number) => n.toString(16).padStart(2, '0');

/** `positionChannel`: EM400 reports position on channel 5 (type 0), where AM319 reports PIR. */
export function decodeMilesight(bytes: Uint8Array, opts: { positionChannel5?: boolean } = {}): DecodedPoint[] {
  const values: Record<string, DecodedValue> = {};
  const history: DecodedPoint[] = [];
  let i = 0;
  while (i < bytes.length) {
    need(bytes, i, 2, 'channel header');
    const key = `${hex(bytes[i]!)}:${hex(bytes[i + 1]!)}`;
    i += 2;
    let reader = READERS[key];
    if (key === '05:00' && opts.positionChannel5) reader = READERS['04:00'];
    if (!reader) throw new PayloadError(`unknown Milesight channel ${key}`);
    need(bytes, i, LENGTH[key]!, `channel ${key}`);
    i += reader(bytes, i, values, history);
  }
  return [{ values }, ...history];
}
