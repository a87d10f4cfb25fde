import type { Localized } from '$schemas/index.ts';
import { senzory } from '$schemas/layers/senzory.ts';
import type { Lang } from '$lib/i18n.ts';

export interface LatestValue {
  value: number;
  time: string;
  unit: string;
}
export interface OpenAlert {
  rule: string;
  severity: string;
  since: string;
  detail: string;
}
export interface SensorProps {
  nazev: string;
  typ_zarizeni: string;
  stav: string | null;
  municipality_code: number | null;
  veliciny: string | null;
  latest: Record<string, LatestValue>;
  alerts: OpenAlert[];
  [k: string]: unknown;
}
export interface SensorFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: SensorProps;
}
export interface QuantityInfo {
  label: Localized;
  unit: string;
  decimals: number;
}
export interface SensorCollection {
  type: 'FeatureCollection';
  features: SensorFeature[];
  quantities: Record<string, QuantityInfo>;
  rules: Record<string, { label: Localized; severity: string }>;
}
/** one sensor in a `latest` stream event */
export interface SensorState {
  id: string;
  stav: string;
  time: string | null;
  values: Record<string, number>;
}
export interface AlertChange {
  sensorId: string;
  ruleId: string;
  state: 'raised' | 'cleared';
  at: string;
  detail: string;
  label: Localized;
}

export async function fetchSensors(municipality?: number): Promise<SensorCollection> {
  const r = await fetch(`/api/sensors${municipality ? `?municipality=${municipality}` : ''}`, { headers: { Accept: 'application/geo+json' } });
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return (await r.json()) as SensorCollection;
}

/** Colours and labels of `stav` and `typ_zarizeni` come from the layer schema (one source of truth). */
const attr = (name: string) => senzory.attributes.find((a) => a.name === name);
function codeList(name: string) {
  const a = attr(name);
  return a && a.type === 'code' ? a.codeList : [];
}
export const STATES = codeList('stav');
export function stateLabel(code: string | null, lang: Lang): string {
  return STATES.find((c) => c.code === (code ?? 'unknown'))?.label[lang] ?? code ?? '';
}
export function stateColor(code: string | null): string {
  return STATES.find((c) => c.code === (code ?? 'unknown'))?.color ?? '#bdbdbd';
}
export function typeLabel(code: string, lang: Lang): string {
  return codeList('typ_zarizeni').find((c) => c.code === code)?.label[lang] ?? code;
}

const HIDDEN = new Set(['battery_voltage', 'battery_level', 'device_temperature']);

/** The sensor's main quantities in registry order (battery and device temperature last). */
export function quantityOrder(p: SensorProps): string[] {
  const declared = (p.veliciny ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const all = [...new Set([...declared, ...Object.keys(p.latest)])];
  return [...all.filter((q) => !HIDDEN.has(q)), ...all.filter((q) => HIDDEN.has(q))];
}

export function formatValue(v: number, q: QuantityInfo | undefined, lang: Lang): string {
  const n = new Intl.NumberFormat(lang === 'cs' ? 'cs-CZ' : 'en-GB', { maximumFractionDigits: q?.decimals ?? 1, minimumFractionDigits: q?.decimals ?? 0 }).format(v);
  return q?.unit ? `${n} ${q.unit}` : n;
}

export function formatTime(iso: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'cs' ? 'cs-CZ' : 'en-GB', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Prague' }).format(new Date(iso));
}

/** "−1,5 °C · 93 %" of the main latest values */
export function summary(p: SensorProps, quantities: Record<string, QuantityInfo>, lang: Lang, max = 3): string {
  return quantityOrder(p)
    .filter((q) => p.latest[q] && !HIDDEN.has(q))
    .slice(0, max)
    .map((q) => formatValue(p.latest[q]!.value, quantities[q], lang))
    .join(' · ');
}

/** Applies a stream event to the collection in place; returns the ids that changed. */
export function applyLatest(c: SensorCollection, states: SensorState[]): string[] {
  const changed: string[] = [];
  for (const s of states) {
    const f = c.features.find((x) => x.id === s.id);
    if (!f) continue;
    f.properties.stav = s.stav;
    for (const [q, v] of Object.entries(s.values)) f.properties.latest[q] = { value: v, time: s.time ?? f.properties.latest[q]?.time ?? '', unit: c.quantities[q]?.unit ?? '' };
    changed.push(s.id);
  }
  return changed;
}

export function applyAlerts(c: SensorCollection, changes: AlertChange[]): void {
  for (const a of changes) {
    const f = c.features.find((x) => x.id === a.sensorId);
    if (!f) continue;
    f.properties.alerts = f.properties.alerts.filter((x) => x.rule !== a.ruleId);
    if (a.state === 'raised') f.properties.alerts.push({ rule: a.ruleId, severity: '', since: a.at, detail: a.detail });
  }
}
