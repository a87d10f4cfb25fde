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
 * Reads tuples from a stream of COPY binary chunks and yields them in batches
 * of `batch` (the last one may be shorter). The source is pulled only when the
 * consumer asks for the next batch, so a slow consumer pauses the stream
 * (and with it the connection) instead of letting tuples pile up.
 */
export async function* copyBinaryTuples(chunks: AsyncIterable<Buffer>, fields: readonly FieldDecoder[], batch: number): AsyncGenerator<Tuple[]> {
  const nFields = fields.length;
  let buf: Buffer = Buffer.alloc(0);
  let pos = 0;
  let headerDone = false;
  let ended = false;
  // chunks received while a tuple is incomplete; joined once they hold `need` bytes (a large tuple split over
  // many chunks is copied once, not once per chunk)
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let need = 0;
  let out: Tuple[] = [];

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
      // check the whole tuple is here before decoding any of it
      let p = pos + 2;
      let complete = true;
      for (let i = 0; i < nFields; i++) {
        if (end - p < 4) {
          need = p + 4 - end;
          complete = false;
          break;
        }
        const len = buf.readInt32BE(p);
        p += 4;
        if (len > 0) {
          if (end - p < len) {
            need = p + len - end;
            complete = false;
            break;
          }
          p += len;
        }
      }
      if (!complete) break;
      const t: Tuple = new Array(nFields);
      p = pos + 2;
      for (let i = 0; i < nFields; i++) {
        const len = buf.readInt32BE(p);
        p += 4;
        if (len < 0) t[i] = null;
        else {
          t[i] = decode(fields[i]!, buf, p, len);
          p += len;
        }
      }
      pos = p;
      out.push(t);
      if (out.length >= batch) {
        yield out;
        out = [];
      }
    }
  }
  if (!ended) throw new Error('COPY binary: stream ended before the trailer');
  if (out.length) yield out;
}
