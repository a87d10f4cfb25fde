import { BadParameter } from '../problem.ts';

export const AGGREGATES = { '1h': 'hour', '1d': 'day' } as const;
export type Aggregate = keyof typeof AGGREGATES;

export function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function parseInstant(param: string, v: string | undefined, fallback: Date): Date {
  if (v === undefined || v === '') return fallback;
  // ISO 8601 date or date-time only (Date.parse accepts much more)
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v))
    throw new BadParameter(param, `${param} must be an ISO 8601 date or date-time, got "${v}"`);
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new BadParameter(param, `${param} is not a valid time: "${v}"`);
  return d;
}

export function parseAggregate(v: string | undefined): Aggregate | undefined {
  if (v === undefined || v === '' || v === 'none') return undefined;
  if (!(v in AGGREGATES)) throw new BadParameter('aggregate', `aggregate must be one of ${Object.keys(AGGREGATES).join(', ')} (or omitted for raw values)`);
  return v as Aggregate;
}

export function parseDay(v: string): { from: Date; to: Date; day: string } {
  const m = /^(\d{4}-\d{2}-\d{2})\.csv$/.exec(v);
  const from = m ? new Date(`${m[1]}T00:00:00Z`) : new Date(Number.NaN);
  if (!m || Number.isNaN(from.getTime()) || from.toISOString().slice(0, 10) !== m[1])
    throw new BadParameter('date', `expected /daily/YYYY-MM-DD.csv, got "${v}"`);
  return { from, to: new Date(from.getTime() + 86_400_000), day: m[1]! };
}
