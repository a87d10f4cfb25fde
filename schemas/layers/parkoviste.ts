import type { LayerSchema } from '../types.ts';
import { DTM_OBJECT_TYPES } from '../dtm.ts';
import { conditionAttribute, inventoryNumber, NOTE, SURFACE_CODES, SURFACE_DTM_CODES } from './_common.ts';

/** Parking lots with capacity, including spaces for disabled drivers (ZTP). */
export const parkoviste: LayerSchema = {
  id: 'parkoviste',
  title: { cs: 'Parkoviště', en: 'Parking lots' },
  description: {
    cs: 'Pasport parkovišť: kapacita, místa pro ZTP, způsob placení, povrch a stav.',
    en: 'Parking lot pasport: capacity, spaces for disabled drivers, payment, surface and condition.',
  },
  theme: 'infrastructure',
  keywords: { cs: ['parkoviště', 'parkování', 'doprava v klidu'], en: ['parking', 'car parks'] },
  geometryType: 'MultiPolygon',
  perMunicipality: true,
  attributes: [
    inventoryNumber({ cs: 'Číslo parkoviště', en: 'Parking lot number' }),
    { name: 'nazev', type: 'text', label: { cs: 'Název', en: 'Name' }, maxLength: 120, inTiles: true },
    { name: 'kapacita', type: 'integer', label: { cs: 'Kapacita', en: 'Capacity' }, required: true, min: 0, max: 5000, unit: 'míst', inTiles: true },
    { name: 'mista_ztp', type: 'integer', label: { cs: 'Místa pro ZTP', en: 'Disabled spaces' }, min: 0, max: 500, unit: 'míst', inTiles: true },
    {
      name: 'zpusob_placeni',
      type: 'code',
      label: { cs: 'Placení', en: 'Payment' },
      inTiles: true,
      codeList: [
        { code: 'zdarma', label: { cs: 'zdarma', en: 'free' }, color: '#1a9641' },
        { code: 'placene', label: { cs: 'placené', en: 'paid' }, color: '#2b83ba' },
        { code: 'rezidentni', label: { cs: 'rezidentní', en: 'residents' }, color: '#fdae61' },
        { code: 'kratkodobe', label: { cs: 'krátkodobé (kotouč)', en: 'short-stay (disc)' }, color: '#abd9e9' },
      ],
    },
    { name: 'povrch', type: 'code', label: { cs: 'Povrch', en: 'Surface' }, codeList: SURFACE_CODES },
    conditionAttribute(),
    NOTE,
  ],
  minZoom: 13,
  maxZoom: 22,
  style: { color: '#2b83ba', categorizeBy: 'zpusob_placeni', fillOpacity: 0.4, labelBy: 'kapacita' },
  dtm: {
    objectType: DTM_OBJECT_TYPES.ParkovisteOdstavnaPlochaPlocha,
    attributes: [{ element: 'PrevazujiciPovrch', from: 'povrch', codes: SURFACE_DTM_CODES, otherwise: '99' }],
  },
};
