import type { LayerSchema } from '../types.ts';
import { JSUPD_SOURCE } from './_jsupd.ts';

/** JSÚPD ZastaveneUzemi_p: the built-up area (zastavěné území). */
export const upZastaveneUzemi: LayerSchema = {
  id: 'up-zastavene-uzemi',
  title: { cs: 'Územní plán – zastavěné území', en: 'Land-use plan – built-up area' },
  description: {
    cs: 'Hranice zastavěného území podle platného územního plánu (vrstva ZastaveneUzemi_p standardu JSÚPD).',
    en: 'Built-up area boundary of the plan in force (JSÚPD layer ZastaveneUzemi_p).',
  },
  theme: 'landuse',
  keywords: { cs: ['územní plán', 'JSÚPD', 'zastavěné území'], en: ['land-use plan', 'built-up area'] },
  geometryType: 'MultiPolygon',
  perMunicipality: true,
  attributes: [{ name: 'obec_kod', type: 'integer', label: { cs: 'Kód obce (RÚIAN)', en: 'Municipality code (RÚIAN)' }, min: 500000, max: 999999 }],
  minZoom: 10,
  maxZoom: 20,
  style: { color: '#252525', fillOpacity: 0.05 },
  source: JSUPD_SOURCE,
};
