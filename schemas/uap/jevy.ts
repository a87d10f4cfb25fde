import register from './jevy.json' with { type: 'json' };

/**
 * The register of ÚAP phenomena (sledované jevy) of decree 500/2006 Sb., annex 1, part A.
 * The list is data (`jevy.json`, with its source), not code: this module only types it.
 */

/** Kind of geometry a jev is usually delivered as. */
export type JevGeometrie = 'plocha' | 'linie' | 'bod';

export interface Jev {
  /** the number in the annex (1–119) */
  cislo: number;
  nazev: string;
  geometrie: JevGeometrie[];
  /** providers usually obliged to deliver it (working assumption, see the source note) */
  poskytovatele: string[];
  /** `vse`: every municipality of the ORP; otherwise the RÚIAN codes it concerns */
  obce: 'vse' | number[];
}

export interface JevySource {
  cs: string;
  en: string;
  checkedAgainst: string;
  count: number;
  geometryNote: string;
  obceNote: string;
}

export const JEVY_SOURCE: JevySource = register.source;
export const JEVY: readonly Jev[] = register.jevy as Jev[];

const byNumber = new Map(JEVY.map((j) => [j.cislo, j]));

export function getJev(cislo: number): Jev | undefined {
  return byNumber.get(cislo);
}

/** Does the jev concern this municipality? */
export function jevConcerns(jev: Jev, obec: number): boolean {
  return jev.obce === 'vse' || jev.obce.includes(obec);
}
