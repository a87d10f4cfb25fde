import type { LayerSchema } from '../../schemas/index.ts';
import type { FormatId } from './formats.ts';
import type { ExportSelection } from './rows.ts';
import type { ExportSource } from './source.ts';
import { writeGeoJson } from './write-geojson.ts';
import { writeCsv } from './write-csv.ts';
import { writeGpkg } from './write-gpkg.ts';
import { writeShapefileZip } from './write-shapefile.ts';
import { writeFlatGeobuf } from './write-flatgeobuf.ts';

/** One writer per format; a module of its own so an export process loads the writers without the cache. */
export type Writer = (source: ExportSource, layer: LayerSchema, sel: ExportSelection, path: string) => Promise<void>;

export const WRITERS: Record<FormatId, Writer> = {
  geojson: writeGeoJson,
  csv: writeCsv,
  gpkg: writeGpkg,
  shp: writeShapefileZip,
  fgb: writeFlatGeobuf,
};
