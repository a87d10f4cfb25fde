import type { LayerSchema } from '../types.ts';
import { DTM_OBJECT_TYPES } from '../dtm.ts';
import { conditionAttribute, INSTALLED_YEAR, NOTE } from './_common.ts';

/** Rain-water sewer pipes (dešťová kanalizace) owned by the municipality. */
export const destovaKanalizace: LayerSchema = {
  id: 'destova-kanalizace',
  title: { cs: 'Dešťová kanalizace', en: 'Rain sewer' },
  description: {
    cs: 'Stoky dešťové kanalizace: profil, materiál, sklon, hloubka uložení a technický stav.',
    en: 'Rain sewer pipes: diameter, material, slope, depth and condition.',
  },
  theme: 'infrastructure',
  keywords: { cs: ['kanalizace', 'dešťová voda', 'stoky'], en: ['sewer', 'storm water', 'drainage'] },
  geometryType: 'MultiLineString',
  perMunicipality: true,
  attributes: [
    { name: 'oznaceni', type: 'text', label: { cs: 'Označení stoky', en: 'Pipe label' }, maxLength: 40, inTiles: true, isTitle: true },
    { name: 'profil', type: 'integer', label: { cs: 'Profil (DN)', en: 'Diameter (DN)' }, required: true, min: 50, max: 4000, unit: 'mm', inTiles: true },
    {
      name: 'material',
      type: 'code',
      label: { cs: 'Materiál', en: 'Material' },
      inTiles: true,
      codeList: [
        { code: 'beton', label: { cs: 'beton', en: 'concrete' }, color: '#969696' },
        { code: 'zelezobeton', label: { cs: 'železobeton', en: 'reinforced concrete' }, color: '#525252' },
        { code: 'kamenina', label: { cs: 'kamenina', en: 'vitrified clay' }, color: '#a6611a' },
        { code: 'pvc', label: { cs: 'PVC', en: 'PVC' }, color: '#dfc27d' },
        { code: 'pp', label: { cs: 'PP / PE', en: 'PP / PE' }, color: '#80cdc1' },
        { code: 'litina', label: { cs: 'litina', en: 'cast iron' }, color: '#01665e' },
      ],
    },
    { name: 'sklon', type: 'number', label: { cs: 'Sklon', en: 'Slope' }, min: 0, max: 100, unit: '‰' },
    { name: 'hloubka', type: 'number', label: { cs: 'Hloubka uložení', en: 'Depth' }, min: 0, max: 20, unit: 'm' },
    conditionAttribute(),
    INSTALLED_YEAR,
    NOTE,
  ],
  minZoom: 14,
  maxZoom: 22,
  style: { color: '#01665e', categorizeBy: 'material' },
  // rain sewer: a gravity storm-water sewer; ICME (asset register number) is not kept in the pasport,
  // and an empty ICME means "not public" in JVF
  dtm: {
    objectType: DTM_OBJECT_TYPES.TrasaStokoveSite,
    attributes: [
      { element: 'ICME', constant: '' },
      { element: 'StavTrasySiteTI', constant: '1' },
      { element: 'VedeniSiteVJineStavbe', constant: '98' },
      { element: 'TypTrasyStokoveSite', constant: '1' },
      { element: 'UceloveZarazeniStokoveSite', constant: '2' },
      { element: 'DruhStokoveSite', constant: '1' },
      { element: 'Dimenze', from: 'profil', value: 'integer' },
      {
        element: 'Material', from: 'material', otherwise: 'nezjištěno',
        codes: { beton: 'beton', zelezobeton: 'železobeton', kamenina: 'kamenina', pvc: 'PVC', pp: 'PP/PE', litina: 'litina' },
      },
      { element: 'UrovenUmisteniObjektuTI', constant: '-1' },
      { element: 'EvidencniCisloObjektu', from: 'oznaceni', value: 'copy' },
    ],
  },
};
