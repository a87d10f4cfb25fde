import { describe, expect, it } from 'vitest';
import { copyBinaryBatches, copyBinaryTuples, decodeBatches, encodeBatch, type FieldDecoder, type Tuple } from '../copy-binary.ts';

/**
 * The binary COPY reader on bytes made here after PostgreSQL's documented format ("COPY › Binary Format"),
 * without a database: tuples split at every possible chunk boundary, NULLs, each decoder, the errors.
 */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

function header(extension = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(0, 0); // flags
  h.writeUInt32BE(extension.length, 4);
  return Buffer.concat([SIGNATURE, h, extension]);
}

function field(bytes: Buffer | null): Buffer {
  const n = Buffer.alloc(4);
  n.writeInt32BE(bytes ? bytes.length : -1, 0);
  return bytes ? Buffer.concat([n, bytes]) : n;
}

function tuple(fields: (Buffer | null)[]): Buffer {
  const n = Buffer.alloc(2);
  n.writeInt16BE(fields.length, 0);
  return Buffer.concat([n, ...fields.map(field)]);
}

const TRAILER = Buffer.from([0xff, 0xff]);
const int4 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v, 0); return b; };
const int8 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(v, 0); return b; };
const int2 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v, 0); return b; };
const float8 = (v: number) => { const b = Buffer.alloc(8); b.writeDoubleBE(v, 0); return b; };
const float4 = (v: number) => { const b = Buffer.alloc(4); b.writeFloatBE(v, 0); return b; };

const DECODERS: FieldDecoder[] = ['int', 'int', 'int', 'float', 'float', 'bool', 'text', 'bytea'];
const ROWS: { bytes: (Buffer | null)[]; values: Tuple }[] = [
  {
    bytes: [int4(-7), int8(2n ** 40n + 3n), int2(12), float8(13.4178), float4(0.5), Buffer.from([1]), Buffer.from('Žatecká 1', 'utf8'), Buffer.from([0, 1, 2])],
    values: [-7, 2 ** 40 + 3, 12, 13.4178, 0.5, true, 'Žatecká 1', Buffer.from([0, 1, 2])],
  },
  { bytes: [null, null, null, null, null, null, null, null], values: [null, null, null, null, null, null, null, null] },
  { bytes: [int4(0), int8(-5n), int2(-1), float8(-0.25), float4(-2), Buffer.from([0]), Buffer.alloc(0), Buffer.alloc(0)], values: [0, -5, -1, -0.25, -2, false, '', Buffer.alloc(0)] },
];
const STREAM = Buffer.concat([header(Buffer.from('ext')), ...ROWS.map((r) => tuple(r.bytes)), TRAILER]);

async function* chunked(buf: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (const c of [...cuts, buf.length]) {
    yield buf.subarray(at, c);
    at = c;
  }
}

async function read(chunks: AsyncIterable<Buffer>, batch = 2): Promise<Tuple[]> {
  const out: Tuple[] = [];
  for await (const b of copyBinaryTuples(chunks, DECODERS, batch)) out.push(...b);
  return out;
}

describe('binary COPY reader', () => {
  it('decodes every field kind and NULL from one chunk', async () => {
    expect(await read(chunked(STREAM, []))).toEqual(ROWS.map((r) => r.values));
  });

  it('gives the same rows wherever the stream is cut, including inside the header and a length', async () => {
    const expected = ROWS.map((r) => r.values);
    for (let cut = 1; cut < STREAM.length; cut++) expect(await read(chunked(STREAM, [cut]))).toEqual(expected);
    // one byte per chunk
    expect(await read(chunked(STREAM, Array.from({ length: STREAM.length - 1 }, (_, i) => i + 1)), 1)).toEqual(expected);
  });

  it('keeps batches at most `batch` rows and ends one where a chunk ends', async () => {
    const sizes: number[] = [];
    for await (const b of copyBinaryBatches(chunked(STREAM, []), DECODERS.length, 2)) sizes.push(b.rows);
    expect(sizes).toEqual([2, 1]);
  });

  it('refuses a bad signature, a wrong field count, a missing trailer and data after it', async () => {
    const bad = Buffer.from(STREAM);
    bad[0] = 0x51;
    await expect(read(chunked(bad, []))).rejects.toThrow(/bad signature/);
    const wrongCount = Buffer.concat([header(), tuple([int4(1)]), TRAILER]);
    await expect(read(chunked(wrongCount, []))).rejects.toThrow(/tuple of 1 fields, expected 8/);
    await expect(read(chunked(STREAM.subarray(0, STREAM.length - 2), []))).rejects.toThrow(/ended before the trailer/);
    await expect(read(chunked(Buffer.concat([STREAM, Buffer.from([0])]), [STREAM.length]))).rejects.toThrow(/after the trailer/);
  });

  it('encodeBatch writes what the reader decodes back', async () => {
    const decoders: FieldDecoder[] = ['int', 'float', 'bool', 'text', 'bytea'];
    const rows = [
      [1, 1.5, true, 'a', Buffer.from([9])],
      [null, null, null, null, null],
      [-3, 0, false, 'Údlice', Buffer.alloc(0)],
    ];
    const out: Tuple[] = [];
    for await (const b of decodeBatches((async function* () { yield encodeBatch(rows, decoders); })(), decoders)) out.push(...b);
    expect(out).toEqual(rows);
  });
});
