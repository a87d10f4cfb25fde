import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { DamagedError, openDbf, readShapesRaw } from './shp-parse.ts';
import { InputError } from '../errors.ts';
import { crsFromPrj, PrjError } from '../crs.ts';
import type { SourceReader, SourceRecord } from './types.ts';

/**
 * ESRI Shapefile: .shp + .dbf required, CRS from .prj, DBF encoding from .cpg,
 * else the operator's `--encoding`, else windows-1250 (Czech exports without .cpg).
 */
export async function openShapefile(path: string, opts: { encoding?: string } = {}): Promise<SourceReader> {
  const file = basename(path);
  const stem = path.replace(/\.shp$/i, '');
  const sidecar = (ext: string) => [ext, ext.toUpperCase()].map((e) => stem + e).find((p) => existsSync(p));
  const dbf = sidecar('.dbf');
  if (!dbf) throw new InputError('the .dbf file with the attributes is missing', file);
  const dbfPath = dbf;
  if (statSync(path).size < 100) throw new InputError('the .shp file is shorter than its 100-byte header (truncated)', file);
  const prj = sidecar('.prj');
  let srid: number | undefined;
  try {
    srid = prj ? crsFromPrj(readFileSync(prj, 'utf8')) : undefined;
  } catch (e) {
    if (e instanceof PrjError) throw new InputError(`${basename(prj!)}: ${e.message}`, file);
    throw e;
  }
  if (prj && srid === undefined) throw new InputError(`unknown CRS in ${basename(prj)}`, file);
  const cpg = sidecar('.cpg');
  const encoding = normalizeEncoding(opts.encoding ?? (cpg ? readFileSync(cpg, 'utf8').trim() : 'windows-1250'));
  try {
    new TextDecoder(encoding);
  } catch {
    throw new InputError(`unknown text encoding "${encoding}"`, file);
  }
  const shx = sidecar('.shx');
  const count = shx ? Math.max(0, (statSync(shx).size - 100) / 8) : undefined;
  return {
    file,
    srid,
    count,
    encoding,
    async *records() {
      for await (const batch of batches()) yield* batch;
    },
    batches,
  };

  async function* batches(): AsyncGenerator<SourceRecord[]> {
    let table;
    try {
      table = await openDbf(dbfPath, encoding);
    } catch (e) {
      throw new InputError(`cannot read ${basename(dbfPath)}: ${(e as Error).message}`, file);
    }
    const recordLength = table.recordLength;
    const rows = table.rowsRaw();
    let pending: (Record<string, unknown> | null)[] = [];
    let pendingRaw: Buffer[] = [];
    let at = 0;
    let record = 0;
    try {
      for await (const { shapes, raw } of readShapesRaw(path)) {
        const out: SourceRecord[] = [];
        // each record's .dbf and .shp bytes side by side in one buffer per batch: its fingerprint (etl/import.ts)
        let size = 0;
        for (const b of raw) size += b.length + recordLength;
        const bytes = Buffer.allocUnsafe(size);
        let used = 0;
        for (let k = 0; k < shapes.length; k++) {
          if (at >= pending.length) {
            const next = await rows.next();
            if (next.done) throw new DamagedError(`the .dbf has fewer records (${table.count}) than the .shp`);
            pending = next.value.rows;
            pendingRaw = next.value.raw;
            at = 0;
          }
          const props = pending[at];
          const dbfBytes = pendingRaw[at]!;
          at++;
          record++;
          if (props === null || props === undefined) continue; // deleted in the .dbf
          const start = used;
          used += dbfBytes.copy(bytes, used);
          used += raw[k]!.copy(bytes, used);
          out.push({ record, properties: props, geometry: shapes[k]!, raw: bytes.subarray(start, used) });
        }
        if (out.length > 0) yield out;
      }
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`shapefile is damaged after record ${record}: ${(e as Error).message}`, file);
    } finally {
      await rows.return(undefined);
    }
    if (count !== undefined && record < count)
      throw new InputError(`shapefile is damaged: the index lists ${count} records but the .shp holds ${record} (truncated?)`, file);
  }
}

/** `.cpg` files say `1250`, `CP1250`, `UTF-8`, `ANSI 1250`… */
export function normalizeEncoding(e: string): string {
  const s = e.trim().toLowerCase().replace(/^ansi\s*/, '');
  if (/^(cp|windows-?)?125\d$/.test(s)) return `windows-${s.replace(/\D/g, '')}`;
  if (s === 'utf8' || s === 'utf-8') return 'utf-8';
  return s;
}
