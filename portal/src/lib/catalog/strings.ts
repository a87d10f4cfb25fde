import type { Localized } from '$schemas/index.ts';

/** Strings of the open-data pages (/data), Czech first. */
export type Lang = 'cs' | 'en';

const S = {
  title: { cs: 'Otevřená data', en: 'Open data' },
  intro: {
    cs: 'Datové sady geoportálu ke stažení a přes API. Katalog je ve formátu DCAT-AP-CZ a sklízí jej Národní katalog otevřených dat.',
    en: 'Datasets of the geoportal to download and through the API. The catalogue follows DCAT-AP-CZ and is harvested by the Czech National Open Data Catalogue.',
  },
  search: { cs: 'Hledat v datových sadách', en: 'Search datasets' },
  searchPlaceholder: { cs: 'např. odpad, stromy, územní plán', en: 'e.g. waste, trees, land use' },
  sort: { cs: 'Řadit', en: 'Sort' },
  relevance: { cs: 'podle relevance', en: 'by relevance' },
  freshness: { cs: 'podle aktuálnosti', en: 'by freshness' },
  filters: { cs: 'Filtry', en: 'Filters' },
  theme: { cs: 'Téma', en: 'Theme' },
  municipality: { cs: 'Obec', en: 'Municipality' },
  format: { cs: 'Formát', en: 'Format' },
  keyword: { cs: 'Klíčové slovo', en: 'Keyword' },
  frequency: { cs: 'Periodicita aktualizace', en: 'Update frequency' },
  results: { cs: 'Nalezeno datových sad: {0}', en: '{0} datasets found' },
  clear: { cs: 'Zrušit filtry', en: 'Clear filters' },
  loading: { cs: 'Načítám…', en: 'Loading…' },
  loadFailed: { cs: 'Data se nepodařilo načíst.', en: 'The data could not be loaded.' },
  updated: { cs: 'Aktualizováno', en: 'Updated' },
  features: { cs: 'Počet prvků', en: 'Features' },
  back: { cs: 'Zpět na seznam datových sad', en: 'Back to the datasets' },
  description: { cs: 'Popis', en: 'Description' },
  preview: { cs: 'Náhled v mapě', en: 'Map preview' },
  mapLabel: { cs: 'Náhled datové sady v mapě', en: 'Map preview of the dataset' },
  table: { cs: 'Náhled atributů (prvních {0} prvků)', en: 'Attribute preview (first {0} features)' },
  downloads: { cs: 'Ke stažení', en: 'Downloads' },
  download: { cs: 'Stáhnout {0}', en: 'Download {0}' },
  sizeUnknown: { cs: 'velikost se zjišťuje', en: 'size being computed' },
  api: { cs: 'Přístup přes API', en: 'API access' },
  qgis: { cs: 'QGIS', en: 'QGIS' },
  qgisSteps: {
    cs: 'Vrstva → Přidat vrstvu → Přidat vrstvu WFS / OGC API – Features; nové spojení s URL {0}; vyberte vrstvu „{1}“.',
    en: 'Layer → Add Layer → Add WFS / OGC API – Features Layer; new connection with URL {0}; pick the layer “{1}”.',
  },
  terms: { cs: 'Podmínky užití', en: 'Terms of use' },
  termsText: {
    cs: 'Data neobsahují autorská díla ani osobní údaje, nejsou autorskoprávně chráněnou databází ani chráněna zvláštním právem pořizovatele databáze: lze je volně užívat.',
    en: 'The data contain no copyrighted works and no personal data, are not a copyrighted database and carry no sui generis database right: free to use.',
  },
  hvd: { cs: 'Datová sada s vysokou hodnotou (prováděcí nařízení EU 2023/138), kategorie:', en: 'High-value dataset (Implementing Regulation (EU) 2023/138), category:' },
  quality: { cs: 'Kvalita dat', en: 'Data quality' },
  lastImport: { cs: 'Poslední úspěšný import', en: 'Last successful import' },
  source: { cs: 'Zdroj', en: 'Source' },
  validation: { cs: 'Validace posledního importu', en: 'Validation of the last import' },
  validationText: { cs: 'načteno {0}, odmítnuto {1}, varování {2}', en: '{0} read, {1} rejected, {2} warnings' },
  freshnessLabel: { cs: 'Aktuálnost', en: 'Freshness' },
  fresh: { cs: 'aktuální vzhledem k deklarované periodicitě ({0})', en: 'up to date for its declared frequency ({0})' },
  stale: { cs: 'zastaralá: neaktualizováno déle, než slibuje periodicita ({0})', en: 'stale: not updated within its declared frequency ({0})' },
  noDeadline: { cs: 'periodicita {0} nestanoví lhůtu', en: 'frequency {0} sets no deadline' },
  never: { cs: 'zatím žádný', en: 'none yet' },
  catalogRecord: { cs: 'Záznam v katalogu (DCAT-AP-CZ)', en: 'Catalogue record (DCAT-AP-CZ)' },
  noResults: { cs: 'Žádná datová sada neodpovídá hledání.', en: 'No dataset matches the search.' },
} satisfies Record<string, Localized>;

export type CatalogStringKey = keyof typeof S;

export function ct(key: CatalogStringKey, lang: Lang, ...args: (string | number)[]): string {
  return S[key][lang].replace(/\{(\d)\}/g, (_, i: string) => String(args[Number(i)] ?? ''));
}

export function langOf(url: URL): Lang {
  return url.searchParams.get('lang') === 'en' ? 'en' : 'cs';
}

export function withLang(href: string, lang: Lang): string {
  if (lang === 'cs') return href;
  return href + (href.includes('?') ? '&' : '?') + 'lang=en';
}

export function formatBytes(n: number | undefined, lang: Lang): string {
  if (n === undefined) return ct('sizeUnknown', lang);
  const units = ['B', 'kB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${new Intl.NumberFormat(lang === 'cs' ? 'cs-CZ' : 'en-GB', { maximumFractionDigits: i ? 1 : 0 }).format(v)} ${units[i]}`;
}

export function formatDateTime(iso: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'cs' ? 'cs-CZ' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}
