/**
 * How a feature's location was captured (issue 18.4, field work): by the device's GPS with its
 * reported accuracy, or by placing it on the map. One definition for every layer table: two
 * columns added to each by schemas/ddl.ts, written by the editing API (api/editing/position.ts),
 * shown in the editor, the identify panel and the history. A feature imported or written without
 * it has neither (unknown). Moving a feature without saying how clears it.
 */
export const POSITION_SOURCES = ['gps', 'map'] as const;
export type PositionSource = (typeof POSITION_SOURCES)[number];

/** The GeoJSON foreign member of a Feature that carries it: `"position": {"source": "gps", "accuracy_m": 4.5}`. */
export const POSITION_MEMBER = 'position';

export interface Position {
  source: PositionSource;
  /** the radius (m) in which the true location lies with 68 % probability, as the Geolocation API reports it; null when unknown */
  accuracy_m: number | null;
}

/** Accuracies above this are not a position worth storing (a phone without a fix reports kilometres). */
export const MAX_ACCURACY_M = 10_000;

/** The layer-table columns, in this order: source, accuracy (0.1 m). */
export const POSITION_COLUMNS = [
  { name: 'position_source', ddl: `text CHECK (position_source IN (${POSITION_SOURCES.map((s) => `'${s}'`).join(', ')}))` },
  { name: 'position_accuracy_m', ddl: 'numeric(7, 1) CHECK (position_accuracy_m >= 0)' },
] as const;

/** Checks a position member; returns it normalised (accuracy to 0.1 m) or the reason it is refused. */
export function parsePosition(raw: unknown): { position: Position | null } | { error: string } {
  if (raw === null || raw === undefined) return { position: null };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { error: 'expected an object {"source": "gps" | "map", "accuracy_m": number}' };
  const r = raw as Record<string, unknown>;
  const extra = Object.keys(r).filter((k) => k !== 'source' && k !== 'accuracy_m');
  if (extra.length) return { error: `unknown member ${extra[0]}` };
  if (!POSITION_SOURCES.includes(r.source as PositionSource)) return { error: `source must be one of ${POSITION_SOURCES.join(', ')}` };
  const a = r.accuracy_m;
  if (a !== null && a !== undefined && (typeof a !== 'number' || !Number.isFinite(a) || a < 0 || a > MAX_ACCURACY_M))
    return { error: `accuracy_m must be a number of metres from 0 to ${MAX_ACCURACY_M}` };
  const accuracy = typeof a === 'number' ? Math.round(a * 10) / 10 : null;
  if (r.source === 'map' && accuracy !== null) return { error: 'accuracy_m is given only for a GPS position' };
  return { position: { source: r.source as PositionSource, accuracy_m: accuracy } };
}
