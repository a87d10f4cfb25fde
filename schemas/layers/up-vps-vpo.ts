import type { LayerSchema } from '../types.ts';
import { elementIdAttribute, JSUPD_SOURCE } from './_jsupd.ts';
import { VPS_CODES } from './_vps.ts';

/** JSÚPD VpsVpoAs_p: public-benefit constructions and measures, clearances (veřejně prospěšné stavby a opatření, asanace). */
export const upVpsVpo: LayerSchema = {
  id: 'up-vps-vpo',
  title: { cs: 'Územní plán – veřejně prospěšné stavby a opatření', en: 'Land-use plan – public-benefit constructions and measures' },
  description: {
    cs: 'Plochy veřejně prospěšných staveb, opatření a asanací (vrstva VpsVpoAs_p standardu JSÚPD).',
    en: 'Areas of public-benefit constructions, measures and clearances (JSÚPD layer VpsVpoAs_p).',
  },
  theme: 'landuse',
  keywords: { cs: ['územní plán', 'JSÚPD', 'VPS', 'VPO', 'předkupní právo', 'vyvlastnění'], en: ['land-use plan', 'public-benefit constructions'] },
  geometryType: 'MultiPolygon',
  perMunicipality: true,
  attributes: [elementIdAttribute(), { name: 'druh', type: 'code', label: { cs: 'Druh', en: 'Kind' }, required: true, inTiles: true, codeList: VPS_CODES }],
  minZoom: 12,
  maxZoom: 20,
  style: { color: '#b2182b', categorizeBy: 'druh', fillOpacity: 0.35, labelBy: 'oznaceni' },
  source: JSUPD_SOURCE,
};
