import type { LayerSchema } from '../types.ts';
import { elementIdAttribute, JSUPD_SOURCE } from './_jsupd.ts';
import { VPS_CODES } from './_vps.ts';

/** JSÚPD VpsVpoAs_l: the same public-benefit constructions where the plan draws them as lines. */
export const upVpsVpoLinie: LayerSchema = {
  id: 'up-vps-vpo-linie',
  title: { cs: 'Územní plán – veřejně prospěšné stavby (liniové)', en: 'Land-use plan – public-benefit constructions (lines)' },
  description: {
    cs: 'Liniové veřejně prospěšné stavby a opatření (vrstva VpsVpoAs_l standardu JSÚPD).',
    en: 'Public-benefit constructions and measures drawn as lines (JSÚPD layer VpsVpoAs_l).',
  },
  theme: 'landuse',
  keywords: { cs: ['územní plán', 'JSÚPD', 'VPS', 'VPO'], en: ['land-use plan', 'public-benefit constructions'] },
  geometryType: 'MultiLineString',
  perMunicipality: true,
  attributes: [elementIdAttribute(), { name: 'druh', type: 'code', label: { cs: 'Druh', en: 'Kind' }, required: true, inTiles: true, codeList: VPS_CODES }],
  minZoom: 12,
  maxZoom: 20,
  style: { color: '#b2182b', categorizeBy: 'druh', labelBy: 'oznaceni' },
  source: JSUPD_SOURCE,
};
