import type { LayerSchema } from '../types.ts';
import { DTM_OBJECT_TYPES } from '../dtm.ts';
import { INSTALLED_YEAR, NOTE } from './_common.ts';

/**
 * Cable routes of the city's own fibre network (metropolitní optická síť). Not public: the routes of
 * a communication network are critical infrastructure; the DTM receives them, citizens do not.
 */
export const optickaSitTrasy: LayerSchema = {
  id: 'opticka-sit-trasy',
  title: { cs: 'Optická síť – trasy', en: 'Fibre network – cable routes' },
  description: {
    cs: 'Trasy optické sítě města: druh vedení, počet kabelů a vláken, ochrana (chránička, mikrotrubičky), uložení a stav provozu.',
    en: 'Cable routes of the city’s fibre network: kind of line, number of cables and fibres, protection (duct, microducts), laying and operating state.',
  },
  theme: 'infrastructure',
  keywords: { cs: ['optická síť', 'optické kabely', 'elektronické komunikace', 'DTM'], en: ['fibre network', 'optical cables', 'electronic communications'] },
  geometryType: 'MultiLineString',
  perMunicipality: true,
  public: false,
  attributes: [
    { name: 'oznaceni', type: 'text', label: { cs: 'Označení trasy', en: 'Route label' }, maxLength: 40, inTiles: true, isTitle: true },
    {
      name: 'druh_vedeni',
      type: 'code',
      label: { cs: 'Druh vedení', en: 'Kind of line' },
      required: true,
      inTiles: true,
      codeList: [
        { code: 'opticke', label: { cs: 'optické', en: 'optical' }, color: '#6a3d9a' },
        { code: 'metalicke', label: { cs: 'metalické', en: 'metallic' }, color: '#b15928' },
        { code: 'kombinovane', label: { cs: 'optické + metalické', en: 'optical + metallic' }, color: '#cab2d6' },
      ],
    },
    { name: 'pocet_kabelu', type: 'integer', label: { cs: 'Počet kabelů v trase', en: 'Cables in the route' }, min: 0, max: 500, unit: 'ks' },
    { name: 'pocet_vlaken', type: 'integer', label: { cs: 'Počet vláken', en: 'Fibres' }, min: 0, max: 10_000, unit: 'ks' },
    {
      name: 'ochrana',
      type: 'code',
      label: { cs: 'Ochrana vedení', en: 'Protection' },
      codeList: [
        { code: 'bez', label: { cs: 'bez ochrany', en: 'none' }, color: '#999999' },
        { code: 'chranicka', label: { cs: 'plastová trubka (chránička)', en: 'plastic duct' }, color: '#1f78b4' },
        { code: 'mikrotrubicky', label: { cs: 'svazek mikrotrubiček', en: 'microduct bundle' }, color: '#33a02c' },
      ],
    },
    {
      name: 'ulozeni',
      type: 'code',
      label: { cs: 'Uložení', en: 'Laying' },
      inTiles: true,
      codeList: [
        { code: 'zem', label: { cs: 'v zemi', en: 'underground' }, color: '#6a3d9a' },
        { code: 'kabelovod', label: { cs: 'v kabelovodu / technickém kanálu', en: 'in a cable duct system' }, color: '#1f78b4' },
        { code: 'vzdusne', label: { cs: 'vzdušné', en: 'overhead' }, color: '#ff7f00' },
      ],
    },
    {
      name: 'provoz',
      type: 'code',
      label: { cs: 'Stav provozu', en: 'Operating state' },
      codeList: [
        { code: 'provozovano', label: { cs: 'provozováno', en: 'in operation' }, color: '#33a02c' },
        { code: 'neprovozovano', label: { cs: 'neprovozováno (rezerva)', en: 'not in operation (spare)' }, color: '#b2df8a' },
      ],
    },
    INSTALLED_YEAR,
    NOTE,
  ],
  minZoom: 13,
  maxZoom: 22,
  style: { color: '#6a3d9a', categorizeBy: 'druh_vedeni' },
  dtm: {
    objectType: DTM_OBJECT_TYPES.TrasaSiteEK,
    attributes: [
      { element: 'StavTrasySiteTI', from: 'provoz', codes: { provozovano: '1', neprovozovano: '2' }, otherwise: '99' },
      { element: 'PocetVedeniVTrase', from: 'pocet_kabelu', value: 'integer', otherwise: '1' },
      { element: 'VedeniSiteVJineStavbe', from: 'ulozeni', codes: { zem: '98', kabelovod: '2', vzdusne: '98' }, otherwise: '99' },
      { element: 'MaterialTrasySiteEK', from: 'druh_vedeni', codes: { opticke: '2', metalicke: '1', kombinovane: '3' }, otherwise: '99' },
      { element: 'ZpusobOchranyVedeniSiteEK', from: 'ochrana', codes: { bez: '1', chranicka: '2', mikrotrubicky: '3' }, otherwise: '99' },
      { element: 'UrovenUmisteniObjektuTI', from: 'ulozeni', codes: { zem: '-1', kabelovod: '-1', vzdusne: '1' }, otherwise: '-1' },
      { element: 'EvidencniCisloObjektu', from: 'oznaceni', value: 'copy' },
    ],
  },
};
