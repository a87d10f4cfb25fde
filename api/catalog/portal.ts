import { basename } from 'node:path';
import type { Kysely } from 'kysely';
import type { LayerSchema, Localized } from '../../schemas/index.ts';
import { datasetKeywords, datasetMetadata, EU_THEME_LABELS, FREQUENCY_LABELS } from '../../data-catalog/metadata.ts';
import { FREQUENCY_MAX_AGE_DAYS, HVD_CATEGORIES } from '../../data-catalog/vocab.ts';
import { FORMATS } from '../downloads/formats.ts';
import type { DownloadCache, ExportFile } from '../downloads/cache.ts';
import { layerFacts, type LayerFacts } from './facts.ts';

/** The plain-JSON view of a dataset that the portal's /data pages render (the RDF is for harvesters). */
export interface PortalDataset {
  id: string;
  title: Localized;
  description: Localized;
  keywords: { cs: string[]; en: string[] };
  themes: { code: string; label: Localized }[];
  frequency: { code: string; label: Localized };
  municipalities: { kod: number; nazev: string }[];
  modified: string;
  featureCount: number;
  geometryType: string;
  perMunicipality: boolean;
  /** the High-Value Dataset sub-category's label, or null */
  hvd: Localized | null;
  source?: Localized;
  downloads: { format: string; label: string; mediaType: string; url: string; bytes?: number; sha256?: string }[];
  /** `source`: for signed-in staff the path or URL the run read; for the public only its name (no server paths) */
  lastImport?: { runId: number; source: string; finishedAt: string; read: number; inserted: number; updated: number; deleted: number; rejected: number; warnings: number };
  /** null: the declared frequency has no deadline (irregular) */
  stale: boolean | null;
  catalogIri: string;
}

/** What the public sees of a run's source: a URL as it is, a file by its name only (server paths stay inside). */
export function sourceName(source: string): string {
  return /^https?:\/\//i.test(source) ? source : basename(source.replace(/\\/g, '/'));
}

export function isStale(frequency: string, lastUpdate: Date, now = new Date()): boolean | null {
  const days = FREQUENCY_MAX_AGE_DAYS[frequency as keyof typeof FREQUENCY_MAX_AGE_DAYS];
  if (days === undefined) return null;
  return now.getTime() - lastUpdate.getTime() > days * 86_400_000;
}

export async function portalDataset(
  db: Kysely<any>,
  cache: DownloadCache,
  layer: LayerSchema,
  opts: { apiBase: string; catalogIri: string; names: Map<number, string>; generate: boolean; municipality?: number; staff?: boolean },
): Promise<PortalDataset> {
  const facts: LayerFacts = await layerFacts(db, layer);
  const meta = datasetMetadata(layer);
  const downloads: PortalDataset['downloads'] = [];
  for (const f of FORMATS) {
    const file: ExportFile | undefined = opts.generate ? await cache.get(layer, f, opts.municipality) : await cache.peek(layer, f, opts.municipality);
    const prefix = opts.municipality !== undefined ? `obec/${opts.municipality}/` : '';
    downloads.push({ format: f.id, label: f.label, mediaType: f.mediaType, url: `${opts.apiBase}/downloads/${prefix}${layer.id}.${f.ext}`, bytes: file?.bytes, sha256: file?.sha256 });
  }
  const last = facts.lastRun;
  return {
    id: layer.id,
    title: layer.title,
    description: layer.description,
    keywords: datasetKeywords(layer),
    themes: meta.euThemes.map((code) => ({ code, label: EU_THEME_LABELS[code] })),
    frequency: { code: meta.frequency, label: FREQUENCY_LABELS[meta.frequency] },
    municipalities: facts.municipalities.map((kod) => ({ kod, nazev: opts.names.get(kod) ?? String(kod) })),
    modified: facts.modified.toISOString(),
    featureCount: facts.featureCount,
    geometryType: layer.geometryType,
    perMunicipality: layer.perMunicipality,
    hvd: meta.hvd ? HVD_CATEGORIES[meta.hvd].label : null,
    source: layer.source,
    downloads,
    lastImport: last && { runId: last.id, source: opts.staff ? last.source : sourceName(last.source), finishedAt: last.finishedAt.toISOString(), read: last.read, inserted: last.inserted, updated: last.updated, deleted: last.deleted, rejected: last.rejected, warnings: last.warnings },
    stale: isStale(meta.frequency, facts.modified),
    catalogIri: opts.catalogIri,
  };
}
