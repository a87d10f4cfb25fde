import { extname, basename } from 'node:path';
import { InputError } from '../errors.ts';
import { openGeoJson } from './geojson.ts';
import { openShapefile } from './shapefile.ts';
import { openGeoPackage } from './geopackage.ts';
import { openCsv } from './csv.ts';
import { openFlatGeobuf } from './flatgeobuf.ts';
import { unpackZip } from './zip.ts';
import { openVfr } from './vfr.ts';
import { openRuianAddressCsv, isRuianAddressCsv } from './ruian-csv.ts';
import type { OpenOptions, SourceReader } from './types.ts';

export type { SourceReader, SourceRecord, OpenOptions } from './types.ts';

/** Picks the reader by file extension; a zip is unpacked first and its data file read. */
export async function openSource(path: string, opts: OpenOptions = {}): Promise<SourceReader> {
  const ext = extname(path).toLowerCase();
  if (ext === '.zip') {
    // a zipped VFR file (`*_UKSH.xml.zip`) holds one XML; --source-layer names the element type inside it
    const vfr = /\.xml\.zip$/i.test(path);
    const { dataFile, cleanup } = await unpackZip(path, { limits: opts.zipLimits, sourceLayer: vfr ? undefined : opts.sourceLayer });
    try {
      const layered = ['.gpkg', '.xml'].includes(extname(dataFile).toLowerCase());
      const inner = await openSource(dataFile, { ...opts, sourceLayer: layered ? opts.sourceLayer : undefined });
      return {
        ...inner,
        file: `${basename(path)}/${inner.file}`,
        records: () => inner.records(),
        batches: inner.batches ? () => inner.batches!() : undefined,
        async close() {
          await inner.close?.();
          cleanup();
        },
      };
    } catch (e) {
      cleanup();
      if (e instanceof InputError) throw new InputError(e.message, `${basename(path)}/${e.file}`);
      throw e;
    }
  }
  if (ext === '.geojson' || ext === '.json') return openGeoJson(path, { streamAbove: opts.streamGeoJsonAbove });
  if (ext === '.shp') return openShapefile(path, opts);
  if (ext === '.gpkg') return openGeoPackage(path, opts);
  if (ext === '.xml') return openVfr(path, opts);
  if ((ext === '.csv' || ext === '.txt') && (await isRuianAddressCsv(path))) return openRuianAddressCsv(path, opts);
  if (ext === '.csv' || ext === '.txt') return openCsv(path, opts);
  if (ext === '.fgb') return openFlatGeobuf(path);
  throw new InputError(`unsupported file type "${ext || '(none)'}" (GeoJSON, Shapefile, zipped Shapefile, GeoPackage, FlatGeobuf, CSV or RÚIAN VFR XML expected)`, basename(path));
}
