/**
 * Incremental reader of PostgreSQL's binary COPY format (`COPY … TO STDOUT
 * (FORMAT binary)`, PostgreSQL docs "COPY › Binary Format"): an 11-byte
 * signature, int32 flags, int32 header-extension length and the extension,
 * then per tuple an int16 field count (-1 ends the data) and per field an
 * int32 length (-1 = NULL) followed by that many bytes in the type's binary
 * send format (big endian). Tuples arrive split at arbitrary points of the
 * stream's chunks; a tuple is only decoded once all of its bytes are there.
 */

/** How a field's bytes become a value; the SELECT decides the types, so the reader knows them in advance. */
export type FieldDecoder = 'int' | 'float' | 'bool' | 'text' | 'bytea';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** A decoded tuple's values, one per field (null for NULL). */
export type Tuple = (number | boolean | string | Buffer | null)[];

function decode(kind: FieldDecoder, b: Buffer, p: number, len: number): number | boolean | string | Buffer {
  switch (kind) {
    case 'int':
      // int2, int4 and int8 are told apart by their length; int8 beyond 2^53 loses precision, like the query path's Number()
      if (len === 4) return b.readInt32BE(p);
      if (len === 8) return b.readInt32BE(p) * 4294967296 + b.readUInt32BE(p + 4);
      if (len === 2) return b.readInt16BE(p);
      throw new Error(`COPY binary: integer field of ${len} bytes`);
    case 'float':
      if (len === 8) return b.readDoubleBE(p);
      if (len === 4) return b.readFloatBE(p);
      throw new Error(`COPY binary: float field of ${len} bytes`);
    case 'bool':
      return b[p] !== 0;
    case 'text':
      return b.toString('utf8', p, p + len);
    case 'bytea':
      // a view into the received chunk, not a copy; the chunk lives as long as the row does
      return b.subarray(p, p + len);
  }
}

/**
 * Undecoded tuples: where each field's bytes are in `buf` (binary send format,
 * big endian). Writers that only copy or convert values (FlatGeobuf, dBASE)
 * read them from here without a JS value per field.
 */
export interface RawBatch {
  buf: Buffer;
  rows: number;
  fields: number;
  /** offset of field j of row i at [i * fields + j] */
  off: Int32Array;
  /** its length, -1 for NULL */
  len: Int32Array;
}

/**
 * Reads tuples from a stream of COPY binary chunks into batches of at most
 * `batch` rows; a batch ends early where a received chunk ends (its rows point
 * into one buffer). The source is pulled only when the consumer asks for the
 * next batch, so a slow consumer pauses the stream (and with it the
 * connection) instead of letting tuples pile up.
 */
export async function* copyBinaryBatches(chunks: AsyncIterable<Buffer>, nFields: number, batch: number): AsyncGenerator<RawBatch> {
  let buf: Buffer = Buffer.alloc(0);
  let pos = 0;
  let headerDone = false;
  let ended = false;
  // chunks received while a tuple is incomplete; joined once they hold `need` bytes (a large tuple split over
  // many chunks is copied once, not once per chunk)
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let need = 0;

  for await (const chunk of chunks) {
    if (ended) {
      if (chunk.length) throw new Error('COPY binary: data after the trailer');
      continue;
    }
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < need) continue;
    buf = pos < buf.length ? Buffer.concat([buf.subarray(pos), ...pending]) : pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    pos = 0;
    pending = [];
    pendingBytes = 0;
    need = 0;
    const end = buf.length;

    if (!headerDone) {
      if (end < 19) {
        need = 19 - end;
        continue;
      }
      if (!buf.subarray(0, 11).equals(SIGNATURE)) throw new Error('COPY binary: bad signature');
      const extension = buf.readUInt32BE(15);
      if (end < 19 + extension) {
        need = 19 + extension - end;
        continue;
      }
      pos = 19 + extension;
      headerDone = true;
    }

    let off = new Int32Array(batch * nFields);
    let len = new Int32Array(batch * nFields);
    let rows = 0;
    for (;;) {
      if (end - pos < 2) {
        need = pos + 2 - end;
        break;
      }
      const count = buf.readInt16BE(pos);
      if (count === -1) {
        ended = true;
        pos += 2;
        break;
      }
      if (count !== nFields) throw new Error(`COPY binary: tuple of ${count} fields, expected ${nFields}`);
      // the whole tuple must be here before it counts
      let p = pos + 2;
      let complete = true;
      const base = rows * nFields;
      for (let i = 0; i < nFields; i++) {
        if (end - p < 4) {
          need = p + 4 - end;
          complete = false;
          break;
        }
        // big-endian int32 by hand: Buffer#readInt32BE's bounds check is redundant here (checked above)
        const n = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
        p += 4;
        off[base + i] = p;
        len[base + i] = n;
        if (n > 0) {
          if (end - p < n) {
            need = p + n - end;
            complete = false;
            break;
          }
          p += n;
        }
      }
      if (!complete) break;
      pos = p;
      if (++rows === batch) {
        yield { buf, rows, fields: nFields, off, len };
        off = new Int32Array(batch * nFields);
        len = new Int32Array(batch * nFields);
        rows = 0;
      }
    }
    if (rows) yield { buf, rows, fields: nFields, off, len };
  }
  if (!ended) throw new Error('COPY binary: stream ended before the trailer');
}

/** Decodes the rows of raw batches, each row's fields into an array (null for NULL). */
export async function* decodeBatches(batches: AsyncIterable<RawBatch>, decoders: readonly FieldDecoder[]): AsyncGenerator<Tuple[]> {
  const n = decoders.length;
  for await (const b of batches) {
    const { buf, off, len } = b;
    const out = new Array<Tuple>(b.rows);
    for (let r = 0; r < b.rows; r++) {
      const t: Tuple = new Array(n);
      for (let i = 0, at = r * n; i < n; i++, at++) t[i] = len[at]! < 0 ? null : decode(decoders[i]!, buf, off[at]!, len[at]!);
      out[r] = t;
    }
    yield out;
  }
}

/** Tuples decoded from a stream of COPY binary chunks, in batches of at most `batch`. */
export function copyBinaryTuples(chunks: AsyncIterable<Buffer>, decoders: readonly FieldDecoder[], batch: number): AsyncGenerator<Tuple[]> {
  return decodeBatches(copyBinaryBatches(chunks, decoders.length, batch), decoders);
}

/**
 * Rows of JS values in the same binary form as COPY's, for sources that get
 * values (node-postgres, PGlite): the raw-batch writers then have one input.
 */
export function encodeBatch(rows: readonly (readonly unknown[])[], decoders: readonly FieldDecoder[]): RawBatch {
  const n = decoders.length;
  const off = new Int32Array(rows.length * n);
  const len = new Int32Array(rows.length * n);
  let size = 0;
  const texts: (Buffer | undefined)[] = new Array(rows.length * n);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let i = 0; i < n; i++) {
      const v = row[i];
      if (v === null || v === undefined) continue;
      const d = decoders[i]!;
      if (d === 'text') size += (texts[r * n + i] = Buffer.from(String(v), 'utf8')).length;
      else if (d === 'bytea') size += (v as Uint8Array).byteLength;
      else size += d === 'bool' ? 1 : 8;
    }
  }
  const buf = Buffer.allocUnsafe(size);
  let p = 0;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let i = 0; i < n; i++) {
      const at = r * n + i;
      const v = row[i];
      off[at] = p;
      if (v === null || v === undefined) {
        len[at] = -1;
        continue;
      }
      switch (decoders[i]!) {
        case 'int': {
          const x = Number(v);
          const hi = Math.floor(x / 4294967296);
          buf.writeInt32BE(hi, p);
          buf.writeUInt32BE(x - hi * 4294967296, p + 4);
          len[at] = 8;
          break;
        }
        case 'float':
          buf.writeDoubleBE(Number(v), p);
          len[at] = 8;
          break;
        case 'bool':
          buf[p] = v ? 1 : 0;
          len[at] = 1;
          break;
        case 'text': {
          const t = texts[at]!;
          t.copy(buf, p);
          len[at] = t.length;
          break;
        }
        case 'bytea': {
          const b = v as Uint8Array;
          buf.set(b, p);
          len[at] = b.byteLength;
          break;
        }
      }
      p += len[at]!;
    }
  }
  return { buf, rows: rows.length, fields: n, off, len };
}

/** A raw field as a number (int2/4/8, float4/8), for writers that format numbers themselves. */
export function rawNumber(buf: Buffer, o: number, n: number, kind: 'int' | 'float'): number {
  return decode(kind, buf, o, n) as number;
}
