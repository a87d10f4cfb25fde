import type { LayerSchema } from '../types.ts';
import { elementIdAttribute, JSUPD_SOURCE } from './_jsupd.ts';

/** JSÚPD PlochyZmen_p: buildable areas (Z), redevelopment areas (P) and landscape changes (K). */
export const upPlochyZmen: LayerSchema = {
  id: 'up-plochy-zmen',
  title: { cs: 'Územní plán – zastavitelné plochy a plochy přestavby', en: 'Land-use plan – development and redevelopment areas' },
  description: {
    cs: 'Plochy změn platného územního plánu (vrstva PlochyZmen_p standardu JSÚPD): zastavitelné plochy (Z), plochy přestavby (P) a změny v krajině (K), s etapizací.',
    en: 'Change areas of the plan in force (JSÚPD layer PlochyZmen_p): development areas (Z), redevelopment areas (P) and landscape changes (K), with phasing.',
  },
  theme: 'landuse',
  keywords: { cs: ['územní plán', 'JSÚPD', 'zastavitelné plochy', 'plochy přestavby'], en: ['land-use plan', 'development areas', 'redevelopment'] },
  geometryType: 'MultiPolygon',
  perMunicipality: true,
  attributes: [
    elementIdAttribute(),
    {
      name: 'druh',
      type: 'code',
      label: { cs: 'Druh plochy změny', en: 'Kind of change' },
      required: true,
      inTiles: true,
      description: { cs: 'Odvozeno z předpony označení (Z, P, K).', en: 'Derived from the label prefix (Z, P, K).' },
      codeList: [
        { code: 'Z', label: { cs: 'zastavitelná plocha', en: 'development area' }, color: '#d73027' },
        { code: 'P', label: { cs: 'plocha přestavby', en: 'redevelopment area' }, color: '#7b3294' },
        { code: 'K', label: { cs: 'změna v krajině', en: 'landscape change' }, color: '#1a9850' },
      ],
    },
    { name: 'etapizace', type: 'boolean', label: { cs: 'Etapizace', en: 'Phased' } },
  ],
  minZoom: 11,
  maxZoom: 20,
  style: { color: '#d73027', categorizeBy: 'druh', fillOpacity: 0.3, labelBy: 'oznaceni' },
  source: JSUPD_SOURCE,
};
