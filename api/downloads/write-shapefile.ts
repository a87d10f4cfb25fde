import { open, mkdtemp, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipFiles } from './zip.ts';
import type { LayerSchema } from '../../schemas/index.ts';
import { exportColumns, type ExportColumn, type ExportSelection } from './rows.ts';
import type { ExportSource } from './source.ts';
import { ByteWriter, copyBytes, readWkb, type FlatGeometry } from './wkb.ts';
import { rawNumber } from './copy-binary.ts';

/**
 * ESRI Shapefile (1998 technical description) + dBASE III table, zipped with
 * .prj (WGS 84) and .cpg (UTF-8). Written record by record to files whose
 * headers (lengths, extent, record count) are patched at the end, so memory
 * stays flat: each chunk of rows becomes one buffer per file, records written
 * into it in place from the PostGIS WKB. The npm writers (shp-write and forks)
 * build the whole file in memory.
 */

export const SHP_PRJ =
  'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]';

const SHAPE_TYPE = { Point: 1, MultiPoint: 8, LineString: 3, MultiLineString: 3, Polygon: 5, MultiPolygon: 5 } as const;

interface DbfField {
  name: string;
  type: 'C' | 'N' | 'L' | 'D';
  width: number;
  decimals: number;
}

/** dBASE field names have at most 10 characters; truncated names are made unique with a numeric suffix. */
export function shapefileFieldNames(columns: readonly ExportColumn[]): string[] {
  const used = new Set<string>();
  return columns.map((c) => {
    let name = c.name.slice(0, 10);
    for (let i = 1; used.has(name.toLowerCase()); i++) name = c.name.slice(0, 10 - String(i).length) + i;
    used.add(name.toLowerCase());
    return name;
  });
}

/** Text columns are as wide as their longest value in bytes (1–254, one scan before the rows are read), not always 254: the .dbf is then several times smaller to write and zip. */
function dbfFields(columns: readonly ExportColumn[], textWidths: ReadonlyMap<number, number>): DbfField[] {
  const names = shapefileFieldNames(columns);
  return columns.map((c, i) => {
    const name = names[i]!;
    switch (c.type) {
      case 'integer':
        return { name, type: 'N', width: 11, decimals: 0 };
      case 'number':
        return { name, type: 'N', width: 24, decimals: 10 };
      case 'boolean':
        return { name, type: 'L', width: 1, decimals: 0 };
      case 'date':
        return { name, type: 'D', width: 8, decimals: 0 };
      default:
        return { name, type: 'C', width: Math.min(254, Math.max(1, textWidths.get(i) ?? 254)), decimals: 0 };
    }
  });
}

/**
 * Writes one dBASE value into the record at `o` (the field is pre-filled with
 * spaces) from its binary form at `so` (`n` bytes, -1 = NULL) in `src`: text is
 * copied as UTF-8 bytes, numbers are formatted here.
 */
function dbfValue(b: Buffer, o: number, f: DbfField, src: Buffer, so: number, n: number): void {
  if (n < 0) return;
  switch (f.type) {
    case 'N': {
      const v = rawNumber(src, so, n, f.decimals ? 'float' : 'int');
      const text = f.decimals ? v.toFixed(f.decimals) : String(Math.trunc(v));
      const t = text.slice(0, f.width);
      b.write(t, o + f.width - t.length, 'latin1');
      return;
    }
    case 'L':
      b[o] = src[so] ? 0x54 : 0x46;
      return;
    case 'D':
      // YYYY-MM-DD (to_char) → YYYYMMDD
      if (n === 10) {
        copyBytes(src, so, b, o, 4);
        copyBytes(src, so + 5, b, o + 4, 2);
        copyBytes(src, so + 8, b, o + 6, 2);
      } else b.write(src.toString('latin1', so, so + n).replace(/-/g, '').slice(0, 8), o, 'latin1');
      return;
    default: {
      // a cut text ends at a character boundary (never inside a UTF-8 sequence)
      let m = Math.min(n, f.width);
      if (m < n) while (m > 0 && (src[so + m]! & 0xc0) === 0x80) m--;
      copyBytes(src, so, b, o, m);
    }
  }
}

/** One shape record (8-byte header + content) into `w`; returns its content length in bytes and widens `bbox`. */
function shapeRecord(w: ByteWriter, n: number, shapeType: number, g: FlatGeometry, bbox: number[]): number {
  const xy = g.xy;
  const npts = xy.length / 2;
  let xmin = Infinity, ymin = Infinity, xmax = -Infinity, ymax = -Infinity;
  for (let i = 0; i < xy.length; i += 2) {
    const x = xy[i]!, y = xy[i + 1]!;
    if (x < xmin) xmin = x;
    if (x > xmax) xmax = x;
    if (y < ymin) ymin = y;
    if (y > ymax) ymax = y;
  }
  if (xmin < bbox[0]!) bbox[0] = xmin;
  if (ymin < bbox[1]!) bbox[1] = ymin;
  if (xmax > bbox[2]!) bbox[2] = xmax;
  if (ymax > bbox[3]!) bbox[3] = ymax;
  const parts = shapeType === 3 || shapeType === 5 ? g.ends : [];
  const length = shapeType === 1 ? 20 : shapeType === 8 ? 40 + 16 * npts : 44 + 4 * parts.length + 16 * npts;
  w.ensure(8 + length);
  const b = w.buf;
  let o = w.pos;
  b.writeInt32BE(n, o);
  b.writeInt32BE(length / 2, o + 4);
  b.writeInt32LE(shapeType, o + 8);
  o += 12;
  if (shapeType === 1) {
    b.writeDoubleLE(xy[0]!, o);
    b.writeDoubleLE(xy[1]!, o + 8);
    w.pos = o + 16;
    return length;
  }
  b.writeDoubleLE(xmin, o);
  b.writeDoubleLE(ymin, o + 8);
  b.writeDoubleLE(xmax, o + 16);
  b.writeDoubleLE(ymax, o + 24);
  o += 32;
  if (shapeType === 8) {
    b.writeInt32LE(npts, o);
    o += 4;
  } else {
    b.writeInt32LE(parts.length, o);
    b.writeInt32LE(npts, o + 4);
    o += 8;
    let start = 0;
    for (const end of parts) {
      b.writeInt32LE(start, o);
      o += 4;
      start = end;
    }
  }
  for (let i = 0; i < xy.length; i++) o = b.writeDoubleLE(xy[i]!, o);
  w.pos = o;
  return length;
}

function mainHeader(shapeType: number, lengthBytes: number, bbox: number[]): Buffer {
  const h = Buffer.alloc(100);
  h.writeInt32BE(9994, 0);
  h.writeInt32BE(lengthBytes / 2, 24);
  h.writeInt32LE(1000, 28);
  h.writeInt32LE(shapeType, 32);
  bbox.forEach((v, i) => h.writeDoubleLE(Number.isFinite(v) ? v : 0, 36 + 8 * i));
  return h;
}

/** Appends chunks at a file position (the header before them is written last); the position moves at once, the write may still run. */
class Appender {
  constructor(
    private fh: FileHandle,
    public pos: number,
  ) {}
  add(b: Buffer): Promise<unknown> {
    const at = this.pos;
    this.pos += b.length;
    return this.fh.write(b, 0, b.length, at);
  }
}

export async function writeShapefileZip(source: ExportSource, layer: LayerSchema, sel: ExportSelection, path: string): Promise<void> {
  const cols = exportColumns(layer);
  const fields = dbfFields(cols, await source.textWidths(layer, sel));
  const shapeType = SHAPE_TYPE[layer.geometryType];
  const base = layer.id.replace(/-/g, '_');
  const dir = await mkdtemp(join(tmpdir(), 'geoportal-shp-'));
  const files = { shp: join(dir, `${base}.shp`), shx: join(dir, `${base}.shx`), dbf: join(dir, `${base}.dbf`) };
  const [shp, shx, dbf] = await Promise.all([open(files.shp, 'w'), open(files.shx, 'w'), open(files.dbf, 'w')]);
  try {
    const dbfHeaderLen = 32 + 32 * fields.length + 1;
    const recordLen = 1 + fields.reduce((s, f) => s + f.width, 0);
    const offsets = fields.map((_, i) => 1 + fields.slice(0, i).reduce((s, f) => s + f.width, 0));
    const shpOut = new Appender(shp, 100);
    const shxOut = new Appender(shx, 100);
    const dbfOut = new Appender(dbf, dbfHeaderLen);
    const bbox = [Infinity, Infinity, -Infinity, -Infinity];
    let n = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const geomAt = cols.length; // the WKB follows the export columns
    for await (const batch of source.batches(layer, sel, { wkb: true, clockwise: true })) {
      // one buffer per file per chunk: records are written into them in place
      const rows = batch.rows;
      const { buf: src, off, len, fields: nf } = batch;
      const shpW = new ByteWriter(rows * (shapeType === 1 ? 28 : 256));
      const shxW = new ByteWriter(rows * 8);
      const dbfB = Buffer.alloc(rows * recordLen, 0x20);
      for (let k = 0; k < rows; k++) {
        const at = k * nf;
        const offset = shpOut.pos + shpW.pos;
        const length = shapeRecord(shpW, ++n, shapeType, readWkb(src, off[at + geomAt]!, len[at + geomAt]!), bbox);
        shxW.buf.writeInt32BE(offset / 2, shxW.pos);
        shxW.buf.writeInt32BE(length / 2, shxW.pos + 4);
        shxW.pos += 8;
        const rec = k * recordLen;
        for (let i = 0; i < fields.length; i++) dbfValue(dbfB, rec + offsets[i]!, fields[i]!, src, off[at + i]!, len[at + i]!);
      }
      // this chunk is written while the next one is made; at most one chunk's writes in flight
      await writing;
      writing = Promise.all([shpOut.add(shpW.bytes()), shxOut.add(shxW.bytes()), dbfOut.add(dbfB)]);
      writing.catch(() => {}); // reported by the next await, not as an unhandled rejection meanwhile
    }
    await writing;
    await dbfOut.add(Buffer.from([0x1a]));
    await shp.write(mainHeader(shapeType, shpOut.pos, bbox), 0, 100, 0);
    await shx.write(mainHeader(shapeType, 100 + 8 * n, bbox), 0, 100, 0);
    const dh = Buffer.alloc(dbfHeaderLen);
    const now = new Date();
    dh.writeUInt8(0x03, 0);
    dh.writeUInt8(now.getUTCFullYear() - 1900, 1);
    dh.writeUInt8(now.getUTCMonth() + 1, 2);
    dh.writeUInt8(now.getUTCDate(), 3);
    dh.writeUInt32LE(n, 4);
    dh.writeUInt16LE(dbfHeaderLen, 8);
    dh.writeUInt16LE(recordLen, 10);
    fields.forEach((f, i) => {
      const o = 32 + 32 * i;
      dh.write(f.name, o, 10, 'ascii');
      dh.write(f.type, o + 11, 1, 'ascii');
      dh.writeUInt8(f.width, o + 16);
      dh.writeUInt8(f.decimals, o + 17);
    });
    dh.writeUInt8(0x0d, dbfHeaderLen - 1);
    await dbf.write(dh, 0, dh.length, 0);
  } finally {
    await Promise.all([shp.close(), shx.close(), dbf.close()]);
  }
  try {
    await writeFile(join(dir, `${base}.prj`), SHP_PRJ);
    await writeFile(join(dir, `${base}.cpg`), 'UTF-8');
    await zipFiles(path, ['shp', 'shx', 'dbf', 'prj', 'cpg'].map((ext) => ({ name: `${base}.${ext}`, path: join(dir, `${base}.${ext}`) })));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
