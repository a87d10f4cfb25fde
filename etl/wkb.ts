import type { Geometry, Position } from 'geojson';

/**
 * GeoJSON → hex EWKB (little endian, 2D, with SRID): PostGIS reads it as
 * geometry text input without parsing JSON or decimal numbers, and the
 * coordinates arrive bit for bit as read. Z/M values are dropped: layer
 * columns are 2D. Geometry collections are refused earlier (checkGeometry).
 * Null when a coordinate is not a finite number.
 */
export function ewkbHex(g: Geometry, srid: number): string | null {
  const n = size(g);
  // the bytes only live until they are hex-encoded: one scratch buffer serves every geometry that fits
  const w = new Writer(n <= SCRATCH.length ? SCRATCH : Buffer.allocUnsafe(n));
  write(w, g, srid);
  return w.finite ? w.buf.toString('hex', 0, n) : null;
}

const SCRATCH = Buffer.allocUnsafe(64 * 1024);

const TYPE = { Point: 1, LineString: 2, Polygon: 3, MultiPoint: 4, MultiLineString: 5, MultiPolygon: 6 } as const;
const SRID_FLAG = 0x20000000;

class Writer {
  readonly buf: Buffer;
  at = 0;
  finite = true;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  header(type: number, srid?: number) {
    this.buf[this.at++] = 1;
    if (srid === undefined) {
      this.buf.writeUInt32LE(type, this.at);
      this.at += 4;
    } else {
      this.buf.writeUInt32LE((type | SRID_FLAG) >>> 0, this.at);
      this.buf.writeUInt32LE(srid, this.at + 4);
      this.at += 8;
    }
  }
  u32(n: number) {
    this.buf.writeUInt32LE(n, this.at);
    this.at += 4;
  }
  pos(p: Position) {
    const x = p[0]!;
    const y = p[1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) this.finite = false;
    this.buf.writeDoubleLE(x, this.at);
    this.buf.writeDoubleLE(y, this.at + 8);
    this.at += 16;
  }
  points(ps: Position[]) {
    this.u32(ps.length);
    for (const p of ps) this.pos(p);
  }
  rings(rs: Position[][]) {
    this.u32(rs.length);
    for (const r of rs) this.points(r);
  }
}

function size(g: Geometry): number {
  const head = 9; // byte order, type, SRID
  switch (g.type) {
    case 'Point':
      return head + 16;
    case 'LineString':
      return head + 4 + 16 * g.coordinates.length;
    case 'Polygon':
      return head + ringsSize(g.coordinates);
    case 'MultiPoint':
      return head + 4 + 21 * g.coordinates.length;
    case 'MultiLineString':
      return head + 4 + g.coordinates.reduce((n, l) => n + 9 + 16 * l.length, 0);
    case 'MultiPolygon':
      return head + 4 + g.coordinates.reduce((n, p) => n + 5 + ringsSize(p), 0);
    default:
      throw new Error(`cannot encode ${g.type} as WKB`);
  }
}

function ringsSize(rs: Position[][]): number {
  return rs.reduce((n, r) => n + 4 + 16 * r.length, 4);
}

function write(w: Writer, g: Geometry, srid: number): void {
  switch (g.type) {
    case 'Point':
      w.header(TYPE.Point, srid);
      w.pos(g.coordinates);
      return;
    case 'LineString':
      w.header(TYPE.LineString, srid);
      w.points(g.coordinates);
      return;
    case 'Polygon':
      w.header(TYPE.Polygon, srid);
      w.rings(g.coordinates);
      return;
    case 'MultiPoint':
      w.header(TYPE.MultiPoint, srid);
      w.u32(g.coordinates.length);
      for (const p of g.coordinates) {
        w.header(TYPE.Point);
        w.pos(p);
      }
      return;
    case 'MultiLineString':
      w.header(TYPE.MultiLineString, srid);
      w.u32(g.coordinates.length);
      for (const l of g.coordinates) {
        w.header(TYPE.LineString);
        w.points(l);
      }
      return;
    case 'MultiPolygon':
      w.header(TYPE.MultiPolygon, srid);
      w.u32(g.coordinates.length);
      for (const p of g.coordinates) {
        w.header(TYPE.Polygon);
        w.rings(p);
      }
      return;
    default:
      throw new Error(`cannot encode ${g.type} as WKB`);
  }
}
