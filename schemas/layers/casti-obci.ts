import type { LayerSchema } from '../types.ts';
import { RUIAN_SOURCE } from './_ruian.ts';

/** RÚIAN parts of municipalities (části obce) at their defining point: names on the basemap and in addresses. */
export const castiObci: LayerSchema = {
  id: 'casti-obci',
  title: { cs: 'Části obcí (RÚIAN)', en: 'Parts of municipalities (RÚIAN)' },
  description: {
    cs: 'Části obcí ORP Chomutov z RÚIAN s definičním bodem a kódem; názvy v podkladové mapě.',
    en: 'Parts of the ORP Chomutov municipalities from RÚIAN with their defining point and code; names on the basemap.',
  },
  theme: 'boundaries',
  keywords: { cs: ['části obcí', 'RÚIAN'], en: ['parts of municipalities', 'RÚIAN'] },
  geometryType: 'Point',
  perMunicipality: true,
  attributes: [
    { name: 'kod', type: 'integer', label: { cs: 'Kód části obce', en: 'Part of municipality code' }, required: true, min: 1 },
    { name: 'nazev', type: 'text', label: { cs: 'Název', en: 'Name' }, required: true, maxLength: 100, inTiles: true, isTitle: true },
    { name: 'plati_od', type: 'date', label: { cs: 'Platí od', en: 'Valid from' } },
  ],
  minZoom: 11,
  maxZoom: 22,
  style: { color: '#5b5650', radius: 1, labelBy: 'nazev' },
  source: RUIAN_SOURCE,
};
