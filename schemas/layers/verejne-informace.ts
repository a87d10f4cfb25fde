import type { LayerSchema } from '../types.ts';

/**
 * Public information for citizens: road closures, works, events and notices,
 * entered by city staff. Each item is valid between two dates; the map and the
 * /informace page show only what is valid today (`temporal`).
 */
export const verejneInformace: LayerSchema = {
  id: 'verejne-informace',
  title: { cs: 'Uzavírky a události', en: 'Closures and events' },
  description: {
    cs: 'Aktuální uzavírky komunikací, práce v ulicích, kulturní a jiné události a oznámení města s dobou platnosti.',
    en: 'Current road closures, street works, cultural and other events and city notices, with their validity period.',
  },
  theme: 'public-information',
  keywords: {
    cs: ['uzavírky', 'události', 'oznámení', 'doprava', 'veřejné informace'],
    en: ['closures', 'events', 'notices', 'traffic', 'public information'],
  },
  geometryType: 'Point',
  perMunicipality: true,
  attributes: [
    {
      name: 'nazev',
      type: 'text',
      label: { cs: 'Název', en: 'Title' },
      required: true,
      maxLength: 200,
      inTiles: true,
      isTitle: true,
    },
    {
      name: 'druh',
      type: 'code',
      label: { cs: 'Druh', en: 'Kind' },
      required: true,
      codeList: [
        { code: 'uzavirka', label: { cs: 'uzavírka', en: 'closure' }, color: '#c0392b' },
        { code: 'omezeni', label: { cs: 'omezení provozu', en: 'traffic restriction' }, color: '#d35400' },
        { code: 'prace', label: { cs: 'práce v ulici', en: 'street works' }, color: '#8e6c00' },
        { code: 'udalost', label: { cs: 'událost', en: 'event' }, color: '#6c3483' },
        { code: 'oznameni', label: { cs: 'oznámení', en: 'notice' }, color: '#1f618d' },
      ],
      inTiles: true,
    },
    {
      name: 'popis',
      type: 'text',
      label: { cs: 'Popis', en: 'Description' },
      maxLength: 2000,
    },
    {
      name: 'platnost_od',
      type: 'date',
      label: { cs: 'Platí od', en: 'Valid from' },
      required: true,
      inTiles: true,
    },
    {
      name: 'platnost_do',
      type: 'date',
      label: { cs: 'Platí do', en: 'Valid until' },
      inTiles: true,
    },
    {
      name: 'odkaz',
      type: 'text',
      label: { cs: 'Více informací (odkaz)', en: 'More information (link)' },
      maxLength: 500,
    },
  ],
  minZoom: 9,
  maxZoom: 22,
  style: { color: '#c0392b', categorizeBy: 'druh', radius: 7 },
  temporal: { start: 'platnost_od', end: 'platnost_do' },
  source: { cs: 'Statutární město Chomutov a obce ORP Chomutov', en: 'City of Chomutov and the municipalities of ORP Chomutov' },
};
