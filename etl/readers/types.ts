import type { Geometry } from 'geojson';

export interface SourceRecord {
  /** 1-based position in the source, as reported in rejects */
  record: number;
  /** feature id carried by the format itself (GeoJSON `id`), if any */
  id?: string | number;
  properties: Record<string, unknown>;
  geometry: Geometry | null;
}

export interface SourceReader {
  /** file name shown in reports */
  file: string;
  /** EPSG code declared by the source, if it declares one */
  srid?: number;
  records(): AsyncIterable<SourceRecord>;
}
