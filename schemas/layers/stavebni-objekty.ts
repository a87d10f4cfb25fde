import type { LayerSchema } from '../types.ts';
import { RUIAN_SOURCE } from './_ruian.ts';

/** RÚIAN buildings (stavební objekty) with their footprints: the basemap's building fill. */
export const stavebniObjekty: LayerSchema = {
  id: 'stavebni-objekty',
  title: { cs: 'Budovy (RÚIAN)', en: 'Buildings (RÚIAN)' },
  description: {
    cs: 'Stavební objekty obcí ORP Chomutov z RÚIAN: půdorys, čísla domovní, způsob využití; podkladová mapa.',
    en: 'Buildings of the ORP Chomutov municipalities from RÚIAN: footprint, house numbers, use; basemap.',
  },
  theme: 'boundaries',
  keywords: { cs: ['budovy', 'stavební objekty', 'RÚIAN', 'podkladová mapa'], en: ['buildings', 'RÚIAN', 'basemap'] },
  geometryType: 'MultiPolygon',
  perMunicipality: true,
  attributes: [
    { name: 'kod', type: 'integer', label: { cs: 'Kód stavebního objektu', en: 'Building code' }, required: true, min: 1 },
    { name: 'cisla_domovni', type: 'text', label: { cs: 'Čísla domovní', en: 'House numbers' }, maxLength: 200 },
    {
      name: 'typ',
      type: 'code',
      label: { cs: 'Typ stavebního objektu', en: 'Kind of building' },
      codeList: [
        { code: '1', label: { cs: 'budova s číslem popisným', en: 'building with a descriptive number' } },
        { code: '2', label: { cs: 'budova s číslem evidenčním', en: 'building with a registration number' } },
        { code: '3', label: { cs: 'budova bez čísla', en: 'building without a number' } },
      ],
    },
    { name: 'zpusob_vyuziti', type: 'text', label: { cs: 'Způsob využití (kód)', en: 'Use (code)' }, maxLength: 4 },
    { name: 'cast_obce_kod', type: 'integer', label: { cs: 'Kód části obce', en: 'Part of municipality code' }, min: 1 },
    { name: 'pocet_podlazi', type: 'integer', label: { cs: 'Počet podlaží', en: 'Floors' }, min: 0 },
    { name: 'plati_od', type: 'date', label: { cs: 'Platí od', en: 'Valid from' } },
  ],
  minZoom: 14,
  maxZoom: 22,
  style: { color: '#d6cfc7', fillOpacity: 0.7 },
  source: RUIAN_SOURCE,
};
