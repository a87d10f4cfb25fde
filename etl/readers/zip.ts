import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import yauzl from 'yauzl';
import { InputError } from '../errors.ts';
import type { ZipLimits } from './types.ts';

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 1000,
  maxTotalBytes: 4 * 1024 ** 3,
  maxRatio: 200,
};

const DATA_EXTENSIONS = ['.shp', '.gpkg', '.geojson', '.json', '.csv', '.xml'];

/**
 * Unpacks a zip (zipped shapefile, typically) into a private temporary folder
 * and names the data file inside. Zip bombs are refused before and while
 * unpacking: entry count, declared and actual sizes, compression ratio.
 */
export async function unpackZip(
  path: string,
  opts: { limits?: Partial<ZipLimits>; sourceLayer?: string } = {},
): Promise<{ dataFile: string; dir: string; cleanup: () => void }> {
  const file = basename(path);
  const limits = { ...DEFAULT_ZIP_LIMITS, ...opts.limits };
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, strictFileNames: false, validateEntrySizes: true });
  } catch (e) {
    throw new InputError(`not a readable zip archive: ${(e as Error).message}`, file);
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw new InputError(`zip has ${zip.entryCount} entries, more than the ${limits.maxEntries} allowed (zip bomb?)`, file);
  }
  const dir = mkdtempSync(join(tmpdir(), 'geoportal-zip-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const written: string[] = [];
  let total = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          const name = entry.fileName;
          if (name.endsWith('/') || /(^|\/)__MACOSX\//.test(name)) return zip.readEntry();
          if (name.startsWith('/') || name.split('/').includes('..')) throw new InputError(`zip entry "${name}" points outside the archive`, file);
          total += entry.uncompressedSize;
          if (total > limits.maxTotalBytes)
            throw new InputError(`zip unpacks to more than ${limits.maxTotalBytes} bytes (zip bomb?)`, file);
          if (entry.uncompressedSize > 1024 * 1024 && entry.uncompressedSize / Math.max(entry.compressedSize, 1) > limits.maxRatio)
            throw new InputError(`zip entry "${name}" is compressed ${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))}:1 (zip bomb?)`, file);
          const target = join(dir, name);
          mkdirSync(dirname(target), { recursive: true });
          const stream = await zip.openReadStreamPromise(entry);
          // the declared size is checked by yauzl (validateEntrySizes); this also caps what actually arrives
          let seen = 0;
          const cap = new Transform({
            transform(chunk: Buffer, _enc, cb) {
              seen += chunk.length;
              if (seen > entry.uncompressedSize) cb(new InputError(`zip entry "${name}" is larger than declared`, file));
              else cb(null, chunk);
            },
          });
          await pipeline(stream, cap, createWriteStream(target));
          written.push(target);
          zip.readEntry();
        })().catch(reject);
      });
      zip.readEntry();
    });
  } catch (e) {
    zip.close();
    cleanup();
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot unpack zip: ${(e as Error).message}`, file);
  }
  const candidates = written.filter((p) => DATA_EXTENSIONS.includes(extname(p).toLowerCase()));
  const wanted = opts.sourceLayer
    ? candidates.filter((p) => basename(p).toLowerCase() === opts.sourceLayer!.toLowerCase() || basename(p, extname(p)).toLowerCase() === opts.sourceLayer!.toLowerCase())
    : candidates;
  // a shapefile wins over loose .json files (metadata) next to it
  const shp = wanted.filter((p) => extname(p).toLowerCase() === '.shp');
  const pick = shp.length > 0 ? shp : wanted;
  if (pick.length !== 1) {
    cleanup();
    if (pick.length === 0) throw new InputError('the zip holds no shapefile, GeoPackage, GeoJSON or CSV', file);
    throw new InputError(`the zip holds ${pick.length} data files (${pick.map((p) => basename(p)).join(', ')}); choose one with --source-layer`, file);
  }
  return { dataFile: pick[0]!, dir, cleanup };
}
