import type { Localized } from '../schemas/index.ts';
import type { TermsOfUse } from './metadata.ts';
import type { EuFrequency, EuTheme, HvdCategory } from './vocab.ts';

/** What the RDF builder needs, already resolved from schemas/, data-catalog metadata and the database. */
export type ServiceId = 'features' | 'tiles';

export interface DistributionRecord {
  /** IRI suffix within the dataset document */
  key: string;
  title: Localized;
  accessUrl: string;
  downloadUrl?: string;
  mediaType: string;
  euFileType: string;
  file?: { bytes: number; sha256: string };
  service?: ServiceId;
  conformsTo?: string;
}

export interface DatasetRecord {
  iri: string;
  kind: 'dataset' | 'series';
  title: Localized;
  description: Localized;
  keywords: { cs: string[]; en: string[] };
  euThemes: EuTheme[];
  frequency: EuFrequency;
  municipalities: number[];
  temporal?: { start?: string; end?: string };
  modified: Date;
  /** High-Value Dataset sub-category (data-catalog/vocab.ts), or null */
  hvd: HvdCategory | null;
  terms: TermsOfUse;
  conformsTo?: string;
  /** documentation page (the portal's dataset page) */
  page?: string;
  /** IRI of the series this dataset belongs to */
  inSeries?: string;
  distributions: DistributionRecord[];
}

export interface ServiceRecord {
  id: ServiceId;
  iri: string;
  title: Localized;
  endpointUrl: string;
  endpointDescription: string;
  page: string;
  /** IRIs of the datasets it serves */
  serves: string[];
}

export interface CatalogContext {
  /** https base of every IRI, without a trailing slash */
  base: string;
  contactEmail: string;
}

export function catalogIri(ctx: CatalogContext): string {
  return `${ctx.base}/api/catalog`;
}

export function contactIri(ctx: CatalogContext): string {
  return `${catalogIri(ctx)}#kontaktni-bod`;
}

export function serviceIri(ctx: CatalogContext, id: ServiceId): string {
  return `${catalogIri(ctx)}/services/${id}`;
}
