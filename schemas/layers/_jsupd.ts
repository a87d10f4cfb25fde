import type { CodeAttribute, CodeListEntry } from '../types.ts';

/**
 * Code lists of the unified land-use plan standard (jednotný standard územně
 * plánovací dokumentace, JSÚPD; vyhláška 157/2024 Sb.). The 75 zone types and
 * their groups are those of etl/samples/landuse/reference/jsupd_plochyrzv_typ_codes.csv
 * (a test keeps the two equal). Names of the two-letter subtypes are not
 * published in a source we trust, so a type is labelled by its group.
 */

/** Zone groups (first letter of `typ`) with the colour every type of the group gets. */
export const RZV_GROUPS: Record<string, { cs: string; en: string; color: string; types: string[] }> = {
  B: { cs: 'bydlení', en: 'housing', color: '#e34a33', types: ['BU', 'BV', 'BI', 'BH', 'BX'] },
  R: { cs: 'rekreace', en: 'recreation', color: '#f4a582', types: ['RU', 'RI', 'RZ', 'RO', 'RH', 'RX'] },
  O: { cs: 'občanské vybavení', en: 'civic amenities', color: '#c51b7d', types: ['OU', 'OV', 'OK', 'OS', 'OL', 'OH', 'OX'] },
  P: { cs: 'veřejná prostranství', en: 'public spaces', color: '#fee08b', types: ['PU', 'PX'] },
  Z: { cs: 'zeleň', en: 'greenery', color: '#66bd63', types: ['ZU', 'ZP', 'ZZ', 'ZO', 'ZS', 'ZK', 'ZX'] },
  S: { cs: 'smíšené obytné', en: 'mixed residential', color: '#f46d43', types: ['SU', 'SV', 'SM', 'SC', 'SX'] },
  D: { cs: 'dopravní infrastruktura', en: 'transport infrastructure', color: '#969696', types: ['DU', 'DS', 'DD', 'DV', 'DL', 'DK', 'DX'] },
  T: { cs: 'technická infrastruktura', en: 'technical infrastructure / utilities', color: '#4575b4', types: ['TU', 'TW', 'TE', 'TS', 'TO', 'TX'] },
  V: { cs: 'výroba a skladování', en: 'production and storage', color: '#8073ac', types: ['VU', 'VT', 'VL', 'VD', 'VS', 'VZ', 'VE', 'VX'] },
  H: { cs: 'smíšené výrobní', en: 'mixed production', color: '#b2abd2', types: ['HU', 'HX'] },
  W: { cs: 'vodní a vodohospodářské', en: 'water areas', color: '#74add1', types: ['WU', 'WT', 'WH', 'WX'] },
  A: { cs: 'zemědělské', en: 'agricultural', color: '#fff7bc', types: ['AU', 'AP', 'AT', 'AX'] },
  L: { cs: 'lesní', en: 'forest', color: '#1a9850', types: ['LU', 'LX'] },
  N: { cs: 'přírodní', en: 'natural', color: '#a6d96a', types: ['NU', 'NX'] },
  M: { cs: 'smíšené nezastavěného území', en: 'mixed open landscape', color: '#d9ef8b', types: ['MU', 'MX'] },
  G: { cs: 'těžba nerostů', en: 'mineral extraction', color: '#8c510a', types: ['GU', 'GD', 'GZ', 'GX'] },
  X: { cs: 'specifické', en: 'specific', color: '#525252', types: ['XZ', 'XX'] },
};

export const RZV_TYPE_CODES: CodeListEntry[] = Object.values(RZV_GROUPS).flatMap((g) =>
  g.types.map((t) => ({ code: t, label: { cs: `${t} – ${g.cs}`, en: `${t} – ${g.en}` }, color: g.color })),
);

/** `cash` (časový horizont): 1 existing (stav), 2 proposed (návrh). */
export function timeHorizonAttribute(): CodeAttribute {
  return {
    name: 'cash',
    type: 'code',
    label: { cs: 'Časový horizont', en: 'Time horizon' },
    required: true,
    inTiles: true,
    codeList: [
      { code: '1', label: { cs: 'stav', en: 'existing' }, color: '#636363' },
      { code: '2', label: { cs: 'návrh', en: 'proposed' }, color: '#e6550d' },
    ],
  };
}

/** Every land-use layer carries the id of the plan element as the standard writes it (Z12, VD3, CPZ1…). */
export function elementIdAttribute(required = true) {
  return { name: 'oznaceni', type: 'text' as const, label: { cs: 'Označení', en: 'Label' }, maxLength: 40, required, inTiles: true, isTitle: true };
}

export const JSUPD_SOURCE = {
  cs: 'Územní plány obcí v jednotném standardu (JSÚPD). Ukázková data jsou SYNTETICKÁ (etl/samples/landuse).',
  en: 'Municipal land-use plans in the unified standard (JSÚPD). The sample plans are SYNTHETIC (etl/samples/landuse).',
};
