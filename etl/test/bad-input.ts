import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import yazl from 'yazl';

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const SHP = join(fixtures, 'kontejnery_cp1250');

/** The shapefile fixture copied into `dir/name/` (stem `kontejnery`), optionally without some sidecars. */
export function copyShapefile(dir: string, name: string, without: string[] = []): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const f of readdirSync(SHP)) if (!without.some((ext) => f.endsWith(ext))) copyFileSync(join(SHP, f), join(d, f));
  return join(d, 'kontejnery.shp');
}

export async function writeZip(path: string, entries: { name: string; data: Buffer; compress?: boolean }[]): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const e of entries) zip.addBuffer(e.data, e.name, { compress: e.compress ?? true, mtime: new Date(0) });
  zip.end();
  const out = createWriteStream(path);
  zip.outputStream.pipe(out);
  await once(out, 'close');
}

/**
 * The bad-input corpus: each case is a file the ETL must refuse as a whole
 * (`refuse`: the error message) or import with the named records rejected.
 */
export async function makeBadInputs(dir: string): Promise<{ name: string; path: string; expect: RegExp }[]> {
  const cases: { name: string; path: string; expect: RegExp }[] = [];
  const truncated = copyShapefile(dir, 'truncated');
  writeFileSync(truncated, readFileSync(truncated).subarray(0, 2500));
  cases.push({ name: 'truncated .shp', path: truncated, expect: /damaged/ });
  cases.push({ name: 'missing .dbf', path: copyShapefile(dir, 'nodbf', ['.dbf']), expect: /\.dbf file .* missing/ });
  cases.push({ name: 'missing .prj', path: copyShapefile(dir, 'noprj', ['.prj']), expect: /does not state its CRS .*--srs/ });
  const mars = copyShapefile(dir, 'mars');
  writeFileSync(mars.replace(/\.shp$/, '.prj'), 'PROJCS["Mars_Equidistant",GEOGCS["Mars_2000"]]');
  cases.push({ name: 'unknown CRS', path: mars, expect: /unknown CRS in kontejnery\.prj/ });
  const tiny = copyShapefile(dir, 'tiny');
  writeFileSync(tiny, Buffer.alloc(40));
  cases.push({ name: 'shorter than its header', path: tiny, expect: /shorter than its 100-byte header/ });
  writeFileSync(join(dir, 'empty.geojson'), '');
  cases.push({ name: 'empty file', path: join(dir, 'empty.geojson'), expect: /file is empty/ });
  writeFileSync(join(dir, 'nofeatures.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [] }));
  cases.push({ name: 'no features', path: join(dir, 'nofeatures.geojson'), expect: /holds no features/ });
  writeFileSync(join(dir, 'empty.csv'), '');
  cases.push({ name: 'empty CSV', path: join(dir, 'empty.csv'), expect: /file is empty/ });
  writeFileSync(join(dir, 'cp1250.csv'), Buffer.from([...Buffer.from('id;nazev;lat;lon\n1;'), 0x8a, 0x9e, 0xe8, ...Buffer.from(';50.46;13.41\n')]));
  cases.push({ name: 'CSV in windows-1250 read as UTF-8', path: join(dir, 'cp1250.csv'), expect: /not valid utf-8.*--encoding/ });
  // zip bombs: 64 MiB of zeros compresses about 1000:1; and more entries than allowed
  await writeZip(join(dir, 'bomb.zip'), [{ name: 'kontejnery.shp', data: Buffer.alloc(64 * 1024 * 1024) }]);
  cases.push({ name: 'zip bomb (ratio)', path: join(dir, 'bomb.zip'), expect: /compressed \d+:1 \(zip bomb\?\)/ });
  await writeZip(join(dir, 'many.zip'), Array.from({ length: 1001 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') })));
  cases.push({ name: 'zip bomb (entries)', path: join(dir, 'many.zip'), expect: /1001 entries, more than the 1000 allowed/ });
  await writeZip(join(dir, 'nodata.zip'), [{ name: 'readme.txt', data: Buffer.from('nothing here') }]);
  cases.push({ name: 'zip without data', path: join(dir, 'nodata.zip'), expect: /holds no shapefile/ });
  writeFileSync(join(dir, 'broken.gpkg'), 'SQLite format 3\0 but not really');
  cases.push({ name: 'not a GeoPackage', path: join(dir, 'broken.gpkg'), expect: /not a GeoPackage/ });
  return cases;
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
