import { getQuantity } from './quantities.ts';
import { PayloadError, type DecodedPoint, type DeviceType } from './decoders/index.ts';
import type { Uplink } from './envelope.ts';

export interface ObservationValue {
  time: Date;
  quantity: string;
  value: number;
}

export interface OutOfRange {
  quantity: string;
  value: number;
  reason: string;
}

/**
 * The frame's points: decoded from the raw bytes when present, else the
 * network server's own decoder output (`object` / `decoded_payload`), whose
 * field names are expected to be the device type's (vendor decoders use them).
 */
export function decodePoints(up: Uplink, type: DeviceType): DecodedPoint[] {
  if (up.bytes && up.bytes.length) return type.decode(up.bytes, up.fPort ?? 0);
  if (up.decoded) {
    const values: DecodedPoint['values'] = {};
    for (const [k, v] of Object.entries(up.decoded))
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null) values[k] = v;
    return [{ values }];
  }
  throw new PayloadError('uplink carries neither payload bytes nor a decoded object');
}

/** Decoded fields → quantities in their units; values outside a quantity's plausible range are returned apart. */
export function toObservations(points: DecodedPoint[], type: DeviceType, fallbackTime: Date): { ok: ObservationValue[]; outOfRange: OutOfRange[] } {
  const ok: ObservationValue[] = [];
  const outOfRange: OutOfRange[] = [];
  for (const p of points) {
    const time = p.ts ?? fallbackTime;
    for (const m of type.quantities) {
      const raw = p.values[m.field];
      if (raw === undefined || raw === null) continue;
      const base = typeof raw === 'boolean' ? (raw ? 1 : 0) : typeof raw === 'number' ? raw : Number.NaN;
      const value = base * (m.scale ?? 1);
      const q = getQuantity(m.quantity)!;
      if (!Number.isFinite(value) || value < q.min || value > q.max)
        outOfRange.push({ quantity: q.code, value, reason: `${q.code} = ${value} ${q.unit} outside ${q.min}…${q.max}` });
      else ok.push({ time, quantity: q.code, value });
    }
  }
  return { ok, outOfRange };
}
