import type { LayerSchema } from '../types.ts';
import { elementIdAttribute, JSUPD_SOURCE } from './_jsupd.ts';

/** JSÚPD KoridoryP_p: corridors for transport and technical infrastructure laid down by the plan. */
export const upKoridory: LayerSchema = {
  id: 'up-koridory',
  title: { cs: 'Územní plán – koridory', en: 'Land-use plan – corridors' },
  description: {
    cs: 'Koridory pro dopravní a technickou infrastrukturu (vrstva KoridoryP_p standardu JSÚPD).',
    en: 'Corridors for transport and technical infrastructure (JSÚPD layer KoridoryP_p).',
  },
  theme: 'landuse',
  keywords: { cs: ['územní plán', 'JSÚPD', 'koridory'], en: ['land-use plan', 'corridors'] },
  geometryType: 'MultiPolygon',
  perMunicipality: true,
  attributes: [
    elementIdAttribute(),
    {
      name: 'druh',
      type: 'code',
      label: { cs: 'Druh koridoru', en: 'Kind' },
      required: true,
      inTiles: true,
      codeList: [
        { code: 'CPU', label: { cs: 'koridor CPU', en: 'corridor CPU' }, color: '#e08214' },
        { code: 'CPZ', label: { cs: 'koridor CPZ', en: 'corridor CPZ' }, color: '#b35806' },
      ],
    },
  ],
  minZoom: 11,
  maxZoom: 20,
  style: { color: '#e08214', categorizeBy: 'druh', fillOpacity: 0.25, labelBy: 'oznaceni' },
  source: JSUPD_SOURCE,
};
