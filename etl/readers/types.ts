import type { Geometry } from 'geojson';
import type { CoordinateColumns } from '../mapping.ts';

export interface SourceRecord {
  /** 1-based position in the source, as reported in rejects */
  record: number;
  /** feature id carried by the format itself (GeoJSON `id`, GeoPackage fid), if any */
  id?: string | number;
  properties: Record<string, unknown>;
  geometry: Geometry | null;
  /**
   * the record's bytes in the source, where the format has them (a shapefile's .dbf and .shp record):
   * equal bytes, equal record. The importer fingerprints a record with them before decoding more of it.
   */
  raw?: Uint8Array;
  /** why the source's geometry could not be read (an unclosed ring): the record is rejected with this reason */
  geometryError?: string;
}

export interface SourceReader {
  /** file name shown in reports */
  file: string;
  /** EPSG code declared by the source, if it declares one */
  srid?: number;
  /** number of records, when the format tells it up front (progress bar ETA) */
  count?: number;
  /** text encoding the attributes were decoded with (rejects name it when text looks wrong) */
  encoding?: string;
  records(): AsyncIterable<SourceRecord>;
  /** the same records in arrays, where the format reads them so (one await per batch, not per record) */
  batches?(): AsyncIterable<SourceRecord[]>;
  /** removes temporary files (unpacked archives) */
  close?(): Promise<void>;
}

export interface OpenOptions {
  encoding?: string;
  /** GeoPackage / zip: which layer or file inside to read */
  sourceLayer?: string;
  /** CSV coordinate columns */
  coordinates?: CoordinateColumns;
  /** zip-bomb guards (defaults in zip.ts) */
  zipLimits?: Partial<ZipLimits>;
  /** GeoJSON files larger than this are streamed feature by feature (bytes) */
  streamGeoJsonAbove?: number;
}

export interface ZipLimits {
  maxEntries: number;
  /** total uncompressed bytes */
  maxTotalBytes: number;
  /** uncompressed / compressed per entry (only checked above 1 MiB) */
  maxRatio: number;
}
