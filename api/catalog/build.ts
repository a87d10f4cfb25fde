import type { Kysely } from 'kysely';
import { layers, type LayerSchema } from '../../schemas/index.ts';
import { datasetKeywords, datasetMetadata } from '../../data-catalog/metadata.ts';
import { PUBLISHER } from '../../data-catalog/publisher.ts';
import { extraDatasets, type ExtraDataset } from '../../data-catalog/registry.ts';
import { serviceIri, type CatalogContext, type DatasetRecord, type DistributionRecord, type ServiceRecord } from '../../data-catalog/records.ts';
import { FORMATS } from '../downloads/formats.ts';
import { downloadName, type DownloadCache } from '../downloads/cache.ts';
import { createHash } from 'node:crypto';
import { ofnBody, ofnPath } from './ofn.ts';
import { layerFacts, municipalityNames, type LayerFacts } from './facts.ts';

/** Layers published openly: the catalogue never lists what needs an account. */
export function publicLayers(): LayerSchema[] {
  return layers.filter((l) => l.public !== false);
}

export const datasetIri = (ctx: CatalogContext, layerId: string, municipality?: number) =>
  `${ctx.base}/api/catalog/datasets/${layerId}${municipality !== undefined ? `/obec/${municipality}` : ''}`;
export const seriesIri = (ctx: CatalogContext, layerId: string) => `${ctx.base}/api/catalog/series/${layerId}`;
export const schemaIri = (ctx: CatalogContext, layerId: string) => `${ctx.base}/api/catalog/schemas/${layerId}.json`;

export function downloadUrl(ctx: CatalogContext, layer: LayerSchema, ext: string, municipality?: number): string {
  return `${ctx.base}/api/downloads/${municipality !== undefined ? `obec/${municipality}/` : ''}${layer.id}.${ext}`;
}

export function services(ctx: CatalogContext, serves: string[]): ServiceRecord[] {
  const ids = publicLayers().map((l) => l.id);
  return [
    {
      id: 'features',
      iri: serviceIri(ctx, 'features'),
      title: { cs: 'OGC API – Features Geoportálu Chomutov', en: 'OGC API – Features of the Chomutov Geoportal' },
      endpointUrl: `${ctx.base}/api`,
      endpointDescription: `${ctx.base}/api/conformance`,
      page: `${ctx.base}/data`,
      serves,
    },
    {
      id: 'tiles',
      iri: serviceIri(ctx, 'tiles'),
      title: { cs: 'Vektorové dlaždice Geoportálu Chomutov', en: 'Vector tiles of the Chomutov Geoportal' },
      endpointUrl: `${ctx.base}/api/tiles`,
      endpointDescription: `${ctx.base}/api/tiles/${ids.join(',')}.json`,
      page: `${ctx.base}/data`,
      serves,
    },
  ];
}

/** IRIs the catalogue lists: every layer dataset, each pasport's series and its per-municipality members, extra datasets. */
export async function catalogEntries(db: Kysely<any>, ctx: CatalogContext): Promise<{ iri: string; modified: Date }[]> {
  const out: { iri: string; modified: Date }[] = [];
  for (const layer of publicLayers()) {
    const f = await layerFacts(db, layer);
    out.push({ iri: datasetIri(ctx, layer.id), modified: f.modified });
    if (datasetMetadata(layer).seriesByMunicipality) {
      out.push({ iri: seriesIri(ctx, layer.id), modified: f.modified });
      for (const m of f.municipalities) out.push({ iri: datasetIri(ctx, layer.id, m), modified: f.modified });
    }
  }
  for (const x of extraDatasets()) out.push({ iri: `${ctx.base}/api/catalog/datasets/${x.id}`, modified: await x.modified() });
  return out;
}

async function fileDistributions(
  ctx: CatalogContext,
  cache: DownloadCache,
  layer: LayerSchema,
  municipality?: number,
): Promise<DistributionRecord[]> {
  const out: DistributionRecord[] = [];
  for (const fmt of FORMATS) {
    const file = await cache.get(layer, fmt, municipality);
    const url = downloadUrl(ctx, layer, fmt.ext, municipality);
    out.push({
      key: fmt.id,
      title: { cs: `${downloadName(layer, fmt, municipality)} (${fmt.label})`, en: `${downloadName(layer, fmt, municipality)} (${fmt.label})` },
      accessUrl: url,
      downloadUrl: url,
      mediaType: fmt.mediaType,
      euFileType: fmt.euFileType,
      file: { bytes: file.bytes, sha256: file.sha256 },
      conformsTo: schemaIri(ctx, layer.id),
    });
  }
  return out;
}

function base(ctx: CatalogContext, layer: LayerSchema, facts: LayerFacts): Omit<DatasetRecord, 'iri' | 'kind' | 'distributions'> {
  const meta = datasetMetadata(layer);
  return {
    title: layer.title,
    description: layer.description,
    keywords: datasetKeywords(layer),
    euThemes: meta.euThemes,
    frequency: meta.frequency,
    municipalities: facts.municipalities.length ? facts.municipalities : [PUBLISHER.ruianObec],
    temporal: facts.temporal,
    modified: facts.modified,
    hvd: meta.hvd,
    terms: meta.terms,
    conformsTo: schemaIri(ctx, layer.id),
    page: `${ctx.base}/data/${layer.id}`,
  };
}

export async function layerDataset(db: Kysely<any>, ctx: CatalogContext, cache: DownloadCache, layer: LayerSchema): Promise<DatasetRecord> {
  const facts = await layerFacts(db, layer);
  const distributions = await fileDistributions(ctx, cache, layer);
  distributions.push(
    {
      key: 'ogc-api-features',
      title: { cs: 'OGC API – Features (GeoJSON)', en: 'OGC API – Features (GeoJSON)' },
      accessUrl: `${ctx.base}/api/collections/${layer.id}`,
      mediaType: 'application/geo+json',
      euFileType: 'GEOJSON',
      service: 'features',
      conformsTo: schemaIri(ctx, layer.id),
    },
    {
      key: 'vektorove-dlazdice',
      title: { cs: 'Vektorové dlaždice (Mapbox Vector Tile)', en: 'Vector tiles (Mapbox Vector Tile)' },
      accessUrl: `${ctx.base}/api/tiles/${layer.id}.json`,
      mediaType: 'application/vnd.mapbox-vector-tile',
      euFileType: 'BIN',
      service: 'tiles',
    },
  );
  if (layer.ofn) {
    const url = `${ctx.base}${ofnPath(layer)}`;
    const body = Buffer.from(await ofnBody(db, layer, ctx.base));
    distributions.push({
      key: 'ofn',
      title: { cs: `${layer.title.cs} podle ${layer.ofn.norm.title.cs} (JSON-LD)`, en: `${layer.title.en} as ${layer.ofn.norm.title.en} (JSON-LD)` },
      accessUrl: url,
      downloadUrl: url,
      mediaType: 'application/ld+json',
      euFileType: 'JSON_LD',
      file: { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') },
      conformsTo: layer.ofn.norm.iri,
    });
  }
  return { ...base(ctx, layer, facts), iri: datasetIri(ctx, layer.id), kind: 'dataset', distributions };
}

export async function layerSeries(db: Kysely<any>, ctx: CatalogContext, layer: LayerSchema): Promise<DatasetRecord> {
  const facts = await layerFacts(db, layer);
  const b = base(ctx, layer, facts);
  return {
    ...b,
    title: { cs: `${layer.title.cs} – série podle obcí`, en: `${layer.title.en} – series by municipality` },
    iri: seriesIri(ctx, layer.id),
    kind: 'series',
    distributions: [],
  };
}

export async function municipalityDataset(
  db: Kysely<any>,
  ctx: CatalogContext,
  cache: DownloadCache,
  layer: LayerSchema,
  municipality: number,
): Promise<DatasetRecord | undefined> {
  const facts = await layerFacts(db, layer);
  if (!facts.municipalities.includes(municipality)) return undefined;
  const name = (await municipalityNames(db)).get(municipality) ?? String(municipality);
  const b = base(ctx, layer, facts);
  return {
    ...b,
    title: { cs: `${layer.title.cs} – ${name}`, en: `${layer.title.en} – ${name}` },
    description: {
      cs: `${layer.description.cs} Část za obec ${name} (kód RÚIAN ${municipality}).`,
      en: `${layer.description.en} The part for the municipality of ${name} (RÚIAN code ${municipality}).`,
    },
    municipalities: [municipality],
    page: `${ctx.base}/data/${layer.id}?obec=${municipality}`,
    iri: datasetIri(ctx, layer.id, municipality),
    kind: 'dataset',
    inSeries: seriesIri(ctx, layer.id),
    distributions: await fileDistributions(ctx, cache, layer, municipality),
  };
}

export async function extraDataset(ctx: CatalogContext, x: ExtraDataset): Promise<DatasetRecord> {
  const distributions: DistributionRecord[] = [];
  for (const d of x.distributions) {
    const url = `${ctx.base}${d.path}`;
    distributions.push({ key: d.id, title: d.title, accessUrl: url, downloadUrl: url, mediaType: d.mediaType, euFileType: d.euFileType, file: await d.file?.() });
  }
  return {
    iri: `${ctx.base}/api/catalog/datasets/${x.id}`,
    kind: 'dataset',
    title: x.title,
    description: x.description,
    keywords: x.keywords,
    euThemes: x.euThemes,
    frequency: x.frequency,
    municipalities: await x.municipalities(),
    temporal: await x.temporal?.(),
    modified: await x.modified(),
    hvd: x.hvd ?? null,
    terms: x.terms ?? datasetMetadata(publicLayers()[0]!).terms,
    conformsTo: x.conformsTo,
    page: `${ctx.base}/data/${x.id}`,
    distributions,
  };
}
