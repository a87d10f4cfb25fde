/**
 * The download formats: one entry each, used by the download routes, the
 * export writers and the catalogue (EU file type + IANA media type).
 */
export type FormatId = 'geojson' | 'csv' | 'gpkg' | 'shp' | 'fgb';

export interface DownloadFormat {
  id: FormatId;
  /** file name suffix of the download */
  ext: string;
  /** IANA media type (what we send and what the catalogue declares) */
  mediaType: string;
  /** code in the EU file-type authority table */
  euFileType: string;
  label: string;
}

export const FORMATS: readonly DownloadFormat[] = [
  { id: 'geojson', ext: 'geojson', mediaType: 'application/geo+json', euFileType: 'GEOJSON', label: 'GeoJSON' },
  { id: 'csv', ext: 'csv', mediaType: 'text/csv', euFileType: 'CSV', label: 'CSV' },
  { id: 'gpkg', ext: 'gpkg', mediaType: 'application/geopackage+sqlite3', euFileType: 'GPKG', label: 'GeoPackage' },
  { id: 'shp', ext: 'shp.zip', mediaType: 'application/zip', euFileType: 'SHP', label: 'Shapefile (ZIP)' },
  // the EU file-type table has no FlatGeobuf entry we could verify offline: declared as generic binary
  { id: 'fgb', ext: 'fgb', mediaType: 'application/octet-stream', euFileType: 'BIN', label: 'FlatGeobuf' },
];

const byId = new Map(FORMATS.map((f) => [f.id, f]));

export function getFormat(id: string): DownloadFormat | undefined {
  return byId.get(id as FormatId);
}

/** `obce.geojson` / `stanoviste.shp.zip` → layer id and format */
export function parseDownloadName(name: string): { layerId: string; format: DownloadFormat } | undefined {
  for (const f of FORMATS) {
    const suffix = `.${f.ext}`;
    if (name.endsWith(suffix) && name.length > suffix.length) return { layerId: name.slice(0, -suffix.length), format: f };
  }
  return undefined;
}
