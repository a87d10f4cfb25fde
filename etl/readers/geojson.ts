import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Feature, FeatureCollection } from 'geojson';
import { InputError } from '../errors.ts';
import { parseCrsName } from '../crs.ts';
import type { SourceReader } from './types.ts';

/** GeoJSON FeatureCollection, a bare array of Features (Golemio), legacy `crs` member honoured. */
export async function openGeoJson(path: string): Promise<SourceReader> {
  const file = basename(path);
  const text = await readFile(path, 'utf8');
  if (text.trim() === '') throw new InputError('file is empty', file);
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new InputError(`not valid JSON: ${(e as Error).message}`, file);
  }
  let features: Feature[];
  let srid: number | undefined;
  if (Array.isArray(doc)) features = doc as Feature[];
  else if (doc && typeof doc === 'object' && (doc as FeatureCollection).type === 'FeatureCollection') {
    const fc = doc as FeatureCollection & { crs?: { properties?: { name?: string } } };
    if (!Array.isArray(fc.features)) throw new InputError('FeatureCollection without a features array', file);
    features = fc.features;
    const crsName = fc.crs?.properties?.name;
    if (crsName) {
      srid = parseCrsName(crsName);
      if (srid === undefined) throw new InputError(`unknown CRS "${crsName}"`, file);
    }
  } else if (doc && typeof doc === 'object' && (doc as Feature).type === 'Feature') features = [doc as Feature];
  else throw new InputError('not a GeoJSON FeatureCollection or Feature', file);
  return {
    file,
    srid,
    async *records() {
      let record = 0;
      for (const f of features) {
        record++;
        yield {
          record,
          id: typeof f?.id === 'string' || typeof f?.id === 'number' ? f.id : undefined,
          properties: f?.properties && typeof f.properties === 'object' ? f.properties : {},
          geometry: f?.geometry ?? null,
        };
      }
    },
  };
}
