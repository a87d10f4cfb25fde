import type { LayerSchema } from '../types.ts';
import { RUIAN_SOURCE } from './_ruian.ts';

/** RÚIAN streets (ulice) with their defining lines: basemap street lines and names. */
export const ulice: LayerSchema = {
  id: 'ulice',
  title: { cs: 'Ulice (RÚIAN)', en: 'Streets (RÚIAN)' },
  description: {
    cs: 'Ulice obcí ORP Chomutov z RÚIAN s definiční čarou a kódem ulice; podkladová mapa.',
    en: 'Streets of the ORP Chomutov municipalities from RÚIAN with their defining line and street code; basemap.',
  },
  theme: 'boundaries',
  keywords: { cs: ['ulice', 'RÚIAN', 'podkladová mapa'], en: ['streets', 'RÚIAN', 'basemap'] },
  geometryType: 'MultiLineString',
  perMunicipality: true,
  attributes: [
    { name: 'kod', type: 'integer', label: { cs: 'Kód ulice', en: 'Street code' }, required: true, min: 1 },
    { name: 'nazev', type: 'text', label: { cs: 'Název', en: 'Name' }, required: true, maxLength: 150, inTiles: true, isTitle: true },
    { name: 'plati_od', type: 'date', label: { cs: 'Platí od', en: 'Valid from' } },
  ],
  minZoom: 13,
  maxZoom: 22,
  style: { color: '#c9c4bd', labelBy: 'nazev' },
  source: RUIAN_SOURCE,
};
