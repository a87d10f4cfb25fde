import type { LayerSchema } from '../types.ts';
import { JSUPD_SOURCE, RZV_TYPE_CODES, timeHorizonAttribute } from './_jsupd.ts';

/** JSÚPD PlochyRZV_p: areas with a distinct manner of use (plochy s rozdílným způsobem využití). */
export const upPlochyRzv: LayerSchema = {
  id: 'up-plochy-rzv',
  title: { cs: 'Územní plán – plochy s rozdílným způsobem využití', en: 'Land-use plan – land-use zones' },
  description: {
    cs: 'Plochy s rozdílným způsobem využití platného územního plánu (vrstva PlochyRZV_p standardu JSÚPD): typ plochy, časový horizont a index.',
    en: 'Land-use zones of the plan in force (JSÚPD layer PlochyRZV_p): zone type, time horizon and index.',
  },
  theme: 'landuse',
  keywords: { cs: ['územní plán', 'JSÚPD', 'plochy RZV', 'funkční využití'], en: ['land-use plan', 'zoning', 'JSÚPD'] },
  geometryType: 'MultiPolygon',
  perMunicipality: true,
  attributes: [
    { name: 'typ', type: 'code', label: { cs: 'Typ plochy', en: 'Zone type' }, required: true, inTiles: true, codeList: RZV_TYPE_CODES },
    timeHorizonAttribute(),
    { name: 'index_rzv', type: 'text', label: { cs: 'Index', en: 'Index' }, maxLength: 20, inTiles: true, description: { cs: 'Atribut `index` standardu: další členění typu plochy.', en: 'The standard\'s `index`: further subdivision of the zone type.' } },
  ],
  minZoom: 11,
  maxZoom: 20,
  style: { color: '#e34a33', categorizeBy: 'typ', fillOpacity: 0.55, labelBy: 'typ' },
  source: JSUPD_SOURCE,
};
