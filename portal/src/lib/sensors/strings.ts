import type { Lang } from '$lib/i18n.ts';

/** UI strings of the sensor pages (Czech default, English). */
const S = {
  title: { cs: 'Senzory', en: 'Sensors' },
  intro: {
    cs: 'Aktuální hodnoty senzorů města a obcí (náledí, meteo, ovzduší, hladiny, parkování). Hodnoty se obnovují samy, jakmile senzor pošle nové měření.',
    en: 'Current values of the sensors of the city and municipalities (road ice, weather, air, water levels, parking). Values refresh by themselves as soon as a sensor sends a new measurement.',
  },
  mapLabel: { cs: 'Mapa senzorů', en: 'Map of sensors' },
  mapAlternative: { cs: 'Všechny senzory z mapy jsou i v tabulce „Seznam senzorů“ pod mapou.', en: 'Every sensor on the map is also in the table “List of sensors” below the map.' },
  tableCaption: { cs: 'Seznam senzorů', en: 'List of sensors' },
  colName: { cs: 'Senzor', en: 'Sensor' },
  colType: { cs: 'Typ', en: 'Type' },
  colState: { cs: 'Stav', en: 'State' },
  colValues: { cs: 'Poslední hodnoty', en: 'Latest values' },
  colTime: { cs: 'Měřeno', en: 'Measured' },
  colAlerts: { cs: 'Výstrahy', en: 'Alerts' },
  showChart: { cs: 'Graf: {0}', en: 'Chart: {0}' },
  live: { cs: 'Živá data připojena', en: 'Live data connected' },
  offline: { cs: 'Živá data nejsou připojena; zkoušíme znovu…', en: 'Live data not connected; retrying…' },
  updated: { cs: 'Nová hodnota: {0}', en: 'New value: {0}' },
  alertRaised: { cs: 'Výstraha: {0} – {1}', en: 'Alert: {0} – {1}' },
  alertCleared: { cs: 'Výstraha skončila: {0} – {1}', en: 'Alert ended: {0} – {1}' },
  noData: { cs: 'bez dat', en: 'no data' },
  loading: { cs: 'Načítám…', en: 'Loading…' },
  failed: { cs: 'Data senzorů se nepodařilo načíst.', en: 'Sensor data could not be loaded.' },
  chartTitle: { cs: 'Historie: {0}', en: 'History: {0}' },
  quantity: { cs: 'Veličina', en: 'Quantity' },
  range: { cs: 'Období', en: 'Period' },
  range24h: { cs: '24 hodin', en: '24 hours' },
  range7d: { cs: '7 dní', en: '7 days' },
  range30d: { cs: '30 dní', en: '30 days' },
  chartAlternative: {
    cs: 'Graf ukazuje průměr (čára) a rozpětí minimum–maximum (pás) za {0}. Stejná data: {1}.',
    en: 'The chart shows the average (line) and the min–max range (band) per {0}. The same data: {1}.',
  },
  perHour: { cs: 'hodinu', en: 'hour' },
  perDay: { cs: 'den', en: 'day' },
  downloadCsv: { cs: 'stáhnout CSV', en: 'download CSV' },
  noHistory: { cs: 'Za zvolené období nejsou žádná měření.', en: 'No measurements in the selected period.' },
  avg: { cs: 'průměr', en: 'average' },
  time: { cs: 'Čas', en: 'Time' },
  min: { cs: 'minimum', en: 'minimum' },
  max: { cs: 'maximum', en: 'maximum' },
  alertsTitle: { cs: 'Aktuální výstrahy', en: 'Current alerts' },
  noAlerts: { cs: 'Žádné výstrahy.', en: 'No alerts.' },
  since: { cs: 'od {0}', en: 'since {0}' },
  dashboards: { cs: 'Přehled obce', en: 'Municipality overview' },
  dashboardTitle: { cs: 'Přehled obce {0}', en: 'Overview of {0}' },
  sensorsCount: { cs: 'Senzorů', en: 'Sensors' },
  alertsCount: { cs: 'Výstrah', en: 'Alerts' },
  staleCount: { cs: 'Nehlásí se', en: 'Not reporting' },
  okCount: { cs: 'V pořádku', en: 'OK' },
  infrastructure: { cs: 'Stav infrastruktury (počet prvků v pasportech)', en: 'Infrastructure (features in the pasports)' },
  layer: { cs: 'Vrstva', en: 'Layer' },
  features: { cs: 'Prvků', en: 'Features' },
  backToSensors: { cs: 'Všechny senzory', en: 'All sensors' },
  notFound: { cs: 'Obec nenalezena.', en: 'Municipality not found.' },
  selectMunicipality: { cs: 'Přehled obce', en: 'Municipality overview' },
} as const;

export type SensorStringKey = keyof typeof S;

export function st(key: SensorStringKey, lang: Lang, ...args: (string | number)[]): string {
  return S[key][lang].replace(/\{(\d)\}/g, (_, i: string) => String(args[Number(i)] ?? ''));
}
