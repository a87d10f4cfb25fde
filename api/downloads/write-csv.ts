import type { LayerSchema } from '../../schemas/index.ts';
import { exportColumns, type ExportColumn, type ExportSelection } from './rows.ts';
import type { ExportSource } from './source.ts';
import { fileSink } from './sink.ts';
import { ByteWriter } from './wkb.ts';

/** Coordinate columns of the CSV: WGS 84 lon/lat and S-JTSK (EPSG:5514) X/Y of the feature's point (or a point on its surface). */
export const CSV_COORDINATE_COLUMNS = ['lon', 'lat', 'x_sjtsk', 'y_sjtsk'] as const;
/** Non-point layers also carry the full geometry as WKT (WGS 84). */
export const CSV_WKT_COLUMN = 'wkt';

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180 field: quoted (quotes doubled) only when it holds a comma, quote or line break. */
export function csvField(s: string): string {
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvValue(type: ExportColumn['type'], v: unknown): string {
  if (v === null || v === undefined) return '';
  if (type === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  return csvField(String(v));
}

/** UTF-8 with BOM so spreadsheet programs (Excel) detect the encoding of Czech text; CRLF line ends. */
export async function writeCsv(source: ExportSource, layer: LayerSchema, sel: ExportSelection, path: string): Promise<void> {
  const cols = exportColumns(layer);
  const types = cols.map((c) => c.type);
  const withWkt = layer.geometryType !== 'Point';
  const header = [...cols.map((c) => c.name), ...CSV_COORDINATE_COLUMNS, ...(withWkt ? [CSV_WKT_COLUMN] : [])];
  const out = fileSink(path);
  await out.write('\uFEFF' + header.map(csvField).join(',') + '\r\n');
  for await (const rows of source.rows(layer, sel, { point: true, wkt: withWkt })) {
    // each line is encoded into the chunk's buffer at once (no chunk-sized string to flatten and copy again)
    const w = new ByteWriter(rows.length * 256);
    for (const r of rows) {
      let line = '';
      for (let i = 0; i < types.length; i++) line += csvValue(types[i]!, r.values[i]) + ',';
      line += `${r.lon!.toFixed(8)},${r.lat!.toFixed(8)},${r.x!.toFixed(3)},${r.y!.toFixed(3)}`;
      if (withWkt) line += ',' + csvField(r.wkt ?? '');
      line += '\r\n';
      w.ensure(line.length * 3);
      w.pos += w.buf.write(line, w.pos, 'utf8');
    }
    await out.write(w.bytes());
  }
  await out.close();
}
