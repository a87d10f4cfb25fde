import { getDeviceType, PayloadError } from './decoders/index.ts';
import { decodePoints, toObservations } from './decode-uplink.ts';
import { EnvelopeError, parseUplink } from './envelope.ts';
import type { SensorRegistry } from './registry.ts';

export interface ObservationRow {
  sensorId: string;
  quantity: string;
  time: Date;
  value: number;
}

export type RejectKind = 'malformed' | 'unknown-device' | 'payload' | 'out-of-range';

export interface RejectRow {
  source: string;
  kind: RejectKind;
  devEui?: string;
  sensorId?: string;
  reason: string;
  body?: string;
}

export interface Prepared {
  observations: ObservationRow[];
  rejects: RejectRow[];
}

const MAX_BODY = 2000;

/**
 * One MQTT message → observations and/or rejects. Never throws: whatever the
 * network sends ends up as a reject with a reason.
 */
export async function prepareUplink(registry: SensorRegistry, source: string, payload: Buffer | string, now = new Date()): Promise<Prepared> {
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  const body = text.length > MAX_BODY ? text.slice(0, MAX_BODY) : text;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { observations: [], rejects: [{ source, kind: 'malformed', reason: `not JSON: ${(e as Error).message}`, body }] };
  }
  try {
    const up = parseUplink(json);
    const sensor = await registry.findByEui(up.devEui);
    if (!sensor) return { observations: [], rejects: [{ source, kind: 'unknown-device', devEui: up.devEui, reason: `no registered sensor has DevEUI ${up.devEui}`, body }] };
    const type = getDeviceType(sensor.deviceType);
    if (!type) return { observations: [], rejects: [{ source, kind: 'payload', devEui: up.devEui, sensorId: sensor.id, reason: `no decoder for device type ${sensor.deviceType}`, body }] };
    const points = decodePoints(up, type);
    const { ok, outOfRange } = toObservations(points, type, up.time ?? now);
    return {
      observations: ok.map((o) => ({ sensorId: sensor.id, ...o })),
      rejects: outOfRange.map((o) => ({ source, kind: 'out-of-range' as const, devEui: up.devEui, sensorId: sensor.id, reason: o.reason, body })),
    };
  } catch (e) {
    if (e instanceof EnvelopeError) return { observations: [], rejects: [{ source, kind: 'malformed', reason: e.message, body }] };
    if (e instanceof PayloadError) return { observations: [], rejects: [{ source, kind: 'payload', reason: e.message, body }] };
    return { observations: [], rejects: [{ source, kind: 'payload', reason: `decoder failed: ${(e as Error).message}`, body }] };
  }
}
