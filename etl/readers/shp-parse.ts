import { open, type FileHandle } from 'node:fs/promises';
import type { Geometry, Position } from 'geojson';

/**
 * Streaming ESRI Shapefile (.shp) and dBASE (.dbf) decoding. Hand-written
 * because the npm `shapefile` package reads one record per promise through
 * small buffers (~12 000 records/s here), which made the reader, not the
 * database, the bottleneck of an import; this one reads 4 MiB at a time and
 * decodes records synchronously. Format: ESRI Shapefile Technical Description
 * (1998) and the dBASE III+ table layout.
 */

const CHUNK = 1024 * 1024;
/**
 * Records decoded per batch. Small batches keep the decoded objects short-lived
 * (they die in V8's young generation instead of being promoted: a 4 MiB batch of
 * 150 000 points spent more time in the garbage collector than in decoding).
 */
const BATCH = 1024;

/** Sequential reader over a file handle with a growable window. */
class ByteReader {
  private buf = Buffer.alloc(0);
  private pos = 0;
  private eof = false;
  offset = 0;
  constructor(private readonly fh: FileHandle) {}

  /** makes `n` bytes available at the current position; false at end of file */
  async ensure(n: number): Promise<boolean> {
    while (this.buf.length - this.pos < n && !this.eof) {
      // the unread rest moves to the front of a new buffer and the file is read in after it
      const rest = this.buf.length - this.pos;
      const next = Buffer.allocUnsafe(rest + Math.max(CHUNK, n));
      this.buf.copy(next, 0, this.pos);
      const { bytesRead } = await this.fh.read(next, rest, next.length - rest, null);
      if (bytesRead === 0) this.eof = true;
      this.buf = next.subarray(0, rest + bytesRead);
      this.pos = 0;
    }
    return this.buf.length - this.pos >= n;
  }

  /** the next `n` bytes (valid until the next `ensure`) */
  take(n: number): Buffer {
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.offset += n;
    return b;
  }

  available(): number {
    return this.buf.length - this.pos;
  }

  peekInt32BE(at: number): number {
    return this.buf.readInt32BE(this.pos + at);
  }
}

export class DamagedError extends Error {}

/** A batch of shapes with each one's record bytes in the .shp (content only, without the record header). */
export interface ShapeBatch {
  shapes: (Geometry | null)[];
  raw: Buffer[];
}

/** Yields the shapes of a .shp as GeoJSON geometries (null for null shapes), in batches of what one read holds. */
export async function* readShapes(path: string): AsyncGenerator<(Geometry | null)[]> {
  for await (const b of readShapesRaw(path)) yield b.shapes;
}

/**
 * The shapes with their bytes: a record's bytes stay valid after the next read (every read fills a new
 * buffer), so an importer can fingerprint a record without decoding it again.
 */
export async function* readShapesRaw(path: string): AsyncGenerator<ShapeBatch> {
  const fh = await open(path, 'r');
  try {
    const r = new ByteReader(fh);
    if (!(await r.ensure(100))) throw new DamagedError('the .shp header is truncated');
    const header = r.take(100);
    if (header.readInt32BE(0) !== 9994) throw new DamagedError('not a shapefile (.shp file code is not 9994)');
    let n = 0;
    while (true) {
      if (!(await r.ensure(8))) {
        if (r.available() > 0) throw new DamagedError(`truncated record header after record ${n}`);
        return;
      }
      const batch: (Geometry | null)[] = [];
      const raw: Buffer[] = [];
      // decode the complete records already in memory without awaiting
      while (batch.length < BATCH && r.available() >= 8) {
        const length = r.peekInt32BE(4) * 2;
        if (length < 4 || length > 256 * 1024 * 1024) throw new DamagedError(`record ${n + 1} has an impossible length ${length}`);
        if (r.available() < 8 + length) break;
        r.take(8);
        n++;
        const bytes = r.take(length);
        raw.push(bytes);
        batch.push(parseShape(bytes, n));
      }
      if (batch.length > 0) yield { shapes: batch, raw };
      else {
        const length = r.peekInt32BE(4) * 2;
        if (!(await r.ensure(8 + length))) throw new DamagedError(`record ${n + 1} is cut off (file truncated)`);
      }
    }
  } finally {
    await fh.close();
  }
}

function parseShape(b: Buffer, n: number): Geometry | null {
  const type = b.readInt32LE(0);
  switch (type) {
    case 0:
      return null;
    case 1:
    case 11:
    case 21:
      return { type: 'Point', coordinates: [b.readDoubleLE(4), b.readDoubleLE(12)] };
    case 8:
    case 18:
    case 28: {
      const count = b.readInt32LE(36);
      const pts: Position[] = [];
      for (let i = 0; i < count; i++) pts.push([b.readDoubleLE(40 + i * 16), b.readDoubleLE(48 + i * 16)]);
      return { type: 'MultiPoint', coordinates: pts };
    }
    case 3:
    case 13:
    case 23:
    case 5:
    case 15:
    case 25: {
      const numParts = b.readInt32LE(36);
      const numPoints = b.readInt32LE(40);
      const partsAt = 44;
      const pointsAt = partsAt + numParts * 4;
      if (pointsAt + numPoints * 16 > b.length) throw new DamagedError(`record ${n} is shorter than its point count`);
      const parts: Position[][] = [];
      for (let p = 0; p < numParts; p++) {
        const start = b.readInt32LE(partsAt + p * 4);
        const end = p + 1 < numParts ? b.readInt32LE(partsAt + (p + 1) * 4) : numPoints;
        const ring: Position[] = [];
        for (let i = start; i < end; i++) ring.push([b.readDoubleLE(pointsAt + i * 16), b.readDoubleLE(pointsAt + i * 16 + 8)]);
        parts.push(ring);
      }
      const isLine = type % 10 === 3;
      if (isLine) return parts.length === 1 ? { type: 'LineString', coordinates: parts[0]! } : { type: 'MultiLineString', coordinates: parts };
      return polygons(parts);
    }
    default:
      throw new DamagedError(`record ${n} has unsupported shape type ${type}`);
  }
}

/** Shapefile rings: clockwise = outer, counter-clockwise = hole of the outer ring containing it. */
function polygons(rings: Position[][]): Geometry {
  const outers: Position[][][] = [];
  const holes: Position[][] = [];
  for (const r of rings) (signedArea(r) <= 0 ? outers.push([r]) : holes.push(r));
  for (const h of holes) {
    const owner = outers.find((o) => contains(o[0]!, h[0]!)) ?? outers[0];
    if (owner) owner.push(h);
    else outers.push([h.slice().reverse()]);
  }
  return outers.length === 1 ? { type: 'Polygon', coordinates: outers[0]! } : { type: 'MultiPolygon', coordinates: outers };
}

function signedArea(r: Position[]): number {
  let a = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) a += (r[j]![0]! - r[i]![0]!) * (r[j]![1]! + r[i]![1]!);
  return -a / 2;
}

function contains(ring: Position[], p: Position): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > p[1]! !== yj > p[1]! && p[0]! < ((xj - xi) * (p[1]! - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

interface DbfField {
  name: string;
  type: string;
  offset: number;
  length: number;
}

export interface DbfTable {
  count: number;
  /** bytes per record */
  recordLength: number;
  fields: string[];
  /** records in batches; null for a record marked deleted */
  rows(): AsyncGenerator<(Record<string, unknown> | null)[]>;
  /** the same with each record's bytes (valid after the next read: every read fills a new buffer) */
  rowsRaw(): AsyncGenerator<{ rows: (Record<string, unknown> | null)[]; raw: Buffer[] }>;
}

/** dBASE table header and a batched record reader. */
export async function openDbf(path: string, encoding: string): Promise<DbfTable> {
  const fh = await open(path, 'r');
  const head = Buffer.alloc(32);
  await fh.read(head, 0, 32, 0);
  const count = head.readUInt32LE(4);
  const headerLength = head.readUInt16LE(8);
  const recordLength = head.readUInt16LE(10);
  if (headerLength < 33 || recordLength < 1) {
    await fh.close();
    throw new DamagedError('the .dbf header is damaged');
  }
  const desc = Buffer.alloc(headerLength - 32);
  await fh.read(desc, 0, desc.length, 32);
  const fields: DbfField[] = [];
  let offset = 1;
  for (let at = 0; at + 32 <= desc.length && desc[at] !== 0x0d; at += 32) {
    const raw = desc.subarray(at, at + 11);
    const end = raw.indexOf(0);
    const length = desc[at + 16]!;
    fields.push({ name: raw.subarray(0, end === -1 ? 11 : end).toString('latin1'), type: String.fromCharCode(desc[at + 11]!), offset, length });
    offset += length;
  }
  const decoder = new TextDecoder(encoding);
  // one object literal with every field in a fixed order: all rows share a hidden class (much faster than keyed assignment);
  // the record is read as one latin1 string (a character per byte) that fields are sliced from: one native call a record, not one a field
  const build = new Function(
    'v',
    'f',
    'rec',
    'text',
    'decoder',
    `return {${fields.map((f, i) => `${JSON.stringify(f.name)}: v(f[${i}], rec, text, ${f.offset}, ${f.offset + f.length}, decoder)`).join(', ')}};`,
  ) as (v: typeof value, f: DbfField[], rec: Buffer, text: string, d: TextDecoder) => Record<string, unknown>;
  const makeRow = (rec: Buffer, d: TextDecoder) => build(value, fields, rec, rec.toString('latin1'), d);
  return {
    count,
    recordLength,
    fields: fields.map((f) => f.name),
    async *rows() {
      for await (const b of rowsRaw()) yield b.rows;
    },
    rowsRaw,
  };

  async function* rowsRaw(): AsyncGenerator<{ rows: (Record<string, unknown> | null)[]; raw: Buffer[] }> {
    try {
      const r = new ByteReader(fh);
      await r.ensure(headerLength);
      r.take(headerLength);
      let i = 0;
      while (i < count) {
        if (!(await r.ensure(recordLength))) throw new DamagedError(`the .dbf is cut off after record ${i}`);
        const batch: (Record<string, unknown> | null)[] = [];
        const raw: Buffer[] = [];
        while (i < count && batch.length < BATCH && r.available() >= recordLength) {
          const rec = r.take(recordLength);
          i++;
          raw.push(rec);
          if (rec[0] === 0x2a) {
            batch.push(null);
            continue;
          }
          batch.push(makeRow(rec, decoder));
        }
        yield { rows: batch, raw };
      }
    } finally {
      await fh.close();
    }
  }
}

/** One field of a record, decoded in place (no per-field Buffer objects: this runs millions of times). */
function value(f: DbfField, b: Buffer, text: string, start: number, stop: number, decoder: TextDecoder): unknown {
  let end = stop;
  while (end > start && (b[end - 1] === 0x20 || b[end - 1] === 0)) end--;
  let begin = start;
  while (begin < end && b[begin] === 0x20) begin++;
  if (begin === end) return null;
  switch (f.type) {
    case 'C': {
      for (let i = begin; i < end; i++) if (b[i]! >= 0x80) return decoder.decode(b.subarray(start, end)).trimStart();
      return text.slice(start, end).trimStart();
    }
    case 'N':
    case 'F': {
      if (b[begin] === 0x2a) return null; // "*****": overflow marker
      const n = Number(text.slice(begin, end));
      return Number.isFinite(n) ? n : null;
    }
    case 'L': {
      const c = b[begin]!;
      return c === 0x54 || c === 0x74 || c === 0x59 || c === 0x79 ? true : c === 0x46 || c === 0x66 || c === 0x4e || c === 0x6e ? false : null;
    }
    case 'D': {
      if (end - begin !== 8) return null;
      const d = text.slice(begin, end);
      return /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : null;
    }
    default:
      return null;
  }
}
