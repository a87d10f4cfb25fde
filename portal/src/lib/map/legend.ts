import type { LayerSchema } from '$schemas/index.ts';
import { loc, t, type Lang } from '$lib/i18n.ts';

export type LegendShape = 'circle' | 'line' | 'fill';

export interface LegendEntry {
  label: string;
  color: string;
}

export interface Legend {
  shape: LegendShape;
  /** what the colours mean (the categorising attribute), when categorised */
  title?: string;
  entries: LegendEntry[];
}

export function legendShape(layer: LayerSchema): LegendShape {
  if (layer.geometryType.endsWith('Polygon')) return 'fill';
  if (layer.geometryType.endsWith('LineString')) return 'line';
  return 'circle';
}

/** The legend the map style implies: one entry per code of `style.categorizeBy`, else the layer colour. */
export function legendOf(layer: LayerSchema, lang: Lang): Legend {
  const shape = legendShape(layer);
  const attr = layer.attributes.find((a) => a.name === layer.style.categorizeBy);
  if (!attr || attr.type !== 'code') return { shape, entries: [{ label: loc(layer.title, lang), color: layer.style.color }] };
  const entries = attr.codeList.map((c) => ({ label: c.label[lang], color: c.color ?? layer.style.color }));
  // the style's fallback colour: features without a value or with a code outside the list
  entries.push({ label: t('other', lang), color: layer.style.color });
  return { shape, title: loc(attr.label, lang), entries };
}
