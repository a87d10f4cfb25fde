import { BadParameter } from '../problem.ts';

/** The `asOf` parameter of items and tiles: an RFC 3339 date-time (or a bare date = its start, UTC). */
export function parseAsOf(raw: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw)) throw new BadParameter('asOf', 'asOf must be an RFC 3339 timestamp, e.g. 2026-05-01T12:00:00Z');
  const d = new Date(raw);
  if (Number.isNaN(d.getTime())) throw new BadParameter('asOf', 'asOf is not a valid time');
  return d;
}

/** An instant this far back shows a settled past (history is append-only): answers about it may be kept a day. */
export const SETTLED_AFTER_MS = 60 * 60 * 1000;
