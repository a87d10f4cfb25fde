import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createDeflateRaw, crc32 } from 'node:zlib';

/**
 * A ZIP archive (PKWARE APPNOTE 6.3, deflate, UTF-8 names) of a few files,
 * streamed through zlib with Node's native CRC-32 (zlib.crc32, Node ≥ 20.15).
 * yazl computed the CRC byte by byte in JS, which was a fifth of a Shapefile
 * export. No ZIP64: an entry or archive over 4 GiB is refused.
 */
export interface ZipEntry {
  /** name inside the archive */
  name: string;
  /** file to read */
  path: string;
}

const MAX = 0xffffffff;

function dosDateTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

export async function zipFiles(out: string, entries: readonly ZipEntry[]): Promise<void> {
  const fh = await open(out, 'w');
  try {
    const { time, date } = dosDateTime(new Date());
    const central: Buffer[] = [];
    let pos = 0;
    for (const e of entries) {
      const name = Buffer.from(e.name, 'utf8');
      const local = Buffer.alloc(30 + name.length);
      const headerAt = pos;
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
      local.writeUInt16LE(0x0800, 6); // UTF-8 name
      local.writeUInt16LE(8, 8); // deflate
      local.writeUInt16LE(time, 10);
      local.writeUInt16LE(date, 12);
      local.writeUInt16LE(name.length, 26);
      name.copy(local, 30);
      pos += local.length; // written once CRC and sizes are known
      let crc = 0;
      let size = 0;
      const dataAt = pos;
      await pipeline(
        // 64 KiB reads: the generator stage below is an object-mode stream that buffers 16 chunks (16 MB at 1 MiB)
        createReadStream(e.path, { highWaterMark: 1 << 16 }),
        async function* (src: AsyncIterable<Buffer>) {
          for await (const c of src) {
            crc = crc32(c, crc);
            size += c.length;
            yield c;
          }
        },
        createDeflateRaw({ level: 3 }),
        async (src: AsyncIterable<Buffer>) => {
          for await (const c of src) {
            await fh.write(c, 0, c.length, pos);
            pos += c.length;
          }
        },
      );
      const compressed = pos - dataAt;
      if (size > MAX || compressed > MAX || pos > MAX) throw new Error(`${e.name}: too large for a ZIP without ZIP64`);
      local.writeUInt32LE(crc >>> 0, 14);
      local.writeUInt32LE(compressed, 18);
      local.writeUInt32LE(size, 22);
      await fh.write(local, 0, local.length, headerAt);
      const c = Buffer.alloc(46 + name.length);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(20, 4); // made by: 2.0
      c.writeUInt16LE(20, 6);
      c.writeUInt16LE(0x0800, 8);
      c.writeUInt16LE(8, 10);
      c.writeUInt16LE(time, 12);
      c.writeUInt16LE(date, 14);
      c.writeUInt32LE(crc >>> 0, 16);
      c.writeUInt32LE(compressed, 20);
      c.writeUInt32LE(size, 24);
      c.writeUInt16LE(name.length, 28);
      c.writeUInt32LE(headerAt, 42);
      name.copy(c, 46);
      central.push(c);
    }
    const dir = Buffer.concat(central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(dir.length, 12);
    end.writeUInt32LE(pos, 16);
    await fh.write(Buffer.concat([dir, end]), 0, dir.length + 22, pos);
  } finally {
    await fh.close();
  }
}
