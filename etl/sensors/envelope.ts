/**
 * LoRaWAN network-server uplink envelopes: ChirpStack v4, ChirpStack v3 and
 * The Things Stack v3 (MQTT/HTTP integration bodies). Everything is read
 * defensively: the body comes from the network and may be anything.
 */
export type EnvelopeFormat = 'chirpstack-v4' | 'chirpstack-v3' | 'tts-v3';

export interface Uplink {
  format: EnvelopeFormat;
  /** 16 upper-case hex digits */
  devEui: string;
  /** network-server time of the uplink; null when the envelope carries none */
  time: Date | null;
  fPort: number | null;
  fCnt: number | null;
  frequency: number | null;
  spreadingFactor: number | null;
  rssi: number | null;
  snr: number | null;
  /** raw frame bytes (base64 `data` / `frm_payload`), if present */
  bytes: Uint8Array | null;
  /** already-decoded object (`object` / `objectJSON` / `decoded_payload`), if present */
  decoded: Record<string, unknown> | null;
}

export class EnvelopeError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
};
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const date = (v: unknown): Date | null => {
  if (typeof v !== 'string') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
};

function base64Bytes(v: unknown, field: string): Uint8Array | null {
  if (v == null || v === '') return null;
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new EnvelopeError(`${field} is not base64`);
  return new Uint8Array(Buffer.from(v, 'base64'));
}

/** ChirpStack v4 sends hex EUIs; v3 sends base64 of the 8 bytes. */
export function normalizeEui(v: unknown): string | null {
  const s = str(v);
  if (!s) return null;
  if (/^[0-9a-fA-F]{16}$/.test(s)) return s.toUpperCase();
  if (/^[A-Za-z0-9+/]{11}=$/.test(s)) {
    const b = Buffer.from(s, 'base64');
    if (b.length === 8) return b.toString('hex').toUpperCase();
  }
  return null;
}

function bestRx(list: unknown): Obj | null {
  if (!Array.isArray(list)) return null;
  let best: Obj | null = null;
  for (const r of list) if (isObj(r) && (best === null || (num(r.rssi) ?? -999) > (num(best.rssi) ?? -999))) best = r;
  return best;
}

function decodedObject(v: unknown): Obj | null {
  if (isObj(v) && Object.keys(v).length) return v;
  if (typeof v === 'string' && v.trim().startsWith('{')) {
    try {
      const o: unknown = JSON.parse(v);
      return isObj(o) && Object.keys(o).length ? o : null;
    } catch {
      return null;
    }
  }
  return null;
}

export function parseUplink(body: unknown): Uplink {
  if (!isObj(body)) throw new EnvelopeError('uplink is not a JSON object');
  if (isObj(body.end_device_ids) || isObj(body.uplink_message)) {
    const ids = isObj(body.end_device_ids) ? body.end_device_ids : {};
    const up = isObj(body.uplink_message) ? body.uplink_message : {};
    const devEui = normalizeEui(ids.dev_eui);
    if (!devEui) throw new EnvelopeError('end_device_ids.dev_eui missing or not an EUI-64');
    const settings = isObj(up.settings) ? up.settings : {};
    const lora = isObj(settings.data_rate) && isObj(settings.data_rate.lora) ? settings.data_rate.lora : {};
    const rx = bestRx(up.rx_metadata);
    return {
      format: 'tts-v3',
      devEui,
      // the network server's reception time is closest to the measurement; the top-level one is the application server's
      time: date(up.received_at) ?? date(body.received_at),
      fPort: num(up.f_port),
      fCnt: num(up.f_cnt),
      frequency: num(settings.frequency),
      spreadingFactor: num(lora.spreading_factor),
      rssi: rx ? num(rx.rssi) : null,
      snr: rx ? num(rx.snr) : null,
      bytes: base64Bytes(up.frm_payload, 'uplink_message.frm_payload'),
      decoded: decodedObject(up.decoded_payload),
    };
  }
  if (isObj(body.deviceInfo)) {
    const devEui = normalizeEui(body.deviceInfo.devEui);
    if (!devEui) throw new EnvelopeError('deviceInfo.devEui missing or not an EUI-64');
    const tx = isObj(body.txInfo) ? body.txInfo : {};
    const lora = isObj(tx.modulation) && isObj(tx.modulation.lora) ? tx.modulation.lora : {};
    const rx = bestRx(body.rxInfo);
    return {
      format: 'chirpstack-v4',
      devEui,
      time: date(body.time),
      fPort: num(body.fPort),
      fCnt: num(body.fCnt),
      frequency: num(tx.frequency),
      spreadingFactor: num(lora.spreadingFactor),
      rssi: rx ? num(rx.rssi) : null,
      snr: rx ? num(rx.snr) : null,
      bytes: base64Bytes(body.data, 'data'),
      decoded: decodedObject(body.object),
    };
  }
  if ('devEUI' in body) {
    const devEui = normalizeEui(body.devEUI);
    if (!devEui) throw new EnvelopeError('devEUI missing or not an EUI-64');
    const tx = isObj(body.txInfo) ? body.txInfo : {};
    const lora = isObj(tx.loRaModulationInfo) ? tx.loRaModulationInfo : {};
    const rx = bestRx(body.rxInfo);
    return {
      format: 'chirpstack-v3',
      devEui,
      time: date(body.publishedAt) ?? (rx ? date(rx.time) : null),
      fPort: num(body.fPort),
      fCnt: num(body.fCnt),
      frequency: num(tx.frequency),
      spreadingFactor: num(lora.spreadingFactor),
      rssi: rx ? num(rx.rssi) : null,
      snr: rx ? num(rx.loRaSNR) : null,
      bytes: base64Bytes(body.data, 'data'),
      // v3 carried the decoder output as `object` (JSON) or `objectJSON` (string)
      decoded: decodedObject(body.object) ?? decodedObject(body.objectJSON),
    };
  }
  throw new EnvelopeError('not a ChirpStack v3/v4 or The Things Stack v3 uplink');
}
