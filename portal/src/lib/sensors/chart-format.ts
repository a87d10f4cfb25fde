import type { Lang } from '$lib/i18n.ts';

/**
 * Axis and legend texts of the sensor chart in the page language and Prague
 * time. uPlot's own defaults are English ("9:00am", "Time") whatever the page.
 */

const ZONE = 'Europe/Prague';
const locale = (lang: Lang) => (lang === 'cs' ? 'cs-CZ' : 'en-GB');

/** the font of the axis values; the axis size is measured with it */
export const AXIS_FONT = '12px system-ui, sans-serif';
const LINE_HEIGHT = 1.5;
const TICK_SIZE = 10;
const GAP = 5;

function dayKey(ts: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ts * 1000));
}

/** "3. 12." / "3 Dec" */
export function formatDay(ts: number, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { timeZone: ZONE, day: 'numeric', month: lang === 'cs' ? 'numeric' : 'short' }).format(new Date(ts * 1000));
}

/** "09:00" in both languages (24-hour clock, as Czech and British readers expect) */
export function formatClock(ts: number, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ts * 1000));
}

/** The legend's time of the hovered point: "3. 12. 2026 9:00" / "03/12/2026, 09:00" */
export function formatInstant(ts: number, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { timeZone: ZONE, dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23' }).format(new Date(ts * 1000));
}

/**
 * Labels of the time axis ticks (epoch seconds). Ticks less than a day apart
 * show the clock, with the day above the first tick and at each new day;
 * coarser ticks show the day only.
 */
export function timeTicks(splits: number[], incrSeconds: number, lang: Lang): string[] {
  if (incrSeconds >= 86_400) return splits.map((ts) => formatDay(ts, lang));
  let prev = '';
  return splits.map((ts) => {
    const day = dayKey(ts);
    const label = day !== prev ? `${formatDay(ts, lang)}\n${formatClock(ts, lang)}` : formatClock(ts, lang);
    prev = day;
    return label;
  });
}

/** The size an axis needs for its labels, so none is cut off: width for a vertical axis, height for a horizontal one. */
export function axisSize(labels: string[], vertical: boolean, measure: (text: string) => number, fontPx = 12): number {
  const lines = labels.flatMap((l) => String(l ?? '').split('\n'));
  if (vertical) return Math.ceil(Math.max(0, ...lines.map(measure)) + TICK_SIZE + GAP + 4);
  const rows = Math.max(1, ...labels.map((l) => String(l ?? '').split('\n').length));
  return Math.ceil(rows * fontPx * LINE_HEIGHT + TICK_SIZE + GAP);
}
