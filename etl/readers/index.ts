import { extname, basename } from 'node:path';
import { InputError } from '../errors.ts';
import { openGeoJson } from './geojson.ts';
import { openShapefile } from './shapefile.ts';
import type { SourceReader } from './types.ts';

export type { SourceReader, SourceRecord } from './types.ts';

export async function openSource(path: string, opts: { encoding?: string } = {}): Promise<SourceReader> {
  const ext = extname(path).toLowerCase();
  if (ext === '.geojson' || ext === '.json') return openGeoJson(path);
  if (ext === '.shp') return openShapefile(path, opts);
  throw new InputError(`unsupported file type "${ext || '(none)'}" (GeoJSON or Shapefile expected)`, basename(path));
}
