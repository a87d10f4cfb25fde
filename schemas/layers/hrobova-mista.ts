import type { LayerSchema } from '../types.ts';
import { conditionAttribute, NOTE } from './_common.ts';

/** Grave sites of municipal cemeteries (evidence hrobových míst, zákon 256/2001 Sb.). No personal data of the deceased. */
export const hrobovaMista: LayerSchema = {
  id: 'hrobova-mista',
  title: { cs: 'Hřbitovy – hrobová místa', en: 'Cemeteries – grave sites' },
  description: {
    cs: 'Hrobová místa veřejných pohřebišť: hřbitov, oddělení, číslo hrobu, druh, stav nájmu a technický stav. Bez osobních údajů.',
    en: 'Grave sites of public cemeteries: cemetery, section, grave number, kind, lease status and condition. No personal data.',
  },
  theme: 'public-information',
  keywords: { cs: ['hřbitov', 'hrobová místa', 'pohřebiště'], en: ['cemetery', 'grave sites'] },
  geometryType: 'Polygon',
  perMunicipality: true,
  attributes: [
    { name: 'hrbitov', type: 'text', label: { cs: 'Hřbitov', en: 'Cemetery' }, required: true, maxLength: 120 },
    { name: 'oddeleni', type: 'text', label: { cs: 'Oddělení', en: 'Section' }, maxLength: 20, inTiles: true },
    { name: 'cislo_hrobu', type: 'text', label: { cs: 'Číslo hrobového místa', en: 'Grave number' }, required: true, maxLength: 20, inTiles: true, isTitle: true },
    {
      name: 'druh',
      type: 'code',
      label: { cs: 'Druh hrobového místa', en: 'Kind' },
      inTiles: true,
      codeList: [
        { code: 'hrob', label: { cs: 'hrob', en: 'grave' }, color: '#8c6d31' },
        { code: 'hrobka', label: { cs: 'hrobka', en: 'tomb' }, color: '#5b3a1a' },
        { code: 'urnovy-hrob', label: { cs: 'urnový hrob', en: 'urn grave' }, color: '#bd9e39' },
        { code: 'kolumbarium', label: { cs: 'kolumbárium', en: 'columbarium niche' }, color: '#7b4173' },
      ],
    },
    {
      name: 'najem',
      type: 'code',
      label: { cs: 'Nájem', en: 'Lease' },
      inTiles: true,
      codeList: [
        { code: 'pronajato', label: { cs: 'pronajato', en: 'leased' }, color: '#3182bd' },
        { code: 'volne', label: { cs: 'volné', en: 'available' }, color: '#31a354' },
        { code: 'vyprsi', label: { cs: 'nájem vypršel', en: 'lease expired' }, color: '#e6550d' },
      ],
    },
    { name: 'najem_do', type: 'date', label: { cs: 'Nájem do', en: 'Lease until' } },
    { name: 'pocet_mist', type: 'integer', label: { cs: 'Počet míst', en: 'Places' }, min: 1, max: 20 },
    conditionAttribute(),
    NOTE,
  ],
  minZoom: 16,
  maxZoom: 22,
  style: { color: '#8c6d31', categorizeBy: 'najem', fillOpacity: 0.5, labelBy: 'cislo_hrobu' },
};
