import type { Kysely } from 'kysely';
import type { LayerSchema } from '../../schemas/index.ts';
import { exportColumns, exportRows, type ExportSelection } from './rows.ts';
import { fileSink } from './sink.ts';

/** RFC 7946 FeatureCollection; geometry text comes from PostGIS (8 decimals), properties in schema order (the fid too, so every format carries the same columns). */
export async function writeGeoJson(db: Kysely<any>, layer: LayerSchema, sel: ExportSelection, path: string): Promise<void> {
  const cols = exportColumns(layer);
  const names = cols.map((c) => JSON.stringify(c.name));
  const out = fileSink(path);
  await out.write(`{"type":"FeatureCollection","name":${JSON.stringify(layer.id)},"features":[\n`);
  let first = true;
  for await (const rows of exportRows(db, layer, sel, { geojson: true })) {
    const parts: string[] = [];
    for (const r of rows) {
      const props = cols.map((_, i) => `${names[i]}:${JSON.stringify(r.values[i])}`);
      parts.push(`${first ? '' : ',\n'}{"type":"Feature","id":${r.values[0]},"geometry":${r.geojson},"properties":{${props.join(',')}}}`);
      first = false;
    }
    await out.write(parts.join(''));
  }
  await out.write('\n]}\n');
  await out.close();
}
