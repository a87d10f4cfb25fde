import type { LayerSchema } from '../types.ts';
import { conditionAttribute, INSTALLED_YEAR, NOTE } from './_common.ts';

/** Vertical traffic signs; `kod_znacky` is the sign's code of vyhláška 294/2015 Sb. (e.g. B 20a, IP 12). */
export const dopravniZnacky: LayerSchema = {
  id: 'dopravni-znacky',
  title: { cs: 'Svislé dopravní značky', en: 'Traffic signs' },
  description: {
    cs: 'Pasport svislého dopravního značení: kód značky podle vyhlášky 294/2015 Sb., skupina, nosič, orientace a stav.',
    en: 'Vertical traffic sign pasport: sign code (Czech decree 294/2015), group, support, bearing and condition.',
  },
  theme: 'infrastructure',
  keywords: { cs: ['dopravní značky', 'dopravní značení', 'pasport'], en: ['traffic signs', 'road signs'] },
  geometryType: 'Point',
  perMunicipality: true,
  attributes: [
    { name: 'kod_znacky', type: 'text', label: { cs: 'Kód značky', en: 'Sign code' }, required: true, maxLength: 20, inTiles: true, isTitle: true },
    {
      name: 'skupina',
      type: 'code',
      label: { cs: 'Skupina značek', en: 'Sign group' },
      inTiles: true,
      codeList: [
        { code: 'A', label: { cs: 'výstražné (A)', en: 'warning (A)' }, color: '#e31a1c' },
        { code: 'P', label: { cs: 'upravující přednost (P)', en: 'priority (P)' }, color: '#ff7f00' },
        { code: 'B', label: { cs: 'zákazové (B)', en: 'prohibitory (B)' }, color: '#b2182b' },
        { code: 'C', label: { cs: 'příkazové (C)', en: 'mandatory (C)' }, color: '#2166ac' },
        { code: 'IP', label: { cs: 'informativní provozní (IP)', en: 'informative (IP)' }, color: '#4393c3' },
        { code: 'IS', label: { cs: 'informativní směrové (IS)', en: 'direction (IS)' }, color: '#1b7837' },
        { code: 'IJ', label: { cs: 'informativní jiné (IJ)', en: 'other information (IJ)' }, color: '#762a83' },
        { code: 'E', label: { cs: 'dodatkové tabulky (E)', en: 'additional panels (E)' }, color: '#878787' },
      ],
    },
    { name: 'text', type: 'text', label: { cs: 'Text / údaj na značce', en: 'Text on the sign' }, maxLength: 200 },
    { name: 'orientace', type: 'integer', label: { cs: 'Orientace (azimut)', en: 'Bearing' }, min: 0, max: 359, unit: '°' },
    {
      name: 'nosic',
      type: 'code',
      label: { cs: 'Nosič', en: 'Support' },
      codeList: [
        { code: 'sloupek', label: { cs: 'samostatný sloupek', en: 'own post' }, color: '#636363' },
        { code: 'stozar-vo', label: { cs: 'stožár VO', en: 'lamp post' }, color: '#f1c40f' },
        { code: 'portal', label: { cs: 'portál', en: 'gantry' }, color: '#3f007d' },
        { code: 'fasada', label: { cs: 'fasáda', en: 'façade' }, color: '#8c6d31' },
      ],
    },
    { name: 'reflexni', type: 'boolean', label: { cs: 'Reflexní provedení', en: 'Retroreflective' } },
    conditionAttribute(),
    INSTALLED_YEAR,
    NOTE,
  ],
  minZoom: 16,
  maxZoom: 22,
  style: { color: '#e31a1c', categorizeBy: 'skupina', radius: 4 },
};
