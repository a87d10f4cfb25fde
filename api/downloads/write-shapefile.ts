import { open, mkdtemp, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import wkx from 'wkx';
import yazl from 'yazl';
import type { LayerSchema } from '../../schemas/index.ts';
import { exportColumns, exportRows, type ExportColumn, type ExportSelection } from './rows.ts';

/**
 * ESRI Shapefile (1998 technical description) + dBASE III table, zipped with
 * .prj (WGS 84) and .cpg (UTF-8). Written record by record to files whose
 * headers (lengths, extent, record count) are patched at the end, so memory
 * stays flat. The npm writers (shp-write and forks) build the whole file in memory.
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

function dbfFields(columns: readonly ExportColumn[]): DbfField[] {
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
        return { name, type: 'C', width: 254, decimals: 0 };
    }
  });
}

function fitUtf8(s: string, width: number): Buffer {
  let b = Buffer.from(s, 'utf8');
  if (b.length <= width) return b;
  // cut at a character boundary so the last character is never split
  let end = width;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  b = b.subarray(0, end);
  return b;
}

function dbfValue(f: DbfField, v: unknown): Buffer {
  const out = Buffer.alloc(f.width, 0x20);
  if (v === null || v === undefined) return out;
  let text: string;
  switch (f.type) {
    case 'N':
      text = f.decimals ? Number(v).toFixed(f.decimals) : String(Math.trunc(Number(v)));
      Buffer.from(text.slice(0, f.width), 'ascii').copy(out, Math.max(0, f.width - text.length));
      return out;
    case 'L':
      out.write(v ? 'T' : 'F', 0, 'ascii');
      return out;
    case 'D':
      out.write(String(v).replace(/-/g, '').slice(0, 8), 0, 'ascii');
      return out;
    default:
      fitUtf8(String(v), f.width).copy(out, 0);
      return out;
  }
}

type Ring = { x: number; y: number }[];

/** Parts (rings or lines) and points of a geometry in Shapefile order. */
function shapeParts(g: wkx.Geometry): Ring[] {
  if (g instanceof wkx.Point) return [[g]];
  if (g instanceof wkx.MultiPoint) return [g.points];
  if (g instanceof wkx.LineString) return [g.points];
  if (g instanceof wkx.MultiLineString) return g.lineStrings.map((l) => l.points);
  if (g instanceof wkx.Polygon) return [g.exteriorRing, ...g.interiorRings];
  if (g instanceof wkx.MultiPolygon) return g.polygons.flatMap((p) => [p.exteriorRing, ...p.interiorRings]);
  throw new Error(`unsupported geometry ${g.constructor.name}`);
}

function shapeRecord(shapeType: number, g: wkx.Geometry): { content: Buffer; bbox: [number, number, number, number] } {
  const parts = shapeParts(g);
  const pts = parts.flat();
  let xmin = Infinity, ymin = Infinity, xmax = -Infinity, ymax = -Infinity;
  for (const p of pts) {
    if (p.x < xmin) xmin = p.x;
    if (p.x > xmax) xmax = p.x;
    if (p.y < ymin) ymin = p.y;
    if (p.y > ymax) ymax = p.y;
  }
  if (shapeType === 1) {
    const b = Buffer.alloc(20);
    b.writeInt32LE(1, 0);
    b.writeDoubleLE(pts[0]!.x, 4);
    b.writeDoubleLE(pts[0]!.y, 12);
    return { content: b, bbox: [xmin, ymin, xmax, ymax] };
  }
  const header = shapeType === 8 ? 40 : 44 + 4 * parts.length;
  const b = Buffer.alloc(header + 16 * pts.length);
  b.writeInt32LE(shapeType, 0);
  b.writeDoubleLE(xmin, 4);
  b.writeDoubleLE(ymin, 12);
  b.writeDoubleLE(xmax, 20);
  b.writeDoubleLE(ymax, 28);
  let o: number;
  if (shapeType === 8) {
    b.writeInt32LE(pts.length, 36);
    o = 40;
  } else {
    b.writeInt32LE(parts.length, 36);
    b.writeInt32LE(pts.length, 40);
    let start = 0;
    parts.forEach((p, i) => {
      b.writeInt32LE(start, 44 + 4 * i);
      start += p.length;
    });
    o = header;
  }
  for (const p of pts) {
    b.writeDoubleLE(p.x, o);
    b.writeDoubleLE(p.y, o + 8);
    o += 16;
  }
  return { content: b, bbox: [xmin, ymin, xmax, ymax] };
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

class Appender {
  private pos = 0;
  private pending: Buffer[] = [];
  private size = 0;
  constructor(private fh: FileHandle, start: number) {
    this.pos = start;
  }
  async add(b: Buffer): Promise<void> {
    this.pending.push(b);
    this.size += b.length;
    if (this.size > 1 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    if (!this.size) return;
    const b = Buffer.concat(this.pending);
    this.pending = [];
    this.size = 0;
    await this.fh.write(b, 0, b.length, this.pos);
    this.pos += b.length;
  }
  get length(): number {
    return this.pos + this.size;
  }
}

export async function writeShapefileZip(db: Kysely<any>, layer: LayerSchema, sel: ExportSelection, path: string): Promise<void> {
  const cols = exportColumns(layer);
  const fields = dbfFields(cols);
  const shapeType = SHAPE_TYPE[layer.geometryType];
  const base = layer.id.replace(/-/g, '_');
  const dir = await mkdtemp(join(tmpdir(), 'geoportal-shp-'));
  const files = { shp: join(dir, `${base}.shp`), shx: join(dir, `${base}.shx`), dbf: join(dir, `${base}.dbf`) };
  const [shp, shx, dbf] = await Promise.all([open(files.shp, 'w'), open(files.shx, 'w'), open(files.dbf, 'w')]);
  try {
    const dbfHeaderLen = 32 + 32 * fields.length + 1;
    const recordLen = 1 + fields.reduce((s, f) => s + f.width, 0);
    const shpOut = new Appender(shp, 100);
    const shxOut = new Appender(shx, 100);
    const dbfOut = new Appender(dbf, dbfHeaderLen);
    const bbox = [Infinity, Infinity, -Infinity, -Infinity];
    let n = 0;
    for await (const rows of exportRows(db, layer, sel, { wkb: true, clockwise: true })) {
      for (const r of rows) {
        n++;
        const rec = shapeRecord(shapeType, wkx.Geometry.parse(r.wkb!));
        bbox[0] = Math.min(bbox[0]!, rec.bbox[0]);
        bbox[1] = Math.min(bbox[1]!, rec.bbox[1]);
        bbox[2] = Math.max(bbox[2]!, rec.bbox[2]);
        bbox[3] = Math.max(bbox[3]!, rec.bbox[3]);
        const rh = Buffer.alloc(8);
        rh.writeInt32BE(n, 0);
        rh.writeInt32BE(rec.content.length / 2, 4);
        const ix = Buffer.alloc(8);
        ix.writeInt32BE(shpOut.length / 2, 0);
        ix.writeInt32BE(rec.content.length / 2, 4);
        await shpOut.add(rh);
        await shpOut.add(rec.content);
        await shxOut.add(ix);
        await dbfOut.add(Buffer.concat([Buffer.from(' '), ...fields.map((f, i) => dbfValue(f, r.values[i]))]));
      }
    }
    await dbfOut.add(Buffer.from([0x1a]));
    await Promise.all([shpOut.flush(), shxOut.flush(), dbfOut.flush()]);
    await shp.write(mainHeader(shapeType, shpOut.length, bbox), 0, 100, 0);
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
    const zip = new yazl.ZipFile();
    for (const ext of ['shp', 'shx', 'dbf', 'prj', 'cpg']) zip.addFile(join(dir, `${base}.${ext}`), `${base}.${ext}`);
    zip.end();
    const ws = createWriteStream(path);
    zip.outputStream.pipe(ws);
    await once(ws, 'finish');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
