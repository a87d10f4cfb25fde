import type { Localized } from '../schemas/index.ts';
import type { TermsOfUse } from './metadata.ts';
import type { EuFrequency, EuTheme , HvdCategory } from './vocab.ts';

/**
 * Datasets that are not a layer of `schemas/` (e.g. sensor observations with a
 * daily CSV) register themselves here; the catalogue lists them next to the
 * layers, with the same publisher, contact, terms of use and validation.
 *
 *   registerDataset({ id: 'pozorovani-cidel', …, distributions: [{ id: 'csv-denni', path: '/api/sensors/observations.csv', … }] })
 */
export interface ExtraDistribution {
  /** unique within the dataset: becomes part of the distribution IRI */
  id: string;
  title: Localized;
  /** path under the public base URL (`/api/…`), served by whoever registers the dataset */
  path: string;
  mediaType: string;
  /** code of the EU file-type table, e.g. CSV */
  euFileType: string;
  /** when the file exists: size and SHA-256 for dcat:byteSize / spdx:checksum */
  file?: () => Promise<{ bytes: number; sha256: string } | undefined>;
}

export interface ExtraDataset {
  /** URL-safe, must not collide with a layer id */
  id: string;
  title: Localized;
  description: Localized;
  keywords: { cs: string[]; en: string[] };
  euThemes: EuTheme[];
  frequency: EuFrequency;
  /** RÚIAN municipality codes the data covers */
  municipalities: () => Promise<number[]>;
  modified: () => Promise<Date>;
  temporal?: () => Promise<{ start?: string; end?: string } | undefined>;
  /** High-Value Dataset sub-category (data-catalog/vocab.ts) */
  hvd?: HvdCategory;
  terms?: TermsOfUse;
  /** IRI of the schema or specification the data conforms to */
  conformsTo?: string;
  distributions: ExtraDistribution[];
}

const extras = new Map<string, ExtraDataset>();

export function registerDataset(d: ExtraDataset): void {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(d.id)) throw new Error(`catalogue dataset id must be URL-safe: ${d.id}`);
  extras.set(d.id, d);
}

export function unregisterDataset(id: string): void {
  extras.delete(id);
}

export function extraDatasets(): ExtraDataset[] {
  return [...extras.values()];
}
