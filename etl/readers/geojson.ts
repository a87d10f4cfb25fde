import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Feature, FeatureCollection } from 'geojson';
import { InputError } from '../errors.ts';
import { parseCrsName } from '../crs.ts';
import type { SourceReader, SourceRecord } from './types.ts';

const STREAM_ABOVE = 32 * 1024 * 1024;

/**
 * GeoJSON FeatureCollection, a bare array of Features (Golemio), legacy `crs`
 * member honoured. Files above `streamAbove` bytes are never held in memory:
 * they are split into features as they are read (see `splitFeatures`).
 */
export async function openGeoJson(path: string, opts: { streamAbove?: number } = {}): Promise<SourceReader> {
  const file = basename(path);
  const size = (await stat(path)).size;
  if (size === 0) throw new InputError('file is empty', file);
  if (size > (opts.streamAbove ?? STREAM_ABOVE)) return openStreaming(path, file);
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
    srid = crsOf(fc.crs?.properties?.name, file);
  } else if (doc && typeof doc === 'object' && (doc as Feature).type === 'Feature') features = [doc as Feature];
  else throw new InputError('not a GeoJSON FeatureCollection or Feature', file);
  return {
    file,
    srid,
    count: features.length,
    async *records() {
      let record = 0;
      for (const f of features) yield toRecord(++record, f);
    },
  };
}

function crsOf(name: string | undefined, file: string): number | undefined {
  if (!name) return undefined;
  const srid = parseCrsName(name);
  if (srid === undefined) throw new InputError(`unknown CRS "${name}"`, file);
  return srid;
}

function toRecord(record: number, f: Feature | null | undefined): SourceRecord {
  return {
    record,
    id: typeof f?.id === 'string' || typeof f?.id === 'number' ? f.id : undefined,
    properties: f?.properties && typeof f.properties === 'object' ? f.properties : {},
    geometry: f?.geometry ?? null,
  };
}

async function openStreaming(path: string, file: string): Promise<SourceReader> {
  // the `crs` member precedes `features` in every writer we know (GDAL, ArcGIS, QGIS)
  const head = await readHead(path, 64 * 1024);
  const crs = /"crs"\s*:\s*\{[^{}]*"properties"\s*:\s*\{[^{}]*"name"\s*:\s*"([^"]+)"/.exec(head.split('"features"')[0] ?? '');
  const srid = crsOf(crs?.[1], file);
  return {
    file,
    srid,
    async *records() {
      let record = 0;
      for await (const json of splitFeatures(createReadStream(path), file)) {
        let f: Feature;
        try {
          f = JSON.parse(json) as Feature;
        } catch (e) {
          throw new InputError(`not valid JSON in feature ${record + 1}: ${(e as Error).message}`, file);
        }
        yield toRecord(++record, f);
      }
    },
  };
}

async function readHead(path: string, bytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of createReadStream(path, { start: 0, end: bytes - 1 })) {
    chunks.push(c as Buffer);
    n += (c as Buffer).length;
  }
  return Buffer.concat(chunks, n).toString('utf8');
}

/**
 * Yields the text of each element of the FeatureCollection's `features` array
 * (or of a top-level array) by tracking bracket depth outside strings; each
 * element is then parsed on its own, so memory holds one feature at a time.
 */
export async function* splitFeatures(stream: AsyncIterable<Buffer | string>, file: string): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  // state: 'seek' until the array that holds the features opens, then 'items'
  let state: 'seek' | 'items' | 'done' = 'seek';
  let prefix = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let item: string[] = [];
  let itemStart = -1;
  for await (const chunk of stream) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (state === 'seek') {
      prefix += text;
      const m = /^\s*\uFEFF?\s*\[/.exec(prefix) ?? /"features"\s*:\s*\[/.exec(prefix);
      if (!m) {
        if (prefix.length > 1_000_000) throw new InputError('no "features" array found in the first megabyte', file);
        continue;
      }
      state = 'items';
      const rest = prefix.slice(m.index + m[0].length);
      prefix = '';
      yield* scan(rest);
      continue;
    }
    if (state === 'items') yield* scan(text);
  }
  if (state === 'seek') throw new InputError('not a GeoJSON FeatureCollection (no "features" array)', file);
  if (state === 'items') throw new InputError('the file ends inside the features array (truncated?)', file);

  function* scan(text: string): Generator<string> {
    if (state !== 'items') return;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92 /* \ */) escaped = true;
        else if (c === 34 /* " */) inString = false;
        continue;
      }
      if (c === 34) {
        inString = true;
        if (depth === 0) throw new InputError('a feature is not a JSON object', file);
      } else if (c === 123 /* { */ || c === 91 /* [ */) {
        if (depth === 0) itemStart = i;
        depth++;
      } else if (c === 125 /* } */ || c === 93 /* ] */) {
        if (depth === 0) {
          if (c === 93) {
            state = 'done';
            return;
          }
          throw new InputError('unbalanced braces in the features array', file);
        }
        depth--;
        if (depth === 0) {
          item.push(text.slice(itemStart === -1 ? 0 : itemStart, i + 1));
          yield item.join('');
          item = [];
          itemStart = -1;
        }
      }
    }
    if (depth > 0) {
      item.push(text.slice(itemStart === -1 ? 0 : itemStart));
      itemStart = -1;
    }
  }
}
