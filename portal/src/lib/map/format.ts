import { readableAttributes, type Attribute, type LayerSchema, type Theme } from '$schemas/index.ts';
import { formatDate, formatNumber, loc, t, type Lang } from '$lib/i18n.ts';
import { publicLayers } from './public-layers.ts';

/** Property that carries a pasport feature's municipality in the API and tiles. */
export const MUNICIPALITY_PROPERTY = 'obec_kod';

/**
 * A value as text for people: code-list labels, units, local number and date formats.
 * Always plain text — the components print it with `{…}`, which escapes it.
 */
export function displayValue(attr: Attribute | undefined, value: unknown, lang: Lang): string {
  if (value === undefined || value === null || value === '') return t('noValue', lang);
  if (!attr) return String(value);
  switch (attr.type) {
    case 'code':
      return attr.codeList.find((c) => c.code === String(value))?.label[lang] ?? String(value);
    case 'integer':
    case 'number': {
      const n = Number(value);
      const s = Number.isFinite(n) ? formatNumber(n, lang, attr.type === 'number' ? 2 : 0) : String(value);
      return attr.unit ? `${s} ${attr.unit}` : s;
    }
    case 'boolean':
      return value === true || value === 'true' ? t('yes', lang) : t('no', lang);
    case 'date':
      return formatDate(String(value), lang);
    default:
      return String(value);
  }
}

/** Comparable key for sorting a column: numbers as numbers, everything else as its displayed text. */
export function sortKey(attr: Attribute | undefined, value: unknown, lang: Lang): number | string {
  if (value === undefined || value === null || value === '') return '';
  if (attr && (attr.type === 'integer' || attr.type === 'number')) return Number(value);
  if (attr?.type === 'date') return String(value);
  return displayValue(attr, value, lang).toLocaleLowerCase(lang);
}

export interface AttributeRow {
  name: string;
  label: string;
  value: string;
}

/** The attributes of a feature in schema order, labelled from the schema. */
export function attributeRows(layer: LayerSchema, props: Record<string, unknown>, lang: Lang, municipalityName?: (kod: number) => string | undefined): AttributeRow[] {
  const out = readableAttributes(layer)
    .filter((a) => a.name in props)
    .map((a) => ({ name: a.name, label: loc(a.label, lang), value: displayValue(a, props[a.name], lang) }));
  if (MUNICIPALITY_PROPERTY in props && props[MUNICIPALITY_PROPERTY] != null) {
    const kod = Number(props[MUNICIPALITY_PROPERTY]);
    out.push({ name: MUNICIPALITY_PROPERTY, label: t('municipality', lang), value: municipalityName?.(kod) ?? String(kod) });
  }
  return out;
}

/** The feature's name: its title attribute, else the layer title and id. */
export function featureTitle(layer: LayerSchema, props: Record<string, unknown>, id: unknown, lang: Lang): string {
  const ta = layer.attributes.find((a) => a.isTitle);
  const v = ta ? props[ta.name] : undefined;
  if (v !== undefined && v !== null && v !== '') return String(v);
  return `${loc(layer.title, lang)} ${id ?? ''}`.trim();
}

const THEME_ORDER: Theme[] = ['public-information', 'sensors', 'waste', 'greenery', 'infrastructure', 'territorial-analysis', 'landuse', 'boundaries'];

/** Layers grouped by theme, in a fixed theme order; within a theme the top-drawn layer first. */
export function layersByTheme(list: readonly LayerSchema[] = publicLayers): { theme: Theme; layers: LayerSchema[] }[] {
  return THEME_ORDER.map((theme) => ({ theme, layers: [...list].reverse().filter((l) => l.theme === theme) })).filter((g) => g.layers.length > 0);
}

/** How a feature's location was captured (its `position` member, schemas/position.ts), for people; '' when unknown. */
export function positionRow(position: unknown, lang: Lang): string {
  if (!position || typeof position !== 'object') return '';
  const p = position as { source?: unknown; accuracy_m?: unknown };
  if (p.source === 'map') return t('positionMap', lang);
  if (p.source !== 'gps') return '';
  return typeof p.accuracy_m === 'number' ? t('positionGps', lang, formatNumber(p.accuracy_m, lang, p.accuracy_m < 10 ? 1 : 0)) : 'GPS';
}
