import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { getQuantity } from './quantities.ts';
import type { ObservationRow, Prepared, RejectRow } from './prepare.ts';
import type { SensorRegistry } from './registry.ts';

/** A feed value before it is matched to a registered sensor (by `feed_id` in the registry). */
export interface FeedValue {
  feedId: string;
  quantity: string;
  time: Date;
  value: number;
}

export type FeedAdapter = (body: string) => FeedValue[];

const finite = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
};

/** Golemio / TSK Praha road-weather stations: an array of stations, `lastUpdated` in epoch ms. */
export const golemioMeteosensors: FeedAdapter = (body) => {
  const data: unknown = JSON.parse(body);
  if (!Array.isArray(data)) throw new Error('Golemio meteosensors: expected a JSON array');
  const fields: [string, string][] = [
    ['roadTemperature', 'road_temperature'],
    ['airTemperature', 'air_temperature'],
    ['humidity', 'relative_humidity'],
    ['windSpeed', 'wind_speed'],
    ['windDirection', 'wind_direction'],
    ['devPoint', 'dew_point'],
  ];
  const out: FeedValue[] = [];
  for (const s of data as Record<string, unknown>[]) {
    const ms = finite(s?.lastUpdated);
    if (s?.id == null || ms === null) continue;
    for (const [f, q] of fields) {
      const v = finite(s[f]);
      if (v !== null) out.push({ feedId: `golemio-meteo:${s.id}`, quantity: q, time: new Date(ms), value: v });
    }
  }
  return out;
};

const CHMI_CODES: Record<string, string> = { SO2: 'so2', NO2: 'no2', CO: 'co', O3: 'o3', PM10: 'pm10', PM2_5: 'pm2_5' };

/**
 * ČHMÚ AIM hourly feed (`actual_hour_data_cze.json`): States → Regions → Stations →
 * Components{Code, Int, Val}; values are strings, a missing `Val` means no value.
 * Time is the end of the averaging hour (DateToUTC). Hourly averages only, CO as published (8 h).
 */
export const chmiAim: FeedAdapter = (body) => {
  const data = JSON.parse(body) as { States?: { DateToUTC?: string; Regions?: { Stations?: { Code?: string; Components?: { Code?: string; Int?: string; Val?: string }[] }[] }[] }[] };
  if (!Array.isArray(data?.States)) throw new Error('ČHMÚ AIM: States missing');
  const out: FeedValue[] = [];
  for (const st of data.States) {
    const to = st.DateToUTC ? new Date(st.DateToUTC.replace(' ', 'T').replace(/\.0 UTC$/, 'Z').replace(/ UTC$/, 'Z')) : null;
    if (!to || Number.isNaN(to.getTime())) continue;
    for (const r of st.Regions ?? [])
      for (const s of r.Stations ?? [])
        for (const c of s.Components ?? []) {
          const q = c.Code ? CHMI_CODES[c.Code] : undefined;
          const v = finite(c.Val);
          if (!q || v === null || !s.Code) continue;
          if (c.Int !== '1h' && !(c.Code === 'CO' && c.Int === '8h')) continue;
          out.push({ feedId: `chmi:${s.Code}`, quantity: q, time: to, value: v });
        }
  }
  return out;
};

/** Generic CSV: header `feed_id,quantity,time,value` (time ISO 8601). */
export const csvFeed: FeedAdapter = (body) => {
  const rows = parseCsv(body, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  return rows.flatMap((r) => {
    const v = finite(r.value);
    const t = new Date(r.time ?? '');
    return r.feed_id && r.quantity && v !== null && !Number.isNaN(t.getTime()) ? [{ feedId: r.feed_id, quantity: r.quantity, time: t, value: v }] : [];
  });
};

export const ADAPTERS: Record<string, FeedAdapter> = { 'golemio-meteosensors': golemioMeteosensors, 'chmi-aim': chmiAim, csv: csvFeed };

export interface FeedConfig {
  id: string;
  adapter: keyof typeof ADAPTERS | string;
  url: string;
  /** cron pattern (croner), e.g. "5 * * * *" */
  schedule: string;
}

export async function fetchFeed(url: string, timeoutMs = 20_000): Promise<string> {
  if (url.startsWith('file:')) return readFile(fileURLToPath(url), 'utf8');
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

/** A feed's values for registered stations; out-of-range values become rejects, unregistered stations are skipped. */
export async function pullFeed(registry: SensorRegistry, feed: FeedConfig): Promise<Prepared & { skipped: number }> {
  const adapter = ADAPTERS[feed.adapter];
  const source = `feed:${feed.id}`;
  if (!adapter) return { observations: [], rejects: [{ source, kind: 'malformed', reason: `unknown feed adapter ${feed.adapter}` }], skipped: 0 };
  let values: FeedValue[];
  try {
    values = adapter(await fetchFeed(feed.url));
  } catch (e) {
    return { observations: [], rejects: [{ source, kind: 'malformed', reason: (e as Error).message }], skipped: 0 };
  }
  const observations: ObservationRow[] = [];
  const rejects: RejectRow[] = [];
  let skipped = 0;
  for (const v of values) {
    const sensor = await registry.findByFeed(v.feedId);
    if (!sensor) {
      skipped++;
      continue;
    }
    const q = getQuantity(v.quantity);
    if (!q) rejects.push({ source, kind: 'payload', sensorId: sensor.id, reason: `unknown quantity ${v.quantity}` });
    else if (v.value < q.min || v.value > q.max) rejects.push({ source, kind: 'out-of-range', sensorId: sensor.id, reason: `${q.code} = ${v.value} ${q.unit} outside ${q.min}…${q.max}` });
    else observations.push({ sensorId: sensor.id, quantity: q.code, time: v.time, value: v.value });
  }
  return { observations, rejects, skipped };
}
