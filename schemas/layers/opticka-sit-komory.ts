import type { LayerSchema } from '../types.ts';
import { DTM_OBJECT_TYPES } from '../dtm.ts';
import { INSTALLED_YEAR, NOTE } from './_common.ts';

/** Cable chambers and manholes of the city's fibre network. Not public, as its routes (critical infrastructure). */
export const optickaSitKomory: LayerSchema = {
  id: 'opticka-sit-komory',
  title: { cs: 'Optická síť – komory a šachty', en: 'Fibre network – chambers and manholes' },
  description: {
    cs: 'Kabelové komory a šachty optické sítě města: druh, označení, stav provozu.',
    en: 'Cable chambers and manholes of the city’s fibre network: kind, label, operating state.',
  },
  theme: 'infrastructure',
  keywords: { cs: ['optická síť', 'kabelové komory', 'šachty', 'DTM'], en: ['fibre network', 'cable chambers', 'manholes'] },
  geometryType: 'Point',
  perMunicipality: true,
  public: false,
  attributes: [
    { name: 'oznaceni', type: 'text', label: { cs: 'Označení komory', en: 'Chamber label' }, maxLength: 40, inTiles: true, isTitle: true },
    {
      name: 'druh',
      type: 'code',
      label: { cs: 'Druh', en: 'Kind' },
      required: true,
      inTiles: true,
      codeList: [
        { code: 'kabelova-komora', label: { cs: 'kabelová komora', en: 'cable chamber' }, color: '#6a3d9a' },
        { code: 'kabelova-sachta', label: { cs: 'kabelová šachta', en: 'cable manhole' }, color: '#1f78b4' },
        { code: 'vstupni-sachta', label: { cs: 'vstupní šachta', en: 'access manhole' }, color: '#33a02c' },
      ],
    },
    {
      name: 'provoz',
      type: 'code',
      label: { cs: 'Stav provozu', en: 'Operating state' },
      codeList: [
        { code: 'provozovano', label: { cs: 'provozováno', en: 'in operation' }, color: '#33a02c' },
        { code: 'neprovozovano', label: { cs: 'neprovozováno', en: 'not in operation' }, color: '#b2df8a' },
      ],
    },
    INSTALLED_YEAR,
    NOTE,
  ],
  minZoom: 15,
  maxZoom: 22,
  style: { color: '#6a3d9a', categorizeBy: 'druh', radius: 4 },
  // a chamber is shared construction of TI in the DTM (sdílený objekt TI, type 10 / 6 / 5)
  dtm: {
    objectType: DTM_OBJECT_TYPES.SdilenyObjektTI,
    attributes: [
      { element: 'StavObjektu', from: 'provoz', codes: { provozovano: '1', neprovozovano: '2' }, otherwise: '99' },
      { element: 'TypSdilenehoObjektuTI', from: 'druh', codes: { 'kabelova-komora': '10', 'kabelova-sachta': '6', 'vstupni-sachta': '5' }, otherwise: '99' },
      { element: 'UrovenUmisteniObjektuTI', constant: '-1' },
      { element: 'EvidencniCisloObjektu', from: 'oznaceni', value: 'copy' },
    ],
  },
};
