import type { LayerSchema } from '../types.ts';
import { RUIAN_SOURCE } from './_ruian.ts';

/** RÚIAN address points (adresní místa): what address search and reverse lookup answer with. */
export const adresniMista: LayerSchema = {
  id: 'adresni-mista',
  title: { cs: 'Adresní místa (RÚIAN)', en: 'Address points (RÚIAN)' },
  description: {
    cs: 'Adresní místa obcí ORP Chomutov z RÚIAN: ulice, číslo popisné nebo evidenční, číslo orientační, PSČ a poloha.',
    en: 'Address points of the ORP Chomutov municipalities from RÚIAN: street, house number, orientation number, postcode and location.',
  },
  theme: 'boundaries',
  keywords: { cs: ['adresy', 'adresní místa', 'RÚIAN'], en: ['addresses', 'address points', 'RÚIAN'] },
  geometryType: 'Point',
  perMunicipality: true,
  searchIndex: true,
  attributes: [
    { name: 'kod', type: 'integer', label: { cs: 'Kód adresního místa', en: 'Address point code' }, required: true, min: 1 },
    { name: 'adresa', type: 'text', label: { cs: 'Adresa', en: 'Address' }, required: true, maxLength: 300, isTitle: true },
    { name: 'cislo', type: 'text', label: { cs: 'Číslo domu', en: 'House number' }, maxLength: 40, inTiles: true },
    { name: 'ulice', type: 'text', label: { cs: 'Ulice', en: 'Street' }, maxLength: 150 },
    { name: 'ulice_kod', type: 'integer', label: { cs: 'Kód ulice', en: 'Street code' }, min: 1 },
    {
      name: 'typ_so',
      type: 'code',
      label: { cs: 'Typ čísla domovního', en: 'Kind of house number' },
      required: true,
      codeList: [
        { code: 'cp', label: { cs: 'číslo popisné', en: 'descriptive number' } },
        { code: 'ce', label: { cs: 'číslo evidenční', en: 'registration number' } },
      ],
    },
    { name: 'cislo_domovni', type: 'integer', label: { cs: 'Číslo domovní', en: 'House number' }, required: true, min: 1 },
    { name: 'cislo_orientacni', type: 'integer', label: { cs: 'Číslo orientační', en: 'Orientation number' }, min: 1 },
    { name: 'znak_cisla_orientacniho', type: 'text', label: { cs: 'Znak čísla orientačního', en: 'Orientation number letter' }, maxLength: 1 },
    { name: 'cast_obce', type: 'text', label: { cs: 'Část obce', en: 'Part of municipality' }, maxLength: 100 },
    { name: 'cast_obce_kod', type: 'integer', label: { cs: 'Kód části obce', en: 'Part of municipality code' }, min: 1 },
    { name: 'obec', type: 'text', label: { cs: 'Obec', en: 'Municipality' }, maxLength: 100 },
    { name: 'psc', type: 'text', label: { cs: 'PSČ', en: 'Postcode' }, maxLength: 5 },
    { name: 'stavebni_objekt_kod', type: 'integer', label: { cs: 'Kód stavebního objektu', en: 'Building code' }, min: 1 },
    { name: 'plati_od', type: 'date', label: { cs: 'Platí od', en: 'Valid from' } },
  ],
  // tiles from 16 (the deepest tile zoom the map requests); the basemap draws house numbers from 17
  minZoom: 16,
  maxZoom: 22,
  style: { color: '#6f6a64', radius: 1.5, labelBy: 'cislo' },
  source: RUIAN_SOURCE,
};
