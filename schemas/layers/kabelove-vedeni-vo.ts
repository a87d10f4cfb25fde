import type { LayerSchema } from '../types.ts';
import { DTM_OBJECT_TYPES } from '../dtm.ts';
import { INSTALLED_YEAR, NOTE } from './_common.ts';

/** Cable lines of street lighting between feeder cabinets and light points. */
export const kabeloveVedeniVo: LayerSchema = {
  id: 'kabelove-vedeni-vo',
  title: { cs: 'Veřejné osvětlení – kabelové vedení', en: 'Street lighting – cable lines' },
  description: {
    cs: 'Trasy kabelového a vzdušného vedení veřejného osvětlení: typ kabelu, průřez, způsob uložení a délka.',
    en: 'Street-lighting cable routes: cable type, cross-section, laying method and length.',
  },
  theme: 'infrastructure',
  keywords: { cs: ['veřejné osvětlení', 'kabely', 'vedení', 'pasport'], en: ['street lighting', 'cables', 'pasport'] },
  geometryType: 'MultiLineString',
  perMunicipality: true,
  attributes: [
    { name: 'oznaceni', type: 'text', label: { cs: 'Označení úseku', en: 'Section label' }, maxLength: 40, inTiles: true, isTitle: true },
    { name: 'typ_kabelu', type: 'text', label: { cs: 'Typ kabelu', en: 'Cable type' }, maxLength: 40, description: { cs: 'Např. CYKY 4×16.', en: 'E.g. CYKY 4×16.' } },
    { name: 'prurez', type: 'number', label: { cs: 'Průřez žíly', en: 'Conductor cross-section' }, min: 0, max: 400, unit: 'mm²' },
    {
      name: 'ulozeni',
      type: 'code',
      label: { cs: 'Uložení', en: 'Laying' },
      required: true,
      inTiles: true,
      codeList: [
        { code: 'zem', label: { cs: 'v zemi', en: 'underground' }, color: '#8e44ad' },
        { code: 'chranicka', label: { cs: 'v chráničce', en: 'in duct' }, color: '#2980b9' },
        { code: 'vzdusne', label: { cs: 'vzdušné', en: 'overhead' }, color: '#e67e22' },
        { code: 'fasada', label: { cs: 'po fasádě', en: 'on façade' }, color: '#7f8c8d' },
      ],
    },
    { name: 'delka', type: 'number', label: { cs: 'Délka', en: 'Length' }, min: 0, max: 100000, unit: 'm' },
    INSTALLED_YEAR,
    NOTE,
  ],
  minZoom: 14,
  maxZoom: 22,
  style: { color: '#8e44ad', categorizeBy: 'ulozeni' },
  dtm: {
    objectType: DTM_OBJECT_TYPES.TrasaMistniElektrickeSite,
    attributes: [
      { element: 'StavTrasySiteTI', constant: '1' },
      { element: 'VedeniSiteVJineStavbe', constant: '98' },
      { element: 'TypTrasyMistniElektrickeSite', constant: '1' },
      { element: 'UrovenUmisteniObjektuTI', from: 'ulozeni', codes: { zem: '-1', chranicka: '-1', vzdusne: '1', fasada: '0' }, otherwise: '-1' },
      { element: 'EvidencniCisloObjektu', from: 'oznaceni', value: 'copy' },
    ],
  },
};
