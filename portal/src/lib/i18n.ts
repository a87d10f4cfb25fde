import type { Localized } from '$schemas/index.ts';

export type Lang = 'cs' | 'en';

const STRINGS = {
  appTitle: { cs: 'Geoportál Chomutov', en: 'Chomutov Geoportal' },
  mapLabel: { cs: 'Mapa ORP Chomutov', en: 'Map of ORP Chomutov' },
  layers: { cs: 'Vrstvy', en: 'Layers' },
  featureDetail: { cs: 'Vlastnosti prvku', en: 'Feature attributes' },
  close: { cs: 'Zavřít', en: 'Close' },
  municipality: { cs: 'Obec', en: 'Municipality' },
  noValue: { cs: '—', en: '—' },
  clickHint: { cs: 'Klepněte na prvek v mapě pro zobrazení jeho vlastností.', en: 'Click a feature on the map to see its attributes.' },
  apiLink: { cs: 'API a otevřená data', en: 'API and open data' },
} satisfies Record<string, Localized>;

export function t(key: keyof typeof STRINGS, lang: Lang): string {
  return STRINGS[key][lang];
}

export function loc(l: Localized, lang: Lang): string {
  return l[lang];
}
