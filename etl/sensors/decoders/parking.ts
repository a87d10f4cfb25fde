import { i8, need, PayloadError } from './bytes.ts';
import type { DecodedPoint, DecodedValue } from './types.ts';

/**
 * Nwave G4 parking sensors: the fPort says the message type (1 parking status,
 * 2 heartbeat, 3 startup); bit 0 of the first byte is occupancy.
 */
export function decodeNwave(b: Uint8Array, fPort: number): DecodedPoint[] {
  need(b, 0, 1, 'Nwave frame');
  const v: Record<string, DecodedValue> = {};
  if (fPort === 1) {
    v.type = 'parking_status';
    v.occupied = (b[0]! & 1) === 1;
    Object.assign(v, previousStateDuration((b[0]! >> 1) & 0x7f));
  } else if (fPort === 2) {
    need(b, 0, 3, 'Nwave heartbeat');
    v.type = 'heartbeat';
    v.occupied = (b[0]! & 1) === 1;
    v.hw_health_status = b[0]! & 0x7f;
    v.temperature = i8(b, 2) / 2 + 10;
    // battery byte is unsigned: 2.5 V + 4 mV per step (2.5–3.52 V for the Li-SOCl2 cell)
    const mv = 2500 + b[1]! * 4;
    v.battery_voltage = mv / 1000;
    const [critical, low] = (v.temperature as number) >= -5 ? [2900, 3000] : [2800, 2900];
    v.battery_health = mv >= low ? 'normal' : mv >= critical ? 'low' : 'critical';
  } else if (fPort === 3) {
    need(b, 0, 5, 'Nwave startup');
    v.type = 'startup';
    v.firmware_version = `${b[0]}.${b[1]}.${b[2]}`;
    const causes = ['rejoining_lorawan_network', 'watchdog', 'power_on', 'user_request', 'unknown', 'unknown', 'brownout', 'other'];
    v.reset_cause = causes[b[3]!] ?? 'unknown';
    v.occupied = (b[4]! & 1) === 1;
  } else throw new PayloadError(`unsupported Nwave fPort ${fPort}`);
  return [{ values: v }];
}

/** The 7-bit compressed duration (minutes) of the previous state. */
function previousStateDuration(c: number): Record<string, DecodedValue> {
  if (c < 90) return { previous_state_duration: c, previous_state_duration_error: 0, previous_state_duration_overflow: false };
  if (c < 120) return { previous_state_duration: 90 + (c - 90) * 5, previous_state_duration_error: 4, previous_state_duration_overflow: false };
  if (c < 127) return { previous_state_duration: 240 + (c - 120) * 60, previous_state_duration_error: 59, previous_state_duration_overflow: false };
  return { previous_state_duration: 660, previous_state_duration_error: null, previous_state_duration_overflow: true };
}

/**
 * Bosch Parking Lot Sensor: fPort 1 status, 2 heartbeat (occupancy + temperature),
 * 3 startup (12 bytes debug info, firmware version, reset cause, occupancy).
 */
export function decodeBosch(b: Uint8Array, fPort: number): DecodedPoint[] {
  need(b, 0, 1, 'Bosch frame');
  const v: Record<string, DecodedValue> = {};
  if (fPort === 1) {
    v.type = 'parking status';
    v.occupied = (b[0]! & 1) === 1;
  } else if (fPort === 2) {
    v.type = 'heartbeat';
    v.occupied = (b[0]! & 1) === 1;
    if (b.length >= 2) v.temperature = i8(b, 1);
  } else if (fPort === 3) {
    need(b, 0, 17, 'Bosch startup');
    v.type = 'startup';
    v.occupied = (b[16]! & 1) === 1;
    const causes: Record<number, string> = { 1: 'Watchdog Reset', 2: 'Power On Reset', 3: 'System Request Reset', 4: 'Other Resets' };
    v.resetCause = causes[b[15]!] ?? 'Unknown';
    v.firmwareVersion = `${b[14]}.${b[13]}.${b[12]}`;
    v.debugInfo = Array.from(b.slice(0, 12), (x) => x.toString(16).padStart(2, '0')).join(' ');
  } else throw new PayloadError(`unsupported Bosch fPort ${fPort}`);
  return [{ values: v }];
}
