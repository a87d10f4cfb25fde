import type { CodeAttribute, CodeListEntry, Localized } from '../types.ts';

/**
 * Code lists shared by several pasport types. They live here so that a code
 * means the same thing (and has the same colour in every legend) in all layers.
 */

/** Technical condition 1–5, the grading used by Czech municipal pasports (1 excellent … 5 critical). */
export const CONDITION_CODES: CodeListEntry[] = [
  { code: '1', label: { cs: '1 – výborný', en: '1 – excellent' }, color: '#1a9641' },
  { code: '2', label: { cs: '2 – dobrý', en: '2 – good' }, color: '#a6d96a' },
  { code: '3', label: { cs: '3 – vyhovující', en: '3 – fair' }, color: '#e6c200' },
  { code: '4', label: { cs: '4 – špatný', en: '4 – poor' }, color: '#fdae61' },
  { code: '5', label: { cs: '5 – havarijní', en: '5 – critical' }, color: '#d7191c' },
];

export function conditionAttribute(opts: { required?: boolean } = {}): CodeAttribute {
  return {
    name: 'stav',
    type: 'code',
    label: { cs: 'Technický stav', en: 'Condition' },
    description: { cs: 'Klasifikace 1 (výborný) až 5 (havarijní).', en: 'Grade 1 (excellent) to 5 (critical).' },
    codeList: CONDITION_CODES,
    required: opts.required,
    inTiles: true,
  };
}

/** Stable inventory number of the municipality's pasport (evidenční číslo). */
export function inventoryNumber(label: Localized = { cs: 'Evidenční číslo', en: 'Inventory number' }) {
  return { name: 'evidencni_cislo', type: 'text' as const, label, maxLength: 40, inTiles: true, isTitle: true };
}

export const NOTE = { name: 'poznamka', type: 'text' as const, label: { cs: 'Poznámka', en: 'Note' }, maxLength: 1000 };

export const LAST_INSPECTION = {
  name: 'datum_kontroly',
  type: 'date' as const,
  label: { cs: 'Datum poslední kontroly', en: 'Last inspection' },
};

export const INSTALLED_YEAR = {
  name: 'rok_instalace',
  type: 'integer' as const,
  label: { cs: 'Rok instalace', en: 'Year installed' },
  min: 1800,
  max: 2100,
};

export const MATERIAL_CODES: CodeListEntry[] = [
  { code: 'drevo', label: { cs: 'dřevo', en: 'wood' }, color: '#8c5a2b' },
  { code: 'kov', label: { cs: 'kov', en: 'metal' }, color: '#6b7b8c' },
  { code: 'beton', label: { cs: 'beton', en: 'concrete' }, color: '#9e9e9e' },
  { code: 'plast', label: { cs: 'plast / recyklát', en: 'plastic / recycled' }, color: '#2b83ba' },
  { code: 'kombinace', label: { cs: 'kombinace', en: 'combined' }, color: '#a05195' },
  { code: 'jiny', label: { cs: 'jiný', en: 'other' }, color: '#bdbdbd' },
];

/** Road and pavement surfaces (kryt). */
export const SURFACE_CODES: CodeListEntry[] = [
  { code: 'asfalt', label: { cs: 'asfalt', en: 'asphalt' }, color: '#4d4d4d' },
  { code: 'beton', label: { cs: 'beton', en: 'concrete' }, color: '#9e9e9e' },
  { code: 'dlazba-zamkova', label: { cs: 'zámková dlažba', en: 'interlocking pavers' }, color: '#c2733a' },
  { code: 'dlazba-kamenna', label: { cs: 'kamenná dlažba', en: 'stone setts' }, color: '#7a5c3e' },
  { code: 'mlat', label: { cs: 'mlat / štěrk', en: 'gravel' }, color: '#d9c58b' },
  { code: 'zatravnovaci', label: { cs: 'zatravňovací dlažba', en: 'grass pavers' }, color: '#7fbf7b' },
  { code: 'nezpevneny', label: { cs: 'nezpevněný', en: 'unpaved' }, color: '#b5a27a' },
];

/** The surfaces as JVF DTM PrevazujiciPovrch (1 asfalt, 2 beton, 3 dlažba, 5 písek/štěrkopísek, 7 nezpevněno). */
export const SURFACE_DTM_CODES: Record<string, string> = {
  asfalt: '1',
  beton: '2',
  'dlazba-zamkova': '3',
  'dlazba-kamenna': '3',
  zatravnovaci: '3',
  mlat: '5',
  nezpevneny: '7',
};
