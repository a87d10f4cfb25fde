import type { Geometry } from 'geojson';
import type { Localized } from './types.ts';

/**
 * Czech open formal norms (OFN, ofn.gov.cz): the JSON-LD shapes NKOD and app developers expect for
 * some kinds of data. A layer whose data fits one declares `ofn` next to its own definition
 * (`LayerSchema.ofn`); the open-data API publishes it as an extra distribution in that shape
 * (api/catalog/ofn.ts) and the catalogue declares `dct:conformsTo` the norm.
 * The norms' JSON Schemas are kept as test data in data-catalog/test/ofn/ (README there names the source).
 */
export interface OfnNorm {
  /** IRI of the norm's version: what `dct:conformsTo` names */
  iri: string;
  title: Localized;
  /** JSON-LD context every item carries */
  context: string;
  /** `$id` of the JSON Schema of one item, and of the list the distribution is */
  itemSchema: string;
  listSchema: string;
}

export const OFN_NORMS = {
  sportoviste: {
    iri: 'https://ofn.gov.cz/sportoviště/2020-07-01/',
    title: { cs: 'OFN Sportoviště', en: 'OFN Sports grounds' },
    context: 'https://ofn.gov.cz/sportoviště/2020-07-01/kontexty/sportoviště.jsonld',
    itemSchema: 'https://ofn.gov.cz/sportoviště/2020-07-01/schémata/sportoviště.json',
    listSchema: 'https://ofn.gov.cz/sportoviště/2020-07-01/schémata/seznam-sportovišť.json',
  },
  nadobyNaTridenyOdpad: {
    iri: 'https://ofn.gov.cz/nádoby-na-tříděný-odpad/2022-04-19/',
    title: { cs: 'OFN Nádoby na tříděný odpad', en: 'OFN Sorted waste containers' },
    context: 'https://ofn.gov.cz/nádoby-na-tříděný-odpad/2022-04-19/kontexty/nádoby-na-tříděný-odpad.jsonld',
    itemSchema: 'https://ofn.gov.cz/nádoby-na-tříděný-odpad/2022-04-19/schémata/nádoba-na-tříděný-odpad.json',
    listSchema: 'https://ofn.gov.cz/nádoby-na-tříděný-odpad/2022-04-19/schémata/nádoby-na-tříděný-odpad.json',
  },
} as const satisfies Record<string, OfnNorm>;

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** One stored feature as the mapping sees it: attribute values by name, WGS 84 geometry. */
export interface OfnFeature {
  /** the feature's dereferenceable IRI (its OGC API item URL) */
  iri: string;
  properties: Readonly<Record<string, unknown>>;
  geometry: Geometry;
  /** RÚIAN code of the municipality (pasports) */
  municipality?: number;
}

export interface OfnMapping {
  norm: OfnNorm;
  /** the OFN items (without `@context`, added by the publisher) a feature becomes; none when it has nothing the norm can carry */
  items(f: OfnFeature): JsonObject[];
}

/** `Umístění` of a feature: its geometry and, for pasports, the RÚIAN municipality. */
export function ofnLocation(f: OfnFeature): JsonObject {
  const place: JsonObject = { typ: 'Umístění', geometrie: f.geometry as unknown as Json };
  if (f.municipality !== undefined) place.adresa = { typ: 'Adresa', obec: `https://linked.cuzk.cz/resource/ruian/obec/${f.municipality}` };
  return place;
}

/** Text in the OFN's multilingual shape, or nothing for an empty value. */
export function ofnText(cs: unknown): JsonObject | undefined {
  return typeof cs === 'string' && cs.trim() ? { cs: cs.trim() } : undefined;
}

/** UN/CEFACT unit codes the OFN `Množství` uses. */
export const UNIT = { litre: 'LTR', piece: 'C62' } as const;

export function ofnQuantity(value: unknown, unit: string): JsonObject | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? { typ: 'Množství', hodnota: value, jednotka: unit } : undefined;
}

/** Drops members whose value is undefined (optional OFN properties the feature does not have). */
export function compact(o: Record<string, Json | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}
