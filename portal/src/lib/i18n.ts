import type { Localized, Theme } from '$schemas/index.ts';

export type Lang = 'cs' | 'en';
export const LANGS: readonly Lang[] = ['cs', 'en'];

const STRINGS = {
  appTitle: { cs: 'Geoportál Chomutov', en: 'Chomutov Geoportal' },
  skipToContent: { cs: 'Přeskočit na obsah', en: 'Skip to content' },
  mainNav: { cs: 'Hlavní navigace', en: 'Main navigation' },
  navMap: { cs: 'Mapa', en: 'Map' },
  navData: { cs: 'Data', en: 'Data' },
  navSensors: { cs: 'Senzory', en: 'Sensors' },
  navPlanning: { cs: 'Plánování', en: 'Planning' },
  navInfo: { cs: 'Informace', en: 'Information' },
  navDevelopers: { cs: 'Pro vývojáře', en: 'Developers' },
  navLogin: { cs: 'Přihlášení', en: 'Sign in' },
  switchLang: { cs: 'English', en: 'Česky' },
  switchLangLabel: { cs: 'Switch to English', en: 'Přepnout do češtiny' },
  menu: { cs: 'Nabídka', en: 'Menu' },
  mapLabel: { cs: 'Mapa ORP Chomutov', en: 'Map of ORP Chomutov' },
  mapAlternative: {
    cs: 'Prvky zobrazené v mapě jsou také v tabulce „Seznam prvků v mapě“.',
    en: 'The features shown on the map are also listed in the table “Features in the map view”.',
  },
  layers: { cs: 'Vrstvy', en: 'Layers' },
  showLayers: { cs: 'Vrstvy a legenda', en: 'Layers and legend' },
  opacity: { cs: 'Průhlednost vrstvy {0}', en: 'Opacity of layer {0}' },
  opacityShort: { cs: 'Krytí', en: 'Opacity' },
  legend: { cs: 'Legenda', en: 'Legend' },
  other: { cs: 'ostatní', en: 'other' },
  visibleFromZoom: { cs: 'viditelné od přiblížení {0}', en: 'visible from zoom {0}' },
  featureDetail: { cs: 'Vlastnosti prvku', en: 'Feature attributes' },
  close: { cs: 'Zavřít', en: 'Close' },
  municipality: { cs: 'Obec', en: 'Municipality' },
  noValue: { cs: '—', en: '—' },
  yes: { cs: 'ano', en: 'yes' },
  no: { cs: 'ne', en: 'no' },
  clickHint: {
    cs: 'Klepněte na prvek v mapě nebo ho vyberte v seznamu prvků pro zobrazení jeho vlastností.',
    en: 'Click a feature on the map or pick it in the feature list to see its attributes.',
  },
  apiLink: { cs: 'API a otevřená data', en: 'API and open data' },
  staleNotice: {
    cs: 'Některé části geoportálu teď nepracují, zobrazená data proto nemusí být aktuální.',
    en: 'Some parts of the geoportal are not working right now, so the data shown may not be up to date.',
  },
  theme_boundaries: { cs: 'Hranice', en: 'Boundaries' },
  theme_infrastructure: { cs: 'Technická infrastruktura', en: 'Infrastructure' },
  theme_greenery: { cs: 'Zeleň', en: 'Greenery' },
  theme_waste: { cs: 'Odpady', en: 'Waste' },
  theme_landuse: { cs: 'Územní plán', en: 'Land-use plan' },
  theme_sensors: { cs: 'Senzory', en: 'Sensors' },
  'theme_public-information': { cs: 'Veřejné informace', en: 'Public information' },
  uapStateLink: { cs: 'Stav územně analytických podkladů v obcích (odbor územního plánování)', en: 'State of the territorial analytical materials per municipality (planning department)' },
  'theme_territorial-analysis': { cs: 'Územně analytické podklady', en: 'Territorial analytical materials' },
  search: { cs: 'Hledat obec nebo místo', en: 'Search a municipality or place' },
  searchPlaceholder: { cs: 'např. Jirkov', en: 'e.g. Jirkov' },
  searchNoResults: { cs: 'Nic nenalezeno', en: 'Nothing found' },
  searchResults: { cs: 'Nalezeno: {0}', en: '{0} results' },
  searchHelp: {
    cs: 'Šipkami vyberte výsledek, Enter přiblíží mapu.',
    en: 'Use the arrow keys to pick a result, Enter zooms the map.',
  },
  tools: { cs: 'Nástroje', en: 'Tools' },
  measureDistance: { cs: 'Měřit vzdálenost', en: 'Measure distance' },
  measureArea: { cs: 'Měřit plochu', en: 'Measure area' },
  measureAddCenter: { cs: 'Přidat bod ve středu mapy', en: 'Add point at map centre' },
  measureUndo: { cs: 'Odebrat poslední bod', en: 'Remove last point' },
  measureStop: { cs: 'Ukončit měření', en: 'Stop measuring' },
  measureHint: {
    cs: 'Klepejte do mapy, nebo posuňte mapu a přidejte bod v jejím středu.',
    en: 'Click on the map, or pan the map and add a point at its centre.',
  },
  distance: { cs: 'Vzdálenost', en: 'Distance' },
  area: { cs: 'Plocha', en: 'Area' },
  share: { cs: 'Sdílet odkaz', en: 'Share link' },
  shareCopied: { cs: 'Odkaz na tento pohled byl zkopírován.', en: 'A link to this view was copied.' },
  shareLinkLabel: { cs: 'Odkaz na tento pohled', en: 'Link to this view' },
  exportPng: { cs: 'Uložit jako obrázek', en: 'Save as image' },
  exportDone: { cs: 'Obrázek mapy byl uložen.', en: 'The map image was saved.' },
  nearMe: { cs: 'V mém okolí', en: 'Near me' },
  geoLocating: { cs: 'Zjišťuji polohu…', en: 'Finding your location…' },
  geoDenied: {
    cs: 'Přístup k poloze jste nepovolili. Polohu můžete povolit v nastavení prohlížeče, nebo použijte hledání.',
    en: 'You did not allow access to your location. You can allow it in your browser settings or use the search.',
  },
  geoUnavailable: { cs: 'Polohu se nepodařilo zjistit. Zkuste to prosím znovu.', en: 'Your location could not be determined. Please try again.' },
  geoUnsupported: { cs: 'Tento prohlížeč zjištění polohy nepodporuje.', en: 'This browser cannot determine your location.' },
  geoOutside: { cs: 'Jste mimo ORP Chomutov; mapa ukazuje vaši polohu.', en: 'You are outside ORP Chomutov; the map shows your location.' },
  geoFound: { cs: 'Mapa ukazuje vaše okolí.', en: 'The map shows your surroundings.' },
  basemap: { cs: 'Podkladová mapa', en: 'Basemap' },
  basemapOffline: { cs: 'Základní (bez internetu)', en: 'Plain (offline)' },
  basemapOrtho: { cs: 'Ortofoto ČÚZK', en: 'ČÚZK orthophoto' },
  nearestAddress: { cs: 'Nejbližší adresa', en: 'Nearest address' },
  positionAccuracy: { cs: 'Přesnost polohy', en: 'Position accuracy' },
  positionGps: { cs: 'GPS, ± {0} m', en: 'GPS, ± {0} m' },
  positionMap: { cs: 'zadáno v mapě', en: 'placed on the map' },
  metresAway: { cs: '{0} m', en: '{0} m' },
  basemapZtm: { cs: 'Základní topografická mapa ČÚZK', en: 'ČÚZK topographic base map' },
  basemapVector: { cs: 'OpenStreetMap', en: 'OpenStreetMap' },
  basemapFailed: { cs: 'Podkladovou mapu se nepodařilo načíst; zobrazujeme základní mapu.', en: 'The basemap could not be loaded; showing the plain map.' },
  listView: { cs: 'Seznam prvků v mapě', en: 'Features in the map view' },
  listShow: { cs: 'Zobrazit seznam prvků', en: 'Show feature list' },
  listHide: { cs: 'Skrýt seznam prvků', en: 'Hide feature list' },
  listEmpty: { cs: 'V aktuálním výřezu mapy nejsou žádné prvky zapnutých vrstev.', en: 'No features of the visible layers in the current map view.' },
  listTruncated: { cs: 'Zobrazeno prvních {0} z {1} prvků; přibližte mapu.', en: 'Showing the first {0} of {1} features; zoom in.' },
  listCount: { cs: '{0} prvků', en: '{0} features' },
  sortBy: { cs: 'Řadit podle: {0}', en: 'Sort by: {0}' },
  showOnMap: { cs: 'Ukázat', en: 'Show' },
  showOnMapLabel: { cs: 'Ukázat {0} na mapě', en: 'Show {0} on the map' },
  loading: { cs: 'Načítám…', en: 'Loading…' },
  loadFailed: { cs: 'Data se nepodařilo načíst.', en: 'The data could not be loaded.' },
  mapFailed: {
    cs: 'Mapu nelze zobrazit (prohlížeč nepodporuje WebGL). Data najdete v seznamu prvků a v katalogu otevřených dat.',
    en: 'The map cannot be shown (the browser does not support WebGL). The data is in the feature list and the open data catalogue.',
  },
  // municipality page
  municipalityPage: { cs: 'Obec {0}', en: 'Municipality {0}' },
  municipalityPageLink: { cs: 'Stránka obce {0}', en: 'Page of {0}' },
  municipalityMap: { cs: 'Mapa obce {0}', en: 'Map of {0}' },
  municipalityNotFound: { cs: 'Obec s tímto kódem v ORP Chomutov není.', en: 'There is no municipality with this code in ORP Chomutov.' },
  population: { cs: 'Počet obyvatel', en: 'Population' },
  ruianCode: { cs: 'Kód RÚIAN', en: 'RÚIAN code' },
  pasports: { cs: 'Pasporty a vrstvy', en: 'Pasports and layers' },
  layer: { cs: 'Vrstva', en: 'Layer' },
  count: { cs: 'Počet prvků', en: 'Features' },
  lastUpdate: { cs: 'Poslední změna', en: 'Last update' },
  countApprox: { cs: 'počet prvků v obdélníku kolem obce (včetně okolí)', en: 'features within the rectangle around the municipality (including surroundings)' },
  openData: { cs: 'Otevřená data obce', en: 'Open data of the municipality' },
  byState: { cs: 'Podle stavu', en: 'By state' },
  print: { cs: 'Tisk do PDF', en: 'Print to PDF' },
  printHeading: { cs: 'Tisk mapy', en: 'Print the map' },
  printMapTitle: { cs: 'Nadpis', en: 'Title' },
  printPaper: { cs: 'Formát papíru', en: 'Paper size' },
  printOrientation: { cs: 'Orientace', en: 'Orientation' },
  printPortrait: { cs: 'na výšku', en: 'portrait' },
  printLandscape: { cs: 'na šířku', en: 'landscape' },
  printNow: { cs: 'Tisknout / uložit jako PDF', en: 'Print / save as PDF' },
  printHint: { cs: 'V dialogu tisku zvolte „Uložit jako PDF“.', en: 'Choose "Save as PDF" in the print dialog.' },
  printLegend: { cs: 'Legenda', en: 'Legend' },
  printScale: { cs: 'Měřítko 1 : {0}', en: 'Scale 1 : {0}' },
  printNorth: { cs: 'S', en: 'N' },
  printNorthLabel: { cs: 'Sever', en: 'North' },
  printDate: { cs: 'Vytištěno {0}', en: 'Printed {0}' },
  printQr: { cs: 'QR kód odkazu na tuto mapu', en: 'QR code of the link to this map' },
  printAttribution: { cs: 'Data: {0}. Mapa: Geoportál Chomutov.', en: 'Data: {0}. Map: Geoportál Chomutov.' },
  stateUnknown: { cs: 'neuvedeno', en: 'not given' },
  dashInfra: { cs: 'Stav infrastruktury', en: 'State of the infrastructure' },
  dashChanges: { cs: 'Změny za posledních {0} dní', en: 'Changes in the last {0} days' },
  dashChangesNone: { cs: 'Žádné změny.', en: 'No changes.' },
  dashChangesTotal: { cs: 'Změněných prvků: {0}', en: 'Features changed: {0}' },
  dashClosures: { cs: 'Uzavírky a události v obci', en: 'Closures and events in the municipality' },
  dashClosuresCount: { cs: 'Platí nyní: {0} · plánované: {1}', en: 'Valid now: {0} · planned: {1}' },
  dashAllClosures: { cs: 'Všechny uzavírky a události', en: 'All closures and events' },
  dashAlerts: { cs: 'Výstrahy senzorů', en: 'Sensor alerts' },
  dashAlertsOpen: { cs: 'Aktivní výstrahy: {0}', en: 'Active alerts: {0}' },
  dashAlertsHistory: { cs: 'Ukončené výstrahy ({0})', en: 'Ended alerts ({0})' },
  dashAlertFrom: { cs: 'od {0}', en: 'since {0}' },
  dashAlertSpan: { cs: '{0} – {1}', en: '{0} – {1}' },
  dashFreshness: { cs: 'Aktuálnost dat', en: 'Data freshness' },
  dashLastImport: { cs: 'Poslední import', en: 'Last import' },
  dashFrequency: { cs: 'Deklarovaná periodicita', en: 'Declared frequency' },
  dashFreshState: { cs: 'Stav', en: 'Status' },
  dashFresh: { cs: 'aktuální', en: 'up to date' },
  dashStale: { cs: 'zastaralá', en: 'out of date' },
  dashNoDeadline: { cs: 'bez lhůty', en: 'no deadline' },
  dashNoData: { cs: 'bez dat', en: 'no data' },
  dashDatasets: { cs: 'Otevřená data obce', en: 'Open data of the municipality' },
  dashDatasetCount: { cs: '{0} prvků', en: '{0} features' },
  openDataLink: { cs: 'Datové sady obce {0} v katalogu', en: 'Datasets of {0} in the catalogue' },
  allMunicipalities: { cs: 'Obce ORP Chomutov', en: 'Municipalities of ORP Chomutov' },
  showOnMainMap: { cs: 'Otevřít v hlavní mapě', en: 'Open in the main map' },
  // planner
  plannerTitle: { cs: 'Plánování území', en: 'Spatial planning' },
  plannerIntro: {
    cs: 'Infrastruktura nad územním plánem, porovnání dvou stavů a hustota prvků.',
    en: 'Infrastructure over the land-use plan, comparison of two states and feature density.',
  },
  compare: { cs: 'Porovnání', en: 'Comparison' },
  compareLeft: { cs: 'Levá strana', en: 'Left side' },
  compareRight: { cs: 'Pravá strana', en: 'Right side' },
  swipe: { cs: 'Posuvník porovnání', en: 'Comparison slider' },
  compareNone: { cs: 'nic', en: 'nothing' },
  compareNote: {
    cs: 'Porovnává dvě vrstvy (nebo dva stavy) vedle sebe; verze územního plánu se zobrazí, jakmile je API nabídne.',
    en: 'Compares two layers (or two states) side by side; land-use plan versions appear once the API offers them.',
  },
  compareOn: { cs: 'Porovnat dvě strany posuvníkem', en: 'Compare two sides with a slider' },
  compareMunicipality: { cs: 'Obec (verze územního plánu)', en: 'Municipality (land-use plan versions)' },
  compareLayer: { cs: 'Vrstva územního plánu', en: 'Land-use plan layer' },
  compareVersionsNone: {
    cs: 'Obec nemá uložené dvě verze územního plánu; porovnávají se dvě vrstvy.',
    en: 'The municipality has fewer than two stored plan versions; two layers are compared.',
  },
  compareMapLeft: { cs: 'Mapa porovnání – levá strana: {0}', en: 'Comparison map – left side: {0}' },
  compareMapRight: { cs: 'Mapa porovnání – pravá strana: {0}', en: 'Comparison map – right side: {0}' },
  overlays: { cs: 'Hustota a hodnoty senzorů', en: 'Density and sensor values' },
  quantity: { cs: 'Veličina', en: 'Quantity' },
  plannerMap: { cs: 'Mapa pro plánování', en: 'Planning map' },
  planVersion: { cs: 'Verze územního plánu', en: 'Land-use plan version' },
  // time travel (issue 18.9)
  plannerMunicipality: { cs: 'Obec', en: 'Municipality' },
  plannerWholeOrp: { cs: 'celé ORP Chomutov', en: 'the whole ORP Chomutov' },
  timeTravel: { cs: 'Časová osa', en: 'Time travel' },
  timeTravelOn: { cs: 'Zobrazit vrstvu, jak vypadala k datu', en: 'Show a layer as it was on a date' },
  timeTravelLayer: { cs: 'Vrstva', en: 'Layer' },
  timeTravelAt: { cs: 'Stav k', en: 'State as of' },
  timeTravelCompare: { cs: 'Porovnat posuvníkem se stavem k', en: 'Compare with a slider to the state as of' },
  timeTravelCompareOn: { cs: 'Porovnat dva stavy posuvníkem', en: 'Compare two states with a slider' },
  timeTravelNone: { cs: 'Vrstva zatím nemá žádné změny.', en: 'The layer has no changes yet.' },
  timeTravelHint: {
    cs: 'Posuvník se zastavuje v okamžicích, kdy se vrstva měnila (import, úprava); šipkami o jeden krok, Home a End na začátek a konec.',
    en: 'The slider stops at the moments the layer changed (an import, an edit); arrow keys move one step, Home and End to the first and last.',
  },
  timeTravelMoments: { cs: '{0} okamžiků změn', en: '{0} moments of change' },
  timeTravelMapLabel: { cs: 'Mapa: {0} ke dni {1}', en: 'Map: {0} as of {1}' },
  changesTitle: { cs: 'Změny ({0})', en: 'Changes ({0})' },
  changesBetween: { cs: 'Mezi {0} a {1}', en: 'Between {0} and {1}' },
  changesNone: { cs: 'Žádné změny.', en: 'No changes.' },
  changesMore: { cs: 'Zobrazeno prvních {0}.', en: 'The first {0} are shown.' },
  changeAdded: { cs: 'Přidáno', en: 'Added' },
  changeChanged: { cs: 'Změněno', en: 'Changed' },
  changeRemoved: { cs: 'Odstraněno', en: 'Removed' },
  changeZoom: { cs: 'Přiblížit: {0}', en: 'Zoom to: {0}' },
  changesSummary: { cs: 'přidáno {0}, změněno {1}, odstraněno {2}', en: '{0} added, {1} changed, {2} removed' },
  compareVersionsChanges: { cs: 'Změny mezi verzemi územního plánu', en: 'Changes between the land-use plan versions' },
  density: { cs: 'Hustota bodů (hexagony)', en: 'Point density (hexagons)' },
  densityLayer: { cs: 'Vrstva pro hustotu', en: 'Layer for density' },
  sensorsColumns: { cs: 'Hodnoty senzorů (sloupce)', en: 'Sensor values (columns)' },
  sensorsUnavailable: { cs: 'Data senzorů zatím nejsou k dispozici.', en: 'Sensor data is not available yet.' },
  overlayLoaded: { cs: 'Zobrazeno {0} bodů.', en: '{0} points shown.' },
  // public information
  infoTitle: { cs: 'Uzavírky a události', en: 'Closures and events' },
  infoIntro: {
    cs: 'Uzavírky, práce v ulicích, události a oznámení na území ORP Chomutov: místa, úseky ulic a plochy.',
    en: 'Closures, street works, events and notices in ORP Chomutov: places, street sections and areas.',
  },
  infoNone: { cs: 'Právě neplatí žádné uzavírky ani události.', en: 'No closures or events are currently valid.' },
  infoNonePlanned: { cs: 'Žádné uzavírky ani události nejsou naplánovány.', en: 'No closures or events are planned.' },
  infoNonePast: { cs: 'Žádné proběhlé uzavírky ani události.', en: 'No past closures or events.' },
  infoWhen: { cs: 'Zobrazit', en: 'Show' },
  infoNow: { cs: 'Platí nyní', en: 'Valid now' },
  infoPlanned: { cs: 'Plánované', en: 'Planned' },
  infoPast: { cs: 'Proběhlé', en: 'Past' },
  infoCount: { cs: 'Položek: {0}', en: 'Items: {0}' },
  infoFeeds: { cs: 'Odebírat aktuální a plánované', en: 'Subscribe to current and planned' },
  infoCalendar: { cs: 'Kalendář (iCalendar)', en: 'Calendar (iCalendar)' },
  infoRss: { cs: 'RSS', en: 'RSS' },
  infoAtom: { cs: 'Atom', en: 'Atom' },
  geomPoint: { cs: 'místo', en: 'place' },
  geomLine: { cs: 'úsek', en: 'section' },
  geomArea: { cs: 'plocha', en: 'area' },
  validUntilFurther: { cs: 'Platí od {0} do odvolání', en: 'Valid from {0} until further notice' },
  infoOnMap: { cs: 'Na mapě', en: 'On the map' },
  validFromTo: { cs: 'Platí od {0} do {1}', en: 'Valid from {0} until {1}' },
  validFrom: { cs: 'Platí od {0}', en: 'Valid from {0}' },
  notFound: { cs: 'Stránka nenalezena', en: 'Page not found' },
  notFoundText: { cs: 'Tato adresa na geoportálu neexistuje. Možná byla stránka přesunuta nebo je v odkazu překlep.', en: 'This address does not exist on the geoportal. The page may have moved, or the link has a typo.' },
  error: { cs: 'Chyba', en: 'Error' },
  errorText: { cs: 'Stránku se nepodařilo zobrazit. Zkuste to prosím znovu za chvíli.', en: 'The page could not be shown. Please try again in a moment.' },
  editFeature: { cs: 'Upravit v editoru', en: 'Edit in the editor' },
  backToMap: { cs: 'Zpět na mapu', en: 'Back to the map' },
} satisfies Record<string, Localized>;

export type StringKey = keyof typeof STRINGS;

/** A UI string; `{0}`, `{1}` … are replaced by the arguments (as text: Svelte escapes on output). */
export function t(key: StringKey, lang: Lang, ...args: (string | number)[]): string {
  return STRINGS[key][lang].replace(/\{(\d)\}/g, (_, i: string) => String(args[Number(i)] ?? ''));
}

export function loc(l: Localized, lang: Lang): string {
  return l[lang];
}

export function themeLabel(theme: Theme, lang: Lang): string {
  return t(`theme_${theme}` as StringKey, lang);
}

/** Czech is the default; `?lang=en` selects English and survives every link the portal builds. */
export function langFromUrl(url: URL): Lang {
  return url.searchParams.get('lang') === 'en' ? 'en' : 'cs';
}

/** `href` with the language parameter of `lang` (absent for Czech, the default). */
export function withLang(href: string, lang: Lang): string {
  const u = new URL(href, 'http://x');
  if (lang === 'en') u.searchParams.set('lang', 'en');
  else u.searchParams.delete('lang');
  const qs = u.searchParams.toString();
  return u.pathname + (qs ? `?${qs}` : '') + u.hash;
}

export function formatNumber(n: number, lang: Lang, digits = 0): string {
  return new Intl.NumberFormat(lang === 'cs' ? 'cs-CZ' : 'en-GB', { maximumFractionDigits: digits }).format(n);
}

export function formatDate(v: string, lang: Lang): string {
  const d = new Date(v.length === 10 ? `${v}T00:00:00` : v);
  if (Number.isNaN(d.getTime())) return v;
  return new Intl.DateTimeFormat(lang === 'cs' ? 'cs-CZ' : 'en-GB', { dateStyle: 'medium' }).format(d);
}
