/** Paper sizes and the map's scale on paper, for the print page (/tisk). */

export type Paper = 'a4' | 'a3';
export type Orientation = 'portrait' | 'landscape';

/** ISO 216 sizes in millimetres, portrait. */
const PAPER_MM: Record<Paper, [number, number]> = { a4: [210, 297], a3: [297, 420] };
/** page margin (mm), the title's row, the gap between the map and what is beside it */
export const MARGIN_MM = 10;
export const TITLE_MM = 11;
export const GAP_MM = 4;
/** landscape: the column right of the map (legend, scale, date, attribution, QR code) */
export const SIDE_MM = 80;
/** portrait: the share of the height under the title that the legend and the rest take under the map */
const BELOW_SHARE = 0.4;

export function paperSize(paper: Paper, o: Orientation): { width: number; height: number } {
  const [w, h] = PAPER_MM[paper];
  return o === 'portrait' ? { width: w, height: h } : { width: h, height: w };
}

/**
 * The map's box on the sheet (mm). Landscape: the map left, a column of SIDE_MM right of it;
 * portrait: the map over the full width, the legend and the rest under it.
 */
export function mapBoxMm(paper: Paper, o: Orientation): { width: number; height: number } {
  const p = paperSize(paper, o);
  const inner = { width: p.width - 2 * MARGIN_MM, height: p.height - 2 * MARGIN_MM - TITLE_MM };
  if (o === 'landscape') return { width: inner.width - SIDE_MM - GAP_MM, height: inner.height };
  return { width: inner.width, height: Math.floor(inner.height * (1 - BELOW_SHARE) - GAP_MM) };
}

/** CSS pixels per millimetre (CSS: 96 px per inch). */
export const PX_PER_MM = 96 / 25.4;

/** Ground metres per CSS pixel of a Web Mercator map (512 px tiles) at a latitude and zoom. */
export function metresPerPixel(lat: number, zoom: number): number {
  return (40_075_016.686 * Math.cos((lat * Math.PI) / 180)) / (512 * 2 ** zoom);
}

/** The scale of the printed map as 1 : N (N rounded to 2 significant digits' worth of a round number). */
export function scaleDenominator(lat: number, zoom: number): number {
  // one printed millimetre is PX_PER_MM CSS pixels of the map
  const n = (metresPerPixel(lat, zoom) * PX_PER_MM) * 1000;
  const mag = 10 ** Math.floor(Math.log10(n));
  return Math.round(n / (mag / 10)) * (mag / 10);
}

/** A scale bar no longer than `maxPx`: a round ground length (1, 2 or 5 × 10ⁿ m) and its length in pixels. */
export function scaleBar(lat: number, zoom: number, maxPx: number): { metres: number; px: number; label: string } {
  const mpp = metresPerPixel(lat, zoom);
  const max = mpp * maxPx;
  const mag = 10 ** Math.floor(Math.log10(max));
  const metres = [5, 2, 1].map((k) => k * mag).find((m) => m <= max) ?? mag;
  return { metres, px: metres / mpp, label: metres >= 1000 ? `${metres / 1000} km` : `${metres} m` };
}
