import type { LayerSchema } from '../types.ts';

/**
 * Registry of IoT sensors (LoRaWAN devices and stations of pulled HTTP feeds).
 * Registry attributes are maintained like any pasport; `stav`, `posledni_hodnoty`
 * and `posledni_mereni` are kept current by the sensor ingest, so the map tiles
 * carry the latest state. Device type codes are the decoders' ids in
 * `etl/sensors/decoders/index.ts` (a test checks both lists agree).
 */
export const senzory: LayerSchema = {
  id: 'senzory',
  title: { cs: 'Senzory', en: 'Sensors' },
  description: {
    cs: 'Registr senzorů města a obcí (LoRaWAN, meteostanice, kvalita ovzduší, hladiny, parkování) s posledními naměřenými hodnotami a stavem výstrah.',
    en: 'Registry of the sensors of the city and municipalities (LoRaWAN, weather, air quality, water levels, parking) with their latest values and alert state.',
  },
  theme: 'sensors',
  keywords: {
    cs: ['senzory', 'IoT', 'LoRaWAN', 'meteo', 'ovzduší', 'náledí', 'chytré město'],
    en: ['sensors', 'IoT', 'LoRaWAN', 'weather', 'air quality', 'road ice', 'smart city'],
  },
  geometryType: 'Point',
  perMunicipality: true,
  attributes: [
    { name: 'nazev', type: 'text', label: { cs: 'Název', en: 'Name' }, required: true, maxLength: 200, inTiles: true, isTitle: true },
    {
      name: 'dev_eui',
      type: 'text',
      label: { cs: 'DevEUI (LoRaWAN)', en: 'DevEUI (LoRaWAN)' },
      description: { cs: '16 hexadecimálních číslic', en: '16 hexadecimal digits' },
      maxLength: 16,
    },
    {
      name: 'feed_id',
      type: 'text',
      label: { cs: 'Identifikátor ve zdroji dat', en: 'Identifier in the data feed' },
      description: { cs: 'Pro stanice stahované z HTTP zdrojů, např. chmi:UCHMA', en: 'For stations pulled from HTTP feeds, e.g. chmi:UCHMA' },
      maxLength: 100,
    },
    {
      name: 'typ_zarizeni',
      type: 'code',
      label: { cs: 'Typ zařízení', en: 'Device type' },
      required: true,
      inTiles: true,
      codeList: [
        { code: 'DL-ITST', label: { cs: 'Decentlab DL-ITST – teplota povrchu', en: 'Decentlab DL-ITST – surface temperature' }, color: '#1f78b4' },
        { code: 'DL-SHT35-001', label: { cs: 'Decentlab DL-SHT35 – teplota a vlhkost', en: 'Decentlab DL-SHT35 – temperature and humidity' }, color: '#33a02c' },
        { code: 'DL-ATM41', label: { cs: 'Decentlab DL-ATM41 – meteostanice', en: 'Decentlab DL-ATM41 – weather station' }, color: '#6a3d9a' },
        { code: 'DL-PM', label: { cs: 'Decentlab DL-PM – prachové částice', en: 'Decentlab DL-PM – particulate matter' }, color: '#b15928' },
        { code: 'AM319', label: { cs: 'Milesight AM319 – vnitřní ovzduší', en: 'Milesight AM319 – indoor air' }, color: '#ff7f00' },
        { code: 'EM310-UDL', label: { cs: 'Milesight EM310-UDL – naplnění nádoby', en: 'Milesight EM310-UDL – bin fill level' }, color: '#8c6d31' },
        { code: 'EM400-UDL', label: { cs: 'Milesight EM400-UDL – výška hladiny', en: 'Milesight EM400-UDL – level' }, color: '#0868ac' },
        { code: 'NWAVE-G4-NPS', label: { cs: 'Nwave G4 – parkovací místo', en: 'Nwave G4 – parking space' }, color: '#636363' },
        { code: 'BOSCH-PLS', label: { cs: 'Bosch – parkovací místo', en: 'Bosch – parking space' }, color: '#969696' },
        { code: 'golemio-meteo', label: { cs: 'Silniční meteostanice (Golemio)', en: 'Road weather station (Golemio)' }, color: '#1f78b4' },
        { code: 'chmi-aim', label: { cs: 'Stanice kvality ovzduší ČHMÚ', en: 'ČHMÚ air-quality station' }, color: '#e31a1c' },
      ],
    },
    {
      name: 'veliciny',
      type: 'text',
      label: { cs: 'Měřené veličiny', en: 'Measured quantities' },
      description: { cs: 'Kódy veličin oddělené čárkou', en: 'Comma-separated quantity codes' },
      maxLength: 500,
    },
    { name: 'lokalita', type: 'text', label: { cs: 'Lokalita (skupina senzorů)', en: 'Site (sensor group)' }, maxLength: 100 },
    { name: 'vlastnik', type: 'text', label: { cs: 'Vlastník / provozovatel', en: 'Owner / operator' }, required: true, maxLength: 200 },
    {
      name: 'interval_min',
      type: 'integer',
      label: { cs: 'Očekávaný interval hlášení', en: 'Expected reporting interval' },
      unit: 'min',
      min: 1,
      max: 10080,
      required: true,
    },
    {
      name: 'stav',
      type: 'code',
      label: { cs: 'Stav', en: 'State' },
      inTiles: true,
      codeList: [
        { code: 'ok', label: { cs: 'v pořádku', en: 'OK' }, color: '#1a9641' },
        { code: 'alert', label: { cs: 'výstraha', en: 'alert' }, color: '#d7191c' },
        { code: 'stale', label: { cs: 'nehlásí se', en: 'not reporting' }, color: '#7f7f7f' },
        { code: 'unknown', label: { cs: 'bez dat', en: 'no data' }, color: '#bdbdbd' },
      ],
    },
    { name: 'posledni_hodnoty', type: 'text', label: { cs: 'Poslední hodnoty', en: 'Latest values' }, maxLength: 1000, inTiles: true },
    { name: 'posledni_mereni', type: 'text', label: { cs: 'Čas posledního měření', en: 'Time of the latest measurement' }, maxLength: 40, inTiles: true },
    { name: 'poznamka', type: 'text', label: { cs: 'Poznámka', en: 'Note' }, maxLength: 1000 },
  ],
  minZoom: 8,
  maxZoom: 22,
  style: { color: '#1f78b4', categorizeBy: 'stav', radius: 6 },
  source: { cs: 'Provozovatelé senzorů; data LoRaWAN a HTTP zdrojů', en: 'Sensor operators; LoRaWAN and HTTP feeds' },
};
