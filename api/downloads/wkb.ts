/**
 * A minimal reader of 2D ISO/OGC WKB (what `ST_AsBinary` returns for the layer
 * tables, which are 2D by their typmod) into flat coordinate arrays: what the
 * Shapefile and FlatGeobuf writers need, without a geometry object per vertex.
 */
export type WkbType = 1 | 2 | 3 | 4 | 5 | 6;

export interface FlatGeometry {
  /** 1 Point, 2 LineString, 3 Polygon, 4 MultiPoint, 5 MultiLineString, 6 MultiPolygon (WKB and FlatGeobuf share these codes) */
  type: WkbType;
  /** x, y interleaved, every vertex of every part */
  xy: number[];
  /** vertex count at the end of each ring or line, cumulative over xy (one entry per ring/line) */
  ends: number[];
  /** polygons of a MultiPolygon, each with its rings (the parent's xy/ends hold them all as well) */
  parts?: FlatGeometry[];
}

/** Cursor over one WKB value (methods on a class: no closures created per geometry). */
class WkbCursor {
  private view: DataView;
  o = 0;
  le = true;
  constructor(b: Uint8Array, offset: number, length: number) {
    this.view = new DataView(b.buffer, b.byteOffset + offset, length);
  }
  u32(): number {
    const v = this.view.getUint32(this.o, this.le);
    this.o += 4;
    return v;
  }
  header(): number {
    this.le = this.view.getUint8(this.o) === 1;
    this.o += 1;
    const t = this.u32();
    if (t === 0 || t > 6) throw new Error(`unsupported WKB geometry type ${t} (2D point, line, polygon and their multi-types only)`);
    return t;
  }
  points(n: number, g: FlatGeometry): void {
    const { view, le } = this;
    let o = this.o;
    for (let i = 0; i < n; i++) {
      g.xy.push(view.getFloat64(o, le), view.getFloat64(o + 8, le));
      o += 16;
    }
    this.o = o;
    g.ends.push(g.xy.length / 2);
  }
  rings(g: FlatGeometry): void {
    const n = this.u32();
    for (let i = 0; i < n; i++) this.points(this.u32(), g);
  }
}

/** The WKB at `offset` of `b` (`length` bytes; the whole array by default). */
export function readWkb(b: Uint8Array, offset = 0, length = b.byteLength - offset): FlatGeometry {
  // a little-endian 2D point (most layers): no cursor and DataView for it
  if (length === 21 && b[offset] === 1 && b[offset + 1] === 1 && b[offset + 2] === 0 && b[offset + 3] === 0 && b[offset + 4] === 0 && Buffer.isBuffer(b)) {
    return { type: 1, xy: [b.readDoubleLE(offset + 5), b.readDoubleLE(offset + 13)], ends: [1] };
  }
  const c = new WkbCursor(b, offset, length);
  const t = c.header() as WkbType;
  const g: FlatGeometry = { type: t, xy: [], ends: [] };
  switch (t) {
    case 1:
      c.points(1, g);
      break;
    case 2:
      c.points(c.u32(), g);
      break;
    case 3:
      c.rings(g);
      break;
    case 4: {
      const n = c.u32();
      for (let i = 0; i < n; i++) {
        c.header();
        c.points(1, g);
      }
      g.ends = [g.xy.length / 2];
      break;
    }
    case 5: {
      const n = c.u32();
      for (let i = 0; i < n; i++) {
        c.header();
        c.points(c.u32(), g);
      }
      break;
    }
    case 6: {
      const n = c.u32();
      g.parts = [];
      for (let i = 0; i < n; i++) {
        c.header();
        const p: FlatGeometry = { type: 3, xy: [], ends: [] };
        c.rings(p);
        const shift = g.xy.length / 2;
        for (const v of p.xy) g.xy.push(v);
        for (const e of p.ends) g.ends.push(e + shift);
        g.parts.push(p);
      }
      break;
    }
  }
  return g;
}

/**
 * Copies `n` bytes: short runs (attribute text) byte by byte, since
 * Buffer#copy's argument checks cost more than the copy itself there.
 */
export function copyBytes(src: Uint8Array, from: number, dst: Uint8Array, to: number, n: number): void {
  if (n > 64) {
    dst.set(src.subarray(from, from + n), to);
    return;
  }
  for (let i = 0; i < n; i++) dst[to + i] = src[from + i]!;
}

/** Zeroes `n` bytes (short runs: padding, flatbuffer vtables) without Buffer#fill's checks. */
export function zero(dst: Uint8Array, at: number, n: number): void {
  for (let i = 0; i < n; i++) dst[at + i] = 0;
}

/** A growable byte buffer for one chunk of output; a fresh one per chunk, since the file stream may still hold the last. */
export class ByteWriter {
  buf: Buffer;
  pos = 0;
  constructor(size = 1 << 20) {
    this.buf = Buffer.allocUnsafe(size);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }
  /** pads with zeros up to a multiple of `n` (relative to `from`) */
  align(n: number, from = 0): void {
    const pad = (n - ((this.pos - from) % n)) % n;
    this.ensure(pad);
    zero(this.buf, this.pos, pad);
    this.pos += pad;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
