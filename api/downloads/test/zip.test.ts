import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { zipFiles } from '../zip.ts';

/** Every entry of a ZIP as yauzl (an independent reader that checks CRCs and sizes) reads it. */
async function readZip(path: string): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(path, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (e, z) => (e ? reject(e) : resolve(z))));
  const out = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (e, stream) => {
        if (e) return reject(e);
        const parts: Buffer[] = [];
        stream.on('data', (c: Buffer) => parts.push(c));
        stream.on('error', reject);
        stream.on('end', () => {
          out.set(entry.fileName, Buffer.concat(parts));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  return out;
}

describe('ZIP writer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'geoportal-zip-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes entries that an independent reader reads back byte for byte, UTF-8 names included', async () => {
    const files = {
      'stromy.shp': randomBytes(300_000), // incompressible, several deflate blocks and read chunks
      'stromy.dbf': Buffer.from('Žatecká '.repeat(20_000), 'utf8'), // compressible
      'prázdný.cpg': Buffer.alloc(0),
    };
    const entries = Object.entries(files).map(([name, data], i) => {
      const path = join(dir, `in-${i}`);
      writeFileSync(path, data);
      return { name, path };
    });
    const out = join(dir, 'out.zip');
    await zipFiles(out, entries);
    const read = await readZip(out);
    expect([...read.keys()]).toEqual(Object.keys(files));
    for (const [name, data] of Object.entries(files)) expect(read.get(name)!.equals(data)).toBe(true);
  });

  it('writes an empty archive that reads as empty', async () => {
    const out = join(dir, 'empty.zip');
    await zipFiles(out, []);
    expect((await readZip(out)).size).toBe(0);
  });
});
