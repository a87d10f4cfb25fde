import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse } from 'csv-parse';
import type { Geometry } from 'geojson';
import wkx from 'wkx';
import { InputError } from '../errors.ts';
import { parseCrsName, SJTSK, WGS84 } from '../crs.ts';
import type { CoordinateColumns } from '../mapping.ts';
import type { SourceReader } from './types.ts';

const LON = /^(lon|lng|long|longitude|x_wgs84?|wgs84_longitude|zemepisna_delka|zeměpisná délka)$/i;
const LAT = /^(lat|latitude|y_wgs84?|wgs84_latitude|zemepisna_sirka|zeměpisná šířka)$/i;
const SX = /^(x|souradnice_?x|souřadnice x|sour_x|x_sjtsk|sjtsk_x)$/i;
const SY = /^(y|souradnice_?y|souřadnice y|sour_y|y_sjtsk|sjtsk_y)$/i;
/** a WKT geometry column in WGS 84 (our own CSV download of line and polygon layers, QGIS "AS_WKT") */
const WKT = /^(wkt|geometry_wkt)$/i;

/**
 * CSV with coordinate columns. Delimiter `;`, `,` or tab (sniffed from the
 * header), encoding UTF-8 unless stated (ČÚZK exports: `--encoding cp1250`).
 * S-JTSK columns are accepted the way Czech exports write them: the positive
 * "Souřadnice Y / X" of ČÚZK as well as EPSG:5514's negative easting/northing.
 */
export async function openCsv(path: string, opts: { encoding?: string; coordinates?: CoordinateColumns } = {}): Promise<SourceReader> {
  const file = basename(path);
  const encoding = opts.encoding ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    throw new InputError(`unknown text encoding "${encoding}"`, file);
  }
  const head = new TextDecoder(encoding).decode(await readHead(path));
  if (head.trim() === '') throw new InputError('file is empty', file);
  const firstLine = head.replace(/^\uFEFF/, '').split(/\r?\n/)[0]!;
  const delimiter = [';', '\t', ','].map((d) => [d, firstLine.split(d).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
  const header = firstLine.split(delimiter).map((h) => h.trim().replace(/^"|"$/g, ''));
  let xCol: string | undefined;
  let yCol: string | undefined;
  let srid: number | undefined;
  const wktKey = opts.coordinates ? undefined : header.find((h) => WKT.test(h));
  if (wktKey) srid = WGS84;
  else if (opts.coordinates) {
    xCol = opts.coordinates.x;
    yCol = opts.coordinates.y;
    if (opts.coordinates.srs) {
      srid = parseCrsName(opts.coordinates.srs);
      if (srid === undefined) throw new InputError(`unknown CRS "${opts.coordinates.srs}" in the mapping`, file);
    }
  } else if (header.some((h) => LON.test(h)) && header.some((h) => LAT.test(h))) {
    xCol = header.find((h) => LON.test(h));
    yCol = header.find((h) => LAT.test(h));
    srid = WGS84;
  } else if (header.some((h) => SX.test(h)) && header.some((h) => SY.test(h))) {
    xCol = header.find((h) => SX.test(h));
    yCol = header.find((h) => SY.test(h));
    srid = SJTSK;
  }
  const find = (c: string | undefined) => header.find((h) => h.toLowerCase() === c?.toLowerCase());
  const xKey = find(xCol);
  const yKey = find(yCol);
  if (!wktKey && (!xKey || !yKey))
    throw new InputError(`no coordinate columns found (header: ${header.join(', ')}); name them in the mapping's "coordinates"`, file);
  return {
    file,
    srid,
    encoding,
    async *records() {
      const parser = parse({ delimiter, columns: true, bom: true, relax_column_count: false, skip_empty_lines: true, trim: true });
      const input = createReadStream(path);
      // decode ourselves (fatal): a cp1250 file read as UTF-8 must fail, not turn into replacement characters
      void (async () => {
        try {
          for await (const chunk of input) {
            // the consumer stopped early (the source-id detection peeks at the first record)
            if (parser.destroyed) return;
            parser.write(decoder.decode(chunk as Buffer, { stream: true }));
          }
          if (!parser.destroyed) parser.end(decoder.decode());
        } catch (e) {
          if (!parser.destroyed) parser.destroy(new InputError(`text is not valid ${encoding}; state the file's encoding with --encoding (e.g. cp1250)`, file));
          void e;
        }
      })();
      let record = 0;
      try {
        for await (const row of parser as AsyncIterable<Record<string, string>>) {
          record++;
          yield { record, properties: row, geometry: wktKey ? fromWkt(row[wktKey]) : point(row[xKey!], row[yKey!], srid) };
        }
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw new InputError(`CSV is malformed after record ${record}: ${(e as Error).message}`, file);
      } finally {
        input.destroy();
        if (!parser.destroyed) parser.destroy();
      }
    },
  };
}

function fromWkt(text: string | undefined): Geometry | null {
  if (!text) return null;
  try {
    return wkx.Geometry.parse(text).toGeoJSON() as Geometry;
  } catch {
    return null;
  }
}

function num(v: string | undefined): number {
  if (v === undefined || v.trim() === '') return NaN;
  return Number(v.trim().replace(/\s/g, '').replace(',', '.'));
}

/**
 * S-JTSK: |X| (southing, 930–1230 km in Czechia) is always larger than |Y|
 * (westing, 430–905 km), whatever sign or column order the export used, so
 * EPSG:5514 (easting = −Y, northing = −X) follows from the magnitudes.
 */
export function point(xs: string | undefined, ys: string | undefined, srid: number | undefined): Geometry | null {
  const a = num(xs);
  const b = num(ys);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  if (srid === SJTSK && (a > 0 || b > 0 || Math.abs(a) > Math.abs(b))) {
    const small = Math.min(Math.abs(a), Math.abs(b));
    const large = Math.max(Math.abs(a), Math.abs(b));
    return { type: 'Point', coordinates: [-small, -large] };
  }
  return { type: 'Point', coordinates: [a, b] };
}

async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
