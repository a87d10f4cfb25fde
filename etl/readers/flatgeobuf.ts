import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Geometry } from 'geojson';
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import { InputError } from '../errors.ts';
import type { SourceReader } from './types.ts';

const MAGIC = [0x66, 0x67, 0x62]; // "fgb"

/**
 * FlatGeobuf (our own download format, and GDAL's): CRS from the header's EPSG
 * code, properties as typed columns. The file is read into memory: FlatGeobuf
 * downloads of a layer are a few MB.
 */
export async function openFlatGeobuf(path: string): Promise<SourceReader> {
  const file = basename(path);
  const bytes = new Uint8Array(await readFile(path));
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new InputError('not a FlatGeobuf file', file);
  let header: HeaderMeta | undefined;
  try {
    // the header arrives with the first feature
    for await (const f of deserialize(bytes, { headerMetaFn: (h) => (header = h) })) {
      void f;
      break;
    }
  } catch (e) {
    throw new InputError(`FlatGeobuf is damaged: ${(e as Error).message}`, file);
  }
  const code = header?.crs?.code;
  const org = header?.crs?.org;
  const srid = code && code > 0 && (!org || /^epsg$/i.test(org)) ? code : undefined;
  return {
    file,
    srid,
    count: header?.featuresCount ? Number(header.featuresCount) : undefined,
    encoding: 'utf-8',
    async *records() {
      let record = 0;
      try {
        for await (const f of deserialize(bytes)) {
          record++;
          yield { record, properties: (f.properties ?? {}) as Record<string, unknown>, geometry: (f.geometry ?? null) as Geometry | null };
        }
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw new InputError(`FlatGeobuf is damaged after record ${record}: ${(e as Error).message}`, file);
      }
    },
  };
}
