import type { Kysely } from 'kysely';
import { buildHeader } from 'flatgeobuf/lib/mjs/generic/featurecollection.js';
import { buildFeature } from 'flatgeobuf/lib/mjs/generic/feature.js';
import { parseGeometry } from 'flatgeobuf/lib/mjs/geojson/geometry.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import type { ColumnMeta } from 'flatgeobuf/lib/mjs/column-meta.js';
import type { Geometry } from 'geojson';
import type { AttributeType, LayerSchema } from '../../schemas/index.ts';
import { countRows, exportColumns, exportRows, type ExportSelection } from './rows.ts';
import { fileSink } from './sink.ts';

/**
 * FlatGeobuf through the flatgeobuf package's own header and feature builders.
 * Its `serialize()` takes a whole feature array; calling the builders per row
 * streams instead (no spatial index: it would need every feature in memory).
 */
const MAGIC = new Uint8Array([0x66, 0x67, 0x62, 0x03, 0x66, 0x67, 0x62, 0x00]);

const COLUMN_TYPES: Record<AttributeType, ColumnType> = {
  text: ColumnType.String,
  code: ColumnType.String,
  integer: ColumnType.Long,
  number: ColumnType.Double,
  boolean: ColumnType.Bool,
  date: ColumnType.DateTime,
};

export async function writeFlatGeobuf(db: Kysely<any>, layer: LayerSchema, sel: ExportSelection, path: string): Promise<void> {
  const cols = exportColumns(layer);
  const columns: ColumnMeta[] = cols.map((c) => ({
    name: c.name,
    type: COLUMN_TYPES[c.type],
    title: null,
    description: null,
    width: -1,
    precision: -1,
    scale: -1,
    nullable: c.name !== 'fid',
    unique: c.name === 'fid',
    primary_key: c.name === 'fid',
  }));
  const header: HeaderMeta = {
    geometryType: GeometryType[layer.geometryType],
    columns,
    envelope: null,
    featuresCount: await countRows(db, layer, sel),
    indexNodeSize: 0,
    crs: null,
    title: layer.title.cs,
    description: null,
    metadata: null,
  };
  const out = fileSink(path);
  await out.write(MAGIC);
  await out.write(buildHeader(header, 4326));
  let written = 0;
  for await (const rows of exportRows(db, layer, sel, { geojson: true })) {
    const bufs = rows.map((r) => {
      const props: Record<string, string | number | boolean | null> = {};
      cols.forEach((c, i) => (props[c.name] = r.values[i] as string | number | boolean | null));
      const geometry = parseGeometry(JSON.parse(r.geojson!) as Exclude<Geometry, { type: 'GeometryCollection' }>);
      // a one-part MultiLineString may omit `ends` by the spec, but GDAL before 3.7 refuses it
      if (header.geometryType === GeometryType.MultiLineString && !geometry.ends) geometry.ends = [geometry.xy.length / 2];
      return buildFeature(geometry, props, header);
    });
    written += bufs.length;
    await out.write(Buffer.concat(bufs));
  }
  await out.close();
  // the count went into the header first; a concurrent change in between would make the file lie
  if (written !== header.featuresCount) throw new Error(`layer changed during export (${written} ≠ ${header.featuresCount})`);
}
