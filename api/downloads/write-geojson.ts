import type { LayerSchema } from '../../schemas/index.ts';
import type { ExportColumn, ExportSelection } from './rows.ts';
import type { ExportSource } from './source.ts';
import { fileSink } from './sink.ts';
import { ByteWriter } from './wkb.ts';

/** JSON text of one value of a column; numbers and booleans need no quoting, so only text goes through JSON.stringify. */
export function jsonValue(type: ExportColumn['type'], v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (type) {
    case 'integer':
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? String(v) : JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return JSON.stringify(v);
  }
}

/**
 * RFC 7946 FeatureCollection. PostgreSQL writes the JSON of each feature's
 * parts: the geometry (ST_AsGeoJSON, 8 decimals ≈ 1 mm) and the properties
 * (row_to_json: every export column, the fid too, in schema order), so Node
 * parses two fields per row instead of one per column and only joins text.
 */
export async function writeGeoJson(source: ExportSource, layer: LayerSchema, sel: ExportSelection, path: string): Promise<void> {
  const out = fileSink(path);
  await out.write(`{"type":"FeatureCollection","name":${JSON.stringify(layer.id)},"features":[\n`);
  let sep = '';
  for await (const rows of source.rows(layer, sel, { geojson: true, propsJson: true, values: false })) {
    // each feature's text is encoded into the chunk's buffer right away: one large string per chunk
    // would be flattened and copied again (large-object space, full GCs)
    const w = new ByteWriter(rows.length * 600);
    for (const r of rows) {
      const text = `${sep}{"type":"Feature","id":${r.values[0]},"geometry":${r.geojson},"properties":${r.propsJson}}`;
      w.ensure(text.length * 3);
      w.pos += w.buf.write(text, w.pos, 'utf8');
      sep = ',\n';
    }
    await out.write(w.bytes());
  }
  await out.write('\n]}\n');
  await out.close();
}
