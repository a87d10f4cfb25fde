import type { LayerSchema } from '../types.ts';
import { DTM_OBJECT_TYPES } from '../dtm.ts';
import { conditionAttribute, INSTALLED_YEAR, inventoryNumber, LAST_INSPECTION, NOTE } from './_common.ts';

/** Street-lighting light points (světelná místa VO): the pole or wall bracket with its luminaires. */
export const svetelneBody: LayerSchema = {
  id: 'svetelne-body',
  title: { cs: 'Veřejné osvětlení – světelná místa', en: 'Street lighting – light points' },
  description: {
    cs: 'Pasport veřejného osvětlení: stožáry a výložníky se svítidly, typ zdroje, příkon, výška a technický stav.',
    en: 'Street-lighting pasport: poles and brackets with luminaires, lamp type, power, height and condition.',
  },
  theme: 'infrastructure',
  keywords: { cs: ['veřejné osvětlení', 'VO', 'stožáry', 'svítidla', 'pasport'], en: ['street lighting', 'lamp posts', 'luminaires', 'pasport'] },
  geometryType: 'Point',
  perMunicipality: true,
  attributes: [
    inventoryNumber({ cs: 'Číslo světelného místa', en: 'Light point number' }),
    {
      name: 'typ_zdroje',
      type: 'code',
      label: { cs: 'Typ světelného zdroje', en: 'Lamp type' },
      required: true,
      inTiles: true,
      codeList: [
        { code: 'led', label: { cs: 'LED', en: 'LED' }, color: '#2c7bb6' },
        { code: 'vbs', label: { cs: 'vysokotlaká sodíková výbojka', en: 'high-pressure sodium' }, color: '#f39c12' },
        { code: 'rvl', label: { cs: 'rtuťová výbojka', en: 'mercury vapour' }, color: '#8e44ad' },
        { code: 'mhv', label: { cs: 'halogenidová výbojka', en: 'metal halide' }, color: '#16a085' },
        { code: 'zarivka', label: { cs: 'kompaktní zářivka', en: 'compact fluorescent' }, color: '#7f8c8d' },
      ],
    },
    { name: 'pocet_svitidel', type: 'integer', label: { cs: 'Počet svítidel', en: 'Number of luminaires' }, min: 1, max: 12, unit: 'ks' },
    { name: 'prikon', type: 'number', label: { cs: 'Příkon', en: 'Power' }, min: 0, max: 2000, unit: 'W' },
    { name: 'vyska_svetelneho_bodu', type: 'number', label: { cs: 'Výška světelného bodu', en: 'Mounting height' }, min: 0, max: 40, unit: 'm' },
    {
      name: 'typ_nosice',
      type: 'code',
      label: { cs: 'Nosič', en: 'Support' },
      codeList: [
        { code: 'stozar-ocel', label: { cs: 'ocelový stožár', en: 'steel pole' }, color: '#5d6d7e' },
        { code: 'stozar-beton', label: { cs: 'betonový stožár', en: 'concrete pole' }, color: '#a6acaf' },
        { code: 'vyloznik-fasada', label: { cs: 'výložník na fasádě', en: 'wall bracket' }, color: '#b9770e' },
        { code: 'sloup-nn', label: { cs: 'sloup sítě NN', en: 'low-voltage line pole' }, color: '#6e2c00' },
        { code: 'parkove', label: { cs: 'parkové svítidlo', en: 'park bollard / lantern' }, color: '#1e8449' },
      ],
    },
    { name: 'rozvadec', type: 'text', label: { cs: 'Napájecí rozváděč', en: 'Feeder cabinet' }, maxLength: 40 },
    conditionAttribute(),
    INSTALLED_YEAR,
    LAST_INSPECTION,
    NOTE,
  ],
  minZoom: 14,
  maxZoom: 22,
  style: { color: '#f1c40f', categorizeBy: 'typ_zdroje', radius: 4 },
  // the light point is delivered as its support (the DTM has no luminaire type): pole or wall bracket
  dtm: {
    objectType: DTM_OBJECT_TYPES.PodperneZarizeni,
    attributes: [
      { element: 'StavObjektu', constant: '1' },
      {
        element: 'TypPodpernehoZarizeni', from: 'typ_nosice', otherwise: '10',
        codes: { 'stozar-ocel': '10', 'stozar-beton': '10', 'vyloznik-fasada': '5', 'sloup-nn': '12', parkove: '10' },
      },
      // a bracket has no pole material: "not found", as the official example writes it
      {
        element: 'TypSloupu', from: 'typ_nosice', otherwise: '99',
        codes: { 'stozar-ocel': '3', 'stozar-beton': '1', 'vyloznik-fasada': '99', 'sloup-nn': '99', parkove: '3' },
      },
      { element: 'UrovenUmisteniObjektuTI', constant: '0' },
      { element: 'EvidencniCisloObjektu', from: 'evidencni_cislo', value: 'copy' },
    ],
  },
};
