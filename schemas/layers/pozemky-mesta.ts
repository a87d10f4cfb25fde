import type { LayerSchema } from '../types.ts';

/**
 * Parcels the city owns and whether they are leased — "pozemky ve vlastnictví města a jejich
 * pronajatost (anonymní)", as the city promised to publish them. Built from RÚIAN parcels joined with
 * the city's property list (etl/ruian/city-land.ts); the tenant is never stored, only the lease flag.
 */
export const pozemkyMesta: LayerSchema = {
  id: 'pozemky-mesta',
  title: { cs: 'Pozemky ve vlastnictví města', en: 'City-owned land' },
  description: {
    cs: 'Pozemky ve vlastnictví statutárního města Chomutova (parcely z RÚIAN podle seznamu majetku města) a zda jsou pronajaté; nájemce se nezveřejňuje. Ukázková data jsou syntetická.',
    en: 'Parcels owned by the statutory city of Chomutov (RÚIAN parcels per the city property list) and whether they are leased; tenants are not published. The sample data are synthetic.',
  },
  theme: 'boundaries',
  keywords: { cs: ['pozemky', 'majetek města', 'pronájem', 'parcely', 'RÚIAN'], en: ['land', 'city property', 'lease', 'parcels', 'RÚIAN'] },
  geometryType: 'MultiPolygon',
  perMunicipality: true,
  attributes: [
    { name: 'parcela', type: 'text', label: { cs: 'Parcelní číslo', en: 'Parcel number' }, required: true, maxLength: 30, isTitle: true, inTiles: true },
    { name: 'katastralni_uzemi_kod', type: 'integer', label: { cs: 'Kód katastrálního území', en: 'Cadastral area code' }, required: true, min: 1 },
    { name: 'parcela_id', type: 'text', label: { cs: 'Identifikátor parcely (RÚIAN)', en: 'Parcel id (RÚIAN)' }, maxLength: 20 },
    { name: 'vymera', type: 'integer', label: { cs: 'Výměra', en: 'Area' }, min: 0, unit: 'm²' },
    {
      name: 'druh_pozemku',
      type: 'code',
      label: { cs: 'Druh pozemku', en: 'Land type' },
      // ČÚZK code list SC_D_POZEMKU
      codeList: [
        { code: '2', label: { cs: 'orná půda', en: 'arable land' } },
        { code: '3', label: { cs: 'chmelnice', en: 'hop garden' } },
        { code: '4', label: { cs: 'vinice', en: 'vineyard' } },
        { code: '5', label: { cs: 'zahrada', en: 'garden' } },
        { code: '6', label: { cs: 'ovocný sad', en: 'orchard' } },
        { code: '7', label: { cs: 'trvalý travní porost', en: 'permanent grassland' } },
        { code: '10', label: { cs: 'lesní pozemek', en: 'forest land' } },
        { code: '11', label: { cs: 'vodní plocha', en: 'water area' } },
        { code: '13', label: { cs: 'zastavěná plocha a nádvoří', en: 'built-up area and courtyard' } },
        { code: '14', label: { cs: 'ostatní plocha', en: 'other area' } },
      ],
    },
    {
      name: 'pronajato',
      type: 'boolean',
      label: { cs: 'Pronajato', en: 'Leased' },
      description: { cs: 'Pozemek nebo jeho část je pronajatý (nájemce se nezveřejňuje).', en: 'The parcel or part of it is leased (the tenant is not published).' },
      required: true,
      inTiles: true,
    },
    { name: 'ucel', type: 'text', label: { cs: 'Účel využití', en: 'Purpose' }, maxLength: 200 },
  ],
  minZoom: 13,
  maxZoom: 22,
  style: { color: '#7b5ea7', fillOpacity: 0.25, labelBy: 'parcela' },
  source: {
    cs: 'Parcely: RÚIAN (ČÚZK), licence CC BY 4.0; vlastnictví a pronájem: evidence majetku města Chomutova. Ukázková data jsou syntetická.',
    en: 'Parcels: RÚIAN (ČÚZK), CC BY 4.0 licence; ownership and lease: the city of Chomutov property records. The sample data are synthetic.',
  },
};
