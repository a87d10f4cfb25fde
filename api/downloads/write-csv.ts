import type { Kysely } from 'kysely';
import { stringify } from 'csv-stringify/sync';
import type { LayerSchema } from '../../schemas/index.ts';
import { exportColumns, exportRows, type ExportSelection } from './rows.ts';
import { fileSink } from './sink.ts';

/** Coordinate columns of the CSV: WGS 84 lon/lat and S-JTSK (EPSG:5514) X/Y of the feature's point (or a point on its surface). */
export const CSV_COORDINATE_COLUMNS = ['lon', 'lat', 'x_sjtsk', 'y_sjtsk'] as const;
/** Non-point layers also carry the full geometry as WKT (WGS 84). */
export const CSV_WKT_COLUMN = 'wkt';

/** UTF-8 with BOM so spreadsheet programs (Excel) detect the encoding of Czech text. */
export async function writeCsv(db: Kysely<any>, layer: LayerSchema, sel: ExportSelection, path: string): Promise<void> {
  const cols = exportColumns(layer);
  const withWkt = layer.geometryType !== 'Point';
  const header = [...cols.map((c) => c.name), ...CSV_COORDINATE_COLUMNS, ...(withWkt ? [CSV_WKT_COLUMN] : [])];
  const out = fileSink(path);
  await out.write('\uFEFF' + stringify([header], { record_delimiter: '\r\n' }));
  for await (const rows of exportRows(db, layer, sel, { point: true, wkt: withWkt })) {
    const records = rows.map((r) => [
      ...r.values.map((v) => (v === null ? '' : typeof v === 'boolean' ? (v ? 'true' : 'false') : v)),
      r.lon!.toFixed(8),
      r.lat!.toFixed(8),
      r.x!.toFixed(3),
      r.y!.toFixed(3),
      ...(withWkt ? [r.wkt ?? ''] : []),
    ]);
    await out.write(stringify(records, { record_delimiter: '\r\n' }));
  }
  await out.close();
}
