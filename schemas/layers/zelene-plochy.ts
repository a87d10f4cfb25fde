import type { LayerSchema } from '../types.ts';
import { DTM_OBJECT_TYPES } from '../dtm.ts';
import { inventoryNumber, NOTE } from './_common.ts';

/** Green areas maintained by the municipality (lawns, flower beds, shrubs), with their maintenance class. */
export const zelenePlochy: LayerSchema = {
  id: 'zelene-plochy',
  title: { cs: 'Zelené plochy', en: 'Green areas' },
  description: {
    cs: 'Pasport veřejné zeleně: druh plochy, kategorie údržby, výměra a počet sečí za rok.',
    en: 'Public greenery pasport: kind of area, maintenance class, area and mowings per year.',
  },
  theme: 'greenery',
  keywords: { cs: ['zeleň', 'trávníky', 'záhony', 'údržba zeleně'], en: ['greenery', 'lawns', 'flower beds', 'maintenance'] },
  geometryType: 'MultiPolygon',
  perMunicipality: true,
  attributes: [
    inventoryNumber({ cs: 'Číslo plochy', en: 'Area number' }),
    {
      name: 'druh',
      type: 'code',
      label: { cs: 'Druh plochy', en: 'Kind' },
      required: true,
      inTiles: true,
      codeList: [
        { code: 'travnik', label: { cs: 'trávník', en: 'lawn' }, color: '#a6d96a' },
        { code: 'luka', label: { cs: 'luční porost', en: 'meadow' }, color: '#d9ef8b' },
        { code: 'zahon', label: { cs: 'záhon', en: 'flower bed' }, color: '#f781bf' },
        { code: 'kere', label: { cs: 'keřová skupina', en: 'shrubs' }, color: '#4daf4a' },
        { code: 'park', label: { cs: 'parková plocha', en: 'park' }, color: '#1a9850' },
        { code: 'les', label: { cs: 'lesopark', en: 'urban forest' }, color: '#00441b' },
      ],
    },
    {
      name: 'kategorie_udrzby',
      type: 'code',
      label: { cs: 'Kategorie údržby', en: 'Maintenance class' },
      inTiles: true,
      codeList: [
        { code: 'I', label: { cs: 'I – reprezentativní', en: 'I – representative' }, color: '#006837' },
        { code: 'II', label: { cs: 'II – intenzivní', en: 'II – intensive' }, color: '#31a354' },
        { code: 'III', label: { cs: 'III – běžná', en: 'III – regular' }, color: '#78c679' },
        { code: 'IV', label: { cs: 'IV – extenzivní', en: 'IV – extensive' }, color: '#c2e699' },
      ],
    },
    { name: 'vymera', type: 'number', label: { cs: 'Výměra', en: 'Area' }, min: 0, max: 10_000_000, unit: 'm²' },
    { name: 'pocet_seci', type: 'integer', label: { cs: 'Počet sečí za rok', en: 'Mowings per year' }, min: 0, max: 20 },
    { name: 'spravce', type: 'text', label: { cs: 'Správce', en: 'Maintained by' }, maxLength: 120 },
    NOTE,
  ],
  minZoom: 13,
  maxZoom: 22,
  style: { color: '#1a9850', categorizeBy: 'druh', fillOpacity: 0.45 },
  dtm: {
    objectType: DTM_OBJECT_TYPES.UdrzovanaPlochaZelenePlocha,
    attributes: [
      {
        element: 'TypUdrzovaneZelene', from: 'druh', otherwise: '99',
        codes: { park: '1', les: '1', travnik: '2', luka: '2', zahon: '2', kere: '3' },
      },
    ],
  },
};
