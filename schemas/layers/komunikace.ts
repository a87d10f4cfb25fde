import type { LayerSchema } from '../types.ts';
import { DTM_OBJECT_TYPES } from '../dtm.ts';
import { conditionAttribute, inventoryNumber, NOTE, SURFACE_CODES, SURFACE_DTM_CODES } from './_common.ts';

/** Local roads and pavements (pasport místních komunikací, zákon 13/1997 Sb.) as surface polygons. */
export const komunikace: LayerSchema = {
  id: 'komunikace',
  title: { cs: 'Místní komunikace a chodníky', en: 'Local roads and pavements' },
  description: {
    cs: 'Pasport místních komunikací: třída komunikace, druh plochy, povrch, šířka, výměra a stav.',
    en: 'Local roads pasport: road class, kind of surface area, pavement material, width, area and condition.',
  },
  theme: 'infrastructure',
  keywords: { cs: ['komunikace', 'silnice', 'chodníky', 'pasport komunikací'], en: ['roads', 'pavements', 'road inventory'] },
  geometryType: 'MultiPolygon',
  perMunicipality: true,
  attributes: [
    inventoryNumber({ cs: 'Číslo úseku', en: 'Section number' }),
    { name: 'nazev', type: 'text', label: { cs: 'Název ulice', en: 'Street name' }, maxLength: 120, inTiles: true },
    {
      name: 'druh',
      type: 'code',
      label: { cs: 'Druh plochy', en: 'Kind' },
      required: true,
      inTiles: true,
      codeList: [
        { code: 'vozovka', label: { cs: 'vozovka', en: 'carriageway' }, color: '#636363' },
        { code: 'chodnik', label: { cs: 'chodník', en: 'pavement' }, color: '#e6550d' },
        { code: 'cyklostezka', label: { cs: 'cyklostezka', en: 'cycle path' }, color: '#3182bd' },
        { code: 'stezka-pesi-cyklo', label: { cs: 'stezka pro chodce a cyklisty', en: 'shared foot and cycle path' }, color: '#6baed6' },
        { code: 'parkovaci-pruh', label: { cs: 'parkovací pruh', en: 'parking lane' }, color: '#756bb1' },
      ],
    },
    {
      name: 'trida',
      type: 'code',
      label: { cs: 'Třída místní komunikace', en: 'Local road class' },
      codeList: [
        { code: 'I', label: { cs: 'I. třídy', en: 'class I' }, color: '#d73027' },
        { code: 'II', label: { cs: 'II. třídy', en: 'class II' }, color: '#fc8d59' },
        { code: 'III', label: { cs: 'III. třídy', en: 'class III' }, color: '#fee090' },
        { code: 'IV', label: { cs: 'IV. třídy', en: 'class IV' }, color: '#91bfdb' },
      ],
    },
    { name: 'povrch', type: 'code', label: { cs: 'Povrch', en: 'Surface' }, codeList: SURFACE_CODES, inTiles: true },
    { name: 'sirka', type: 'number', label: { cs: 'Šířka', en: 'Width' }, min: 0, max: 60, unit: 'm' },
    { name: 'vymera', type: 'number', label: { cs: 'Výměra', en: 'Area' }, min: 0, max: 1_000_000, unit: 'm²' },
    conditionAttribute(),
    NOTE,
  ],
  minZoom: 13,
  maxZoom: 22,
  style: { color: '#636363', categorizeBy: 'druh', fillOpacity: 0.6 },
  // the kind of area chooses the ZPS object type; a parking lane is a parking area
  dtm: {
    objectType: {
      by: 'druh',
      types: {
        vozovka: DTM_OBJECT_TYPES.ProvozniPlochaPozemniKomunikacePlocha,
        chodnik: DTM_OBJECT_TYPES.ChodnikPlocha,
        cyklostezka: DTM_OBJECT_TYPES.CyklostezkaPlocha,
        'stezka-pesi-cyklo': DTM_OBJECT_TYPES.CyklostezkaPlocha,
        'parkovaci-pruh': DTM_OBJECT_TYPES.ParkovisteOdstavnaPlochaPlocha,
      },
    },
    attributes: [
      { element: 'TypPozemniKomunikace', constant: '1' },
      { element: 'PrevazujiciPovrch', from: 'povrch', codes: SURFACE_DTM_CODES, otherwise: '99' },
      { element: 'OznaceniCyklostezky', from: 'evidencni_cislo', value: 'copy', otherwise: '' },
    ],
  },
};
