import { extname } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Feature, Geometry } from 'geojson';
import { getLayer } from '../schemas/index.ts';
import { openSource, type SourceReader } from './readers/index.ts';
import { chooseIdSource, describeIdSource, FEATURE_ID, type IdSource } from './source-id.ts';
import { suggestMapping, toFieldMapping, type MappingSuggestion } from './suggest-mapping.ts';
import { importFile, type ImportOptions, type RunReport } from './import.ts';
import type { FieldMapping } from './mapping.ts';
import { InputError } from './errors.ts';

/**
 * Issue 16.2: what the import preview shows before a clerk confirms — detected format, encoding,
 * CRS and id column, the suggested (or given) mapping, the first features in WGS 84 and the
 * outcome of a dry run of the very import the confirmation would start (same `importFile`, same
 * checks: rejects with reasons, conflicts with staff edits, the withdrawal limit's hold).
 */
export interface ImportPreview {
  file: string;
  format: string;
  encoding: string | null;
  /** EPSG code the file declares (or the one given) */
  srid: number | null;
  /** records in the file, when the format says it up front */
  count: number | null;
  columns: string[];
  /** the id column (null: the format's own feature id, or a hash of the content) */
  idColumn: string | null;
  idSource: string;
  suggestion: MappingSuggestion;
  /** the mapping the dry run used: the one given, else the suggestion */
  mapping: FieldMapping;
  features: Feature[];
  dryRun: RunReport;
  /** the dry run's hold: the real run would be refused (withdrawal limit, policy hold) */
  held: string | null;
}

const FORMATS: Record<string, string> = {
  '.shp': 'Shapefile',
  '.zip': 'Shapefile (ZIP)',
  '.gpkg': 'GeoPackage',
  '.geojson': 'GeoJSON',
  '.json': 'GeoJSON',
  '.csv': 'CSV',
  '.fgb': 'FlatGeobuf',
};

async function firstRecords(reader: SourceReader, n: number): Promise<{ properties: Record<string, unknown>; geometry: Geometry | null; id?: string | number }[]> {
  const out: { properties: Record<string, unknown>; geometry: Geometry | null; id?: string | number }[] = [];
  for await (const r of reader.records()) {
    out.push({ properties: r.properties, geometry: r.geometry, id: r.id });
    if (out.length >= n) break;
  }
  return out;
}

function idColumnOf(id: IdSource): string | null {
  return id.kind === 'column' && id.column !== FEATURE_ID ? id.column : null;
}

export async function previewImport(
  db: Kysely<any>,
  opts: Pick<ImportOptions, 'path' | 'layerId' | 'municipality' | 'srid' | 'encoding' | 'idField' | 'sourceLayer' | 'mapping' | 'editPolicy' | 'rejectOutsideMunicipality'> & { sampleSize?: number },
): Promise<ImportPreview> {
  const layer = getLayer(opts.layerId);
  if (!layer) throw new InputError(`unknown layer ${opts.layerId}`, opts.path);
  const open = () => openSource(opts.path, { encoding: opts.encoding, sourceLayer: opts.sourceLayer, coordinates: opts.mapping?.coordinates });
  const reader = await open();
  let sample: Awaited<ReturnType<typeof firstRecords>>;
  let idSource: IdSource;
  try {
    sample = await firstRecords(reader, opts.sampleSize ?? 20);
    const again = await open();
    try {
      idSource = await chooseIdSource(again, opts.idField ?? opts.mapping?.idField, opts.mapping?.idFromContent);
    } finally {
      await again.close?.();
    }
  } finally {
    await reader.close?.();
  }
  const columns = Object.keys(sample[0]?.properties ?? {});
  const idColumn = idColumnOf(idSource);
  const suggestion = suggestMapping(layer, columns.filter((c) => c !== idColumn), sample.map((r) => r.properties));
  const mapping = opts.mapping ?? toFieldMapping(layer, suggestion, idColumn ?? undefined);
  const dryRun = await importFile(db, {
    path: opts.path,
    layerId: layer.id,
    municipality: opts.municipality,
    srid: opts.srid,
    encoding: opts.encoding,
    sourceLayer: opts.sourceLayer,
    idField: opts.idField,
    mapping,
    editPolicy: opts.editPolicy,
    rejectOutsideMunicipality: opts.rejectOutsideMunicipality,
    dryRun: true,
    trigger: 'portal:preview',
  });
  const srid = opts.srid ?? reader.srid ?? null;
  const features = await toWgs84(db, sample, srid);
  const held = dryRun.warnings.find((w) => w.startsWith('refused when run for real: ')) ?? null;
  return {
    file: reader.file,
    format: FORMATS[extname(opts.path).toLowerCase()] ?? extname(opts.path),
    encoding: reader.encoding ?? null,
    srid,
    count: reader.count ?? null,
    columns,
    idColumn,
    // the detection's own words (the dry run was given the suggested mapping, which names the column)
    idSource: describeIdSource(idSource),
    suggestion,
    mapping,
    features,
    dryRun,
    held: held && held.slice('refused when run for real: '.length),
  };
}

/** The sample's geometries in WGS 84 (transformed by PostGIS, as the import does), for the preview map. */
async function toWgs84(db: Kysely<any>, sample: { properties: Record<string, unknown>; geometry: Geometry | null; id?: string | number }[], srid: number | null): Promise<Feature[]> {
  const geoms = sample.map((r) => (r.geometry ? JSON.stringify(r.geometry) : null));
  const r = await sql<{ i: number; g: string | null }>`SELECT i::int AS i,
      CASE WHEN g IS NULL THEN NULL ELSE ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(g), ${srid ?? 4326}::int), 4326), 7) END AS g
    FROM unnest(${geoms}::text[]) WITH ORDINALITY AS x(g, i)`.execute(db);
  return r.rows
    .sort((a, b) => a.i - b.i)
    .map((row, k) => ({ type: 'Feature', id: k + 1, geometry: row.g ? (JSON.parse(row.g) as Geometry) : (null as unknown as Geometry), properties: sample[k]!.properties }));
}
