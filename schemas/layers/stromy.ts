import type { LayerSchema } from '../types.ts';
import { conditionAttribute, inventoryNumber, LAST_INSPECTION, NOTE } from './_common.ts';

/** Trees of the municipal greenery pasport (pasport zeleně), attributes after AOPK's tree assessment methodology. */
export const stromy: LayerSchema = {
  id: 'stromy',
  title: { cs: 'Stromy', en: 'Trees' },
  description: {
    cs: 'Pasport stromů: taxon, rozměry, vitalita, zdravotní stav a doporučené ošetření.',
    en: 'Tree pasport: taxon, dimensions, vitality, health and recommended care.',
  },
  theme: 'greenery',
  keywords: { cs: ['stromy', 'zeleň', 'dendrologie', 'pasport zeleně'], en: ['trees', 'greenery', 'tree inventory'] },
  geometryType: 'Point',
  perMunicipality: true,
  attributes: [
    inventoryNumber({ cs: 'Číslo stromu', en: 'Tree number' }),
    { name: 'taxon', type: 'text', label: { cs: 'Taxon (latinsky)', en: 'Taxon (Latin)' }, required: true, maxLength: 120, inTiles: true },
    { name: 'taxon_cesky', type: 'text', label: { cs: 'Český název', en: 'Czech name' }, maxLength: 120 },
    {
      name: 'typ_dreviny',
      type: 'code',
      label: { cs: 'Typ dřeviny', en: 'Leaf type' },
      inTiles: true,
      codeList: [
        { code: 'listnata', label: { cs: 'listnatá', en: 'broadleaved' }, color: '#33a02c' },
        { code: 'jehlicnata', label: { cs: 'jehličnatá', en: 'coniferous' }, color: '#1f5f3a' },
      ],
    },
    { name: 'vyska', type: 'number', label: { cs: 'Výška', en: 'Height' }, min: 0, max: 80, unit: 'm' },
    { name: 'obvod_kmene', type: 'integer', label: { cs: 'Obvod kmene ve 130 cm', en: 'Trunk circumference at 130 cm' }, min: 0, max: 2000, unit: 'cm' },
    { name: 'prumer_koruny', type: 'number', label: { cs: 'Průměr koruny', en: 'Crown diameter' }, min: 0, max: 50, unit: 'm' },
    {
      name: 'vitalita',
      type: 'code',
      label: { cs: 'Vitalita', en: 'Vitality' },
      inTiles: true,
      codeList: [
        { code: '1', label: { cs: '1 – optimální', en: '1 – optimal' }, color: '#1a9641' },
        { code: '2', label: { cs: '2 – mírně snížená', en: '2 – slightly reduced' }, color: '#a6d96a' },
        { code: '3', label: { cs: '3 – zřetelně snížená', en: '3 – clearly reduced' }, color: '#e6c200' },
        { code: '4', label: { cs: '4 – výrazně snížená', en: '4 – severely reduced' }, color: '#fdae61' },
        { code: '5', label: { cs: '5 – suchý strom', en: '5 – dead' }, color: '#d7191c' },
      ],
    },
    conditionAttribute(),
    { name: 'pamatny', type: 'boolean', label: { cs: 'Památný strom', en: 'Memorial tree' }, inTiles: true },
    { name: 'osetreni', type: 'text', label: { cs: 'Navržené ošetření', en: 'Recommended care' }, maxLength: 200 },
    LAST_INSPECTION,
    NOTE,
  ],
  minZoom: 15,
  maxZoom: 22,
  style: { color: '#33a02c', categorizeBy: 'stav', radius: 4, labelBy: 'taxon' },
};
