import { open } from 'node:fs/promises';
import { buildHeader } from 'flatgeobuf/lib/mjs/generic/featurecollection.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import type { ColumnMeta } from 'flatgeobuf/lib/mjs/column-meta.js';
import type { AttributeType, LayerSchema } from '../../schemas/index.ts';
import { exportColumns, type ExportSelection } from './rows.ts';
import type { ExportSource } from './source.ts';
import { fileSink } from './sink.ts';
import { ByteWriter, copyBytes, readWkb, zero, type FlatGeometry } from './wkb.ts';
import { encodeBatch, rawNumber, type FieldDecoder, type RawBatch } from './copy-binary.ts';

/**
 * FlatGeobuf without a spatial index (it would need every feature in memory).
 * The header comes from the flatgeobuf package; the features are encoded here,
 * straight from PostGIS WKB into one buffer per chunk. The package's
 * `buildFeature` allocates a flatbuffers builder, a property buffer and
 * coordinate arrays for every feature (≈ 4× slower). PostGIS's own
 * ST_AsFlatGeobuf is no help: in 3.3 and 3.6 it numbers the properties after
 * a NULL wrongly (the k-th non-null value gets index k), and even with the
 * indices rewritten from a per-row NULL mask, the aggregate cost PostgreSQL
 * more CPU (≈ 1.0 s per 100,000 points) than this whole encoder (tried).
 *
 * Layout of one feature (a size-prefixed flatbuffer, schema feature.fbs):
 * every offset points forward, tables are 4-byte aligned, coordinate vectors
 * 8-byte aligned counted from the size prefix, and every feature with its prefix
 * is a multiple of 8 bytes (the header is too), as the package writes them.
 */
const MAGIC = new Uint8Array([0x66, 0x67, 0x62, 0x03, 0x66, 0x67, 0x62, 0x00]);

const FLUSH = 1 << 19;

const COLUMN_TYPES: Record<AttributeType, ColumnType> = {
  text: ColumnType.String,
  code: ColumnType.String,
  integer: ColumnType.Long,
  number: ColumnType.Double,
  boolean: ColumnType.Bool,
  // ISO text (to_char), which is how FlatGeobuf stores DateTime values
  date: ColumnType.DateTime,
};

/** Writes a Geometry table (then its vectors and parts) at the writer's position; returns the table's position. */
function writeGeometry(w: ByteWriter, start: number, g: FlatGeometry, type: number, ends: number[] | undefined, parts: FlatGeometry[] | undefined): number {
  w.align(4, start);
  const nFields = parts ? 8 : 7; // ends, xy, z, m, t, tm, type[, parts]
  const vt = w.pos;
  const vtSize = 4 + 2 * nFields;
  const t = vt + ((vtSize + 3) & ~3);
  const tblSize = 4 + 4 + (ends ? 4 : 0) + 1;
  w.ensure(t - vt + tblSize + 8);
  const b = w.buf;
  zero(b, vt, t + tblSize - vt);
  b.writeUInt16LE(vtSize, vt);
  b.writeUInt16LE(tblSize, vt + 2);
  const refPos = t + 4;
  const endsPos = t + 8;
  const typePos = t + (ends ? 12 : 8);
  if (ends) b.writeUInt16LE(8, vt + 4); // field 0: ends
  if (!parts) b.writeUInt16LE(4, vt + 6); // field 1: xy
  b.writeUInt16LE(typePos - t, vt + 4 + 2 * 6); // field 6: type
  if (parts) b.writeUInt16LE(4, vt + 4 + 2 * 7); // field 7: parts
  b.writeInt32LE(t - vt, t);
  b.writeUInt8(type, typePos);
  w.pos = typePos + 1;
  if (!parts) {
    // the doubles after the length are 8-aligned from the size prefix, like the flatgeobuf package's
    // (readers of a whole file view them in place as a Float64Array)
    w.align(4, start);
    if ((w.pos - start) % 8 === 4) w.align(8, start);
    w.ensure(4 + 8 * g.xy.length);
    const v = w.pos;
    w.buf.writeUInt32LE(g.xy.length, v);
    let o = v + 4;
    for (const c of g.xy) o = w.buf.writeDoubleLE(c, o);
    w.pos = o;
    w.buf.writeUInt32LE(v - refPos, refPos);
  }
  if (ends) {
    w.align(4, start);
    w.ensure(4 + 4 * ends.length);
    const v = w.pos;
    w.buf.writeUInt32LE(ends.length, v);
    let o = v + 4;
    for (const e of ends) o = w.buf.writeUInt32LE(e, o);
    w.pos = o;
    w.buf.writeUInt32LE(v - endsPos, endsPos);
  }
  if (parts) {
    w.align(4, start);
    w.ensure(4 + 4 * parts.length);
    const v = w.pos;
    w.buf.writeUInt32LE(parts.length, v);
    w.pos = v + 4 + 4 * parts.length;
    w.buf.writeUInt32LE(v - refPos, refPos);
    parts.forEach((p, i) => {
      const pt = writeGeometry(w, start, p, GeometryType.Polygon, p.ends.length > 1 ? p.ends : undefined, undefined);
      const entry = v + 4 + 4 * i;
      w.buf.writeUInt32LE(pt - entry, entry);
    });
  }
  return t;
}

/** The Feature table and its geometry, up to the properties' length word (reserved); relative offsets only. */
function writeHead(w: ByteWriter, g: FlatGeometry, geometryType: number): void {
  w.ensure(4 + 24);
  const prefix = w.pos;
  const s = prefix + 4;
  const b = w.buf;
  b.writeUInt32LE(12, s); // root: the Feature table
  b.writeUInt16LE(8, s + 4); // vtable: its size, the table's size, geometry at +4, properties at +8
  b.writeUInt16LE(12, s + 6);
  b.writeUInt16LE(4, s + 8);
  b.writeUInt16LE(8, s + 10);
  b.writeInt32LE(8, s + 12);
  b.writeUInt32LE(0, s + 16);
  b.writeUInt32LE(0, s + 20);
  w.pos = s + 24;
  // polygons and lines carry `ends` only when they have several rings/lines, like the flatgeobuf package; a
  // MultiLineString always (one-part ones without `ends` are refused by GDAL before 3.7)
  const ends = geometryType === GeometryType.MultiLineString || ((geometryType === GeometryType.Polygon) && g.ends.length > 1) ? g.ends : undefined;
  const gt = writeGeometry(w, s, g, geometryType, ends, geometryType === GeometryType.MultiPolygon ? g.parts : undefined);
  w.buf.writeUInt32LE(gt - (s + 16), s + 16);
  // properties: [uint16 column index][value] for each non-null value
  w.align(4, s);
  w.ensure(4);
  w.pos += 4;
}

/**
 * A point feature's head is the same bytes but for its two coordinates: made
 * once by writeHead, then copied and patched (the generic path's alignment
 * and vtable work per point cost more than the properties).
 */
const SAMPLE = [-1.2345678901234567e-123, 9.876543210987654e+123];
let pointHead: { bytes: Buffer; xAt: number; yAt: number } | undefined;
function pointTemplate(): { bytes: Buffer; xAt: number; yAt: number } {
  if (pointHead) return pointHead;
  const w = new ByteWriter(256);
  writeHead(w, { type: 1, xy: SAMPLE, ends: [1] }, GeometryType.Point);
  const bytes = Buffer.from(w.bytes());
  const find = (v: number) => {
    const at: number[] = [];
    for (let i = 0; i + 8 <= bytes.length; i++) if (bytes.readDoubleLE(i) === v) at.push(i);
    if (at.length !== 1) throw new Error('FlatGeobuf point template: coordinate not found once');
    return at[0]!;
  };
  pointHead = { bytes, xAt: find(SAMPLE[0]!), yAt: find(SAMPLE[1]!) };
  return pointHead;
}

/** The properties' values, then their length, and the feature's padding and size prefix. */
function writeProps(w: ByteWriter, prefix: number, types: readonly AttributeType[], batch: RawBatch, at: number): void {
  const s = prefix + 4;
  const pv = w.pos - 4;
  const { buf: src, off, len } = batch;
  for (let i = 0; i < types.length; i++) {
    const n = len[at + i]!;
    if (n < 0) continue;
    const o = off[at + i]!;
    const type = types[i];
    if (type === 'text' || type === 'code' || type === 'date') {
      // the commonest case first, stored by hand (Buffer#writeUInt*'s checks cost more than the stores)
      w.ensure(6 + n);
      const d = w.buf;
      const q = w.pos;
      d[q] = i & 0xff;
      d[q + 1] = i >>> 8;
      d[q + 2] = n & 0xff;
      d[q + 3] = (n >>> 8) & 0xff;
      d[q + 4] = (n >>> 16) & 0xff;
      d[q + 5] = n >>> 24;
      copyBytes(src, o, d, q + 6, n);
      w.pos = q + 6 + n;
      continue;
    }
    switch (type) {
      case 'integer': {
        w.ensure(10);
        const d = w.buf;
        d.writeUInt16LE(i, w.pos);
        // int4 or int8 (big endian) → int64 little endian
        if (n === 8) {
          d.writeUInt32LE(src.readUInt32BE(o + 4), w.pos + 2);
          d.writeInt32LE(src.readInt32BE(o), w.pos + 6);
        } else {
          const v = rawNumber(src, o, n, 'int');
          d.writeUInt32LE(v >>> 0, w.pos + 2);
          d.writeInt32LE(v < 0 ? -1 : 0, w.pos + 6);
        }
        w.pos += 10;
        break;
      }
      case 'number':
        w.ensure(10);
        w.buf.writeUInt16LE(i, w.pos);
        w.buf.writeDoubleLE(rawNumber(src, o, n, 'float'), w.pos + 2);
        w.pos += 10;
        break;
      case 'boolean':
        w.ensure(3);
        w.buf.writeUInt16LE(i, w.pos);
        w.buf[w.pos + 2] = src[o] ? 1 : 0;
        w.pos += 3;
        break;
      default:
        // text and dates (to_char): UTF-8 bytes, copied
        w.ensure(6 + n);
        w.buf.writeUInt16LE(i, w.pos);
        w.buf.writeUInt32LE(n, w.pos + 2);
        copyBytes(src, o, w.buf, w.pos + 6, n);
        w.pos += 6 + n;
    }
  }
  const propsLength = w.pos - pv - 4;
  if (propsLength > 0) {
    w.buf.writeUInt32LE(propsLength, pv);
    w.buf.writeUInt32LE(pv - (s + 20), s + 20);
  } else {
    w.pos = pv;
    w.buf.writeUInt16LE(0, s + 10); // no properties field
  }
  // features follow each other without gaps, each a multiple of 8 bytes with its prefix, so the next is aligned too
  w.align(8, prefix);
  w.buf.writeUInt32LE(w.pos - s, prefix);
}

/**
 * One feature from a raw batch row (`at` = index of its first field): the
 * geometry, then the properties copied from the fields' binary form (text
 * bytes as they are, numbers turned little endian) without a JS value each.
 */
export function writeFeatureRaw(w: ByteWriter, g: FlatGeometry, geometryType: number, types: readonly AttributeType[], batch: RawBatch, at: number): void {
  const prefix = w.pos;
  if (geometryType === GeometryType.Point && g.xy.length === 2) {
    const t = pointTemplate();
    const n = t.bytes.length;
    w.ensure(n);
    const d = w.buf;
    for (let i = 0; i < n; i++) d[prefix + i] = t.bytes[i]!;
    d.writeDoubleLE(g.xy[0]!, prefix + t.xAt);
    d.writeDoubleLE(g.xy[1]!, prefix + t.yAt);
    w.pos = prefix + n;
  } else writeHead(w, g, geometryType);
  writeProps(w, prefix, types, batch, at);
}

const DECODERS: Record<AttributeType, FieldDecoder> = { text: 'text', code: 'text', integer: 'int', number: 'float', boolean: 'bool', date: 'text' };

/** One feature from JS values (encoded to the raw form first): for tests and callers without a raw batch. */
export function writeFeature(w: ByteWriter, g: FlatGeometry, geometryType: number, types: readonly AttributeType[], values: readonly unknown[]): void {
  writeFeatureRaw(w, g, geometryType, types, encodeBatch([values], types.map((t) => DECODERS[t])), 0);
}

export async function writeFlatGeobuf(source: ExportSource, layer: LayerSchema, sel: ExportSelection, path: string): Promise<void> {
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
    // a placeholder, patched once the features are written (below): no count query and its table scan
    // before the rows, and the count is that of the rows COPY read, from the same snapshot
    featuresCount: COUNT_PLACEHOLDER,
    indexNodeSize: 0,
    crs: null,
    title: layer.title.cs,
    description: null,
    metadata: null,
  };
  const types = cols.map((c) => c.type);
  const headerBytes = buildHeader(header, 4326);
  const countAt = MAGIC.length + placeholderOffset(headerBytes);
  const out = fileSink(path);
  let written = 0;
  try {
    await out.write(MAGIC);
    await out.write(headerBytes);
    const geomAt = cols.length; // the WKB follows the export columns
    // features of several batches go out in one write of about FLUSH bytes (a fresh buffer each: the stream may hold the last)
    let w = new ByteWriter(2 * FLUSH);
    for await (const batch of source.batches(layer, sel, { wkb: true })) {
      const { buf, off, len, fields } = batch;
      for (let r = 0, at = 0; r < batch.rows; r++, at += fields) {
        writeFeatureRaw(w, readWkb(buf, off[at + geomAt]!, len[at + geomAt]!), header.geometryType, types, batch, at);
      }
      written += batch.rows;
      if (w.pos >= FLUSH) {
        await out.write(w.bytes());
        w = new ByteWriter(2 * FLUSH);
      }
    }
    if (w.pos) await out.write(w.bytes());
  } finally {
    await out.close();
  }
  const count = Buffer.alloc(8);
  count.writeUInt32LE(written >>> 0, 0);
  count.writeUInt32LE(Math.floor(written / 2 ** 32), 4);
  const fh = await open(path, 'r+');
  try {
    await fh.write(count, 0, 8, countAt);
  } finally {
    await fh.close();
  }
}

/** A features_count no real layer has; its 8 bytes occur once in the header (checked), where the real count goes. */
const COUNT_PLACEHOLDER = 0x5a5a_5a5a_5a5a;

/** Offset of the placeholder count (uint64, little endian) in the size-prefixed header. */
function placeholderOffset(h: Uint8Array): number {
  const b = Buffer.from(h.buffer, h.byteOffset, h.byteLength);
  const lo = COUNT_PLACEHOLDER >>> 0;
  const hi = Math.floor(COUNT_PLACEHOLDER / 2 ** 32);
  let found = -1;
  for (let i = 0; i + 8 <= b.length; i++) {
    if (b.readUInt32LE(i) === lo && b.readUInt32LE(i + 4) === hi) {
      if (found >= 0) throw new Error('FlatGeobuf header: feature count placeholder found twice');
      found = i;
    }
  }
  if (found < 0) throw new Error('FlatGeobuf header: feature count placeholder not found');
  return found;
}
