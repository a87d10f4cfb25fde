import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import { InputError } from '../errors.ts';
import { importFile, type Reject, type RunReport } from '../import.ts';
import { openSource } from '../readers/index.ts';

export const CITY_LAND_LAYER = 'pozemky-mesta';

export interface CityLandOptions {
  /** RÚIAN VFR file (`*_OB_{kód}_UKSH.xml[.zip]`) whose `Parcely` hold the city's parcels */
  parcels: string;
  /** the city's property list: CSV with `kod_ku;cislo_parcely;pronajato[;ucel]` (other columns, e.g. the tenant, are ignored) */
  list: string;
  /** RÚIAN code of the municipality the parcels file belongs to */
  municipality: number;
  /** the list's text encoding; default UTF-8, falling back to windows-1250 when the bytes are not UTF-8 */
  encoding?: string;
  dryRun?: boolean;
  allowWithdraw?: boolean;
  trigger?: string;
}

interface ListRow {
  record: number;
  ku: number;
  stavebni: boolean;
  kmen: number;
  pod: number | null;
  parcela: string;
  pronajato: boolean;
  ucel: string | null;
}

const KU_COLUMNS = ['kod_ku', 'katastralni_uzemi_kod', 'kód k.ú.', 'kod k.u.', 'ku_kod'];
const NUMBER_COLUMNS = ['cislo_parcely', 'parcela', 'parcelní číslo', 'parcelni_cislo'];
const LEASED_COLUMNS = ['pronajato', 'pronájem', 'pronajem', 'leased'];
const PURPOSE_COLUMNS = ['ucel', 'účel', 'ucel_vyuziti', 'purpose'];
const PARCEL_NUMBER = /^(st\.?\s*)?(\d{1,5})(?:\/(\d{1,4}))?$/i;
const YES = new Set(['ano', 'a', '1', 'true', 'yes', 'y']);
const NO = new Set(['ne', 'n', '0', 'false', 'no', '']);

/**
 * The city-owned land layer (issue 17.4): RÚIAN parcels joined with the city's property list, imported
 * through the ordinary ETL (same run, rejects, atomic publish, withdraw guard). The list may carry the
 * tenant; only the named columns are copied, so it cannot reach the layer, the API or a download. A list
 * row that is malformed or names a parcel the RÚIAN file does not hold is a reject naming the list file,
 * its line and the reason.
 */
export async function importCityLand(db: Kysely<any>, opts: CityLandOptions): Promise<RunReport> {
  const listFile = basename(opts.list);
  const { rows, rejects } = parseList(await readFile(opts.list), listFile, opts.encoding);
  const wanted = new Map<string, ListRow>();
  for (const row of rows) {
    const key = parcelKey(row.ku, row.stavebni, row.kmen, row.pod);
    if (wanted.has(key)) rejects.push({ file: listFile, record: row.record, field: 'cislo_parcely', reason: `parcel ${row.parcela} (k. ú. ${row.ku}) is listed twice; the first line ${wanted.get(key)!.record} is used` });
    else wanted.set(key, row);
  }

  const features: unknown[] = [];
  const source = await openSource(opts.parcels, { sourceLayer: 'Parcely' });
  try {
    for await (const rec of source.records()) {
      const p = rec.properties;
      const ku = Number(p.katastralni_uzemi_kod);
      const kmen = Number(p.kmenove_cislo);
      const pod = p.pododdeleni_cisla == null ? null : Number(p.pododdeleni_cisla);
      const row = wanted.get(parcelKey(ku, Number(p.druh_cislovani) === 1, kmen, pod));
      if (!row) continue;
      wanted.delete(parcelKey(ku, row.stavebni, kmen, pod));
      features.push({
        type: 'Feature',
        id: `${ku}-${row.parcela.replace(/\s+/g, '')}`,
        geometry: rec.geometry,
        properties: {
          parcela: row.parcela,
          katastralni_uzemi_kod: ku,
          parcela_id: p.id == null ? null : String(p.id),
          vymera: p.vymera ?? null,
          druh_pozemku: p.druh_pozemku == null ? null : String(p.druh_pozemku),
          pronajato: row.pronajato,
          ucel: row.ucel,
        },
      });
    }
  } finally {
    await source.close?.();
  }
  for (const row of wanted.values())
    rejects.push({ file: listFile, record: row.record, field: 'cislo_parcely', reason: `parcel ${row.parcela} (k. ú. ${row.ku}) is not in the RÚIAN file ${basename(opts.parcels)} / parcela v souboru RÚIAN není` });
  rejects.sort((a, b) => a.record - b.record);
  if (features.length === 0 && rows.length > 0)
    throw new InputError(`none of the ${rows.length} parcels of the list is in the RÚIAN file (is it the right municipality?) / žádná parcela ze seznamu v souboru RÚIAN není`, listFile);

  // The joined layer is written as one GeoJSON file and imported as any file is; the rejects ride in it
  // too, so a list that changes only in its bad lines is not taken for an unchanged file.
  const dir = await mkdtemp(join(tmpdir(), 'geoportal-city-land-'));
  try {
    const path = join(dir, `${CITY_LAND_LAYER}_${opts.municipality}.geojson`);
    const crs = { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::5514' } };
    await writeFile(path, JSON.stringify({ type: 'FeatureCollection', crs, listRejects: rejects, features }));
    return await importFile(db, {
      path,
      layerId: CITY_LAND_LAYER,
      municipality: opts.municipality,
      srid: 5514,
      idField: undefined,
      dryRun: opts.dryRun,
      allowWithdraw: opts.allowWithdraw,
      trigger: opts.trigger ?? `city-land:${listFile}`,
      extraRejects: rejects,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function parcelKey(ku: number, stavebni: boolean, kmen: number, pod: number | null): string {
  return `${ku}:${stavebni ? 'st' : 'p'}:${kmen}:${pod ?? ''}`;
}

function decode(bytes: Buffer, encoding: string | undefined, file: string): string {
  if (encoding) {
    try {
      return new TextDecoder(encoding, { fatal: true }).decode(bytes);
    } catch (e) {
      throw new InputError(e instanceof RangeError && /encoding/i.test(e.message) ? `unknown text encoding "${encoding}"` : `text is not valid ${encoding}`, file);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Czech office software still writes windows-1250
    return new TextDecoder('windows-1250').decode(bytes);
  }
}

/** Reads the property list; malformed lines become rejects, never a failed run. */
export function parseList(bytes: Buffer, file: string, encoding?: string): { rows: ListRow[]; rejects: Reject[] } {
  const text = decode(bytes, encoding, file).replace(/^\uFEFF/, '');
  const lines: string[][] = parse(text, { delimiter: [';', ',', '\t'], relax_column_count: true, skip_empty_lines: true, trim: true, comment: '#', comment_no_infix: true, info: false });
  // line numbers in the file, for the rejects: count every physical line (comments and blanks too)
  const physical = text.split(/\r?\n/).map((l, i) => [l.trim(), i + 1] as const).filter(([l]) => l !== '' && !l.startsWith('#')).map(([, n]) => n);
  const header = (lines[0] ?? []).map((h) => h.toLowerCase());
  const col = (names: string[]) => header.findIndex((h) => names.includes(h));
  const ci = { ku: col(KU_COLUMNS), num: col(NUMBER_COLUMNS), leased: col(LEASED_COLUMNS), purpose: col(PURPOSE_COLUMNS) };
  if (ci.ku < 0 || ci.num < 0 || ci.leased < 0)
    throw new InputError(`the property list needs the columns kod_ku, cislo_parcely and pronajato; it has: ${header.join(', ') || '(nothing)'} / seznam musí mít sloupce kod_ku, cislo_parcely a pronajato`, file);
  const rows: ListRow[] = [];
  const rejects: Reject[] = [];
  lines.slice(1).forEach((cells, i) => {
    const record = physical[i + 1] ?? i + 2;
    const reject = (field: string, reason: string) => rejects.push({ file, record, field, reason });
    const ku = Number(cells[ci.ku]);
    if (!/^\d{6}$/.test(cells[ci.ku] ?? '')) return reject('kod_ku', `"${cells[ci.ku] ?? ''}" is not a cadastral area code (6 digits) / není kód katastrálního území`);
    const m = PARCEL_NUMBER.exec((cells[ci.num] ?? '').replace(/\s+/g, ' '));
    if (!m) return reject('cislo_parcely', `"${cells[ci.num] ?? ''}" is not a parcel number such as 1234/5 or st. 123 / není parcelní číslo`);
    const leased = (cells[ci.leased] ?? '').toLowerCase();
    if (!YES.has(leased) && !NO.has(leased)) return reject('pronajato', `"${cells[ci.leased]}" is neither ano nor ne`);
    const stavebni = m[1] !== undefined;
    const kmen = Number(m[2]);
    const pod = m[3] === undefined ? null : Number(m[3]);
    const purpose = ci.purpose >= 0 ? (cells[ci.purpose] ?? '').trim() : '';
    rows.push({ record, ku, stavebni, kmen, pod, parcela: `${stavebni ? 'st. ' : ''}${kmen}${pod !== null ? `/${pod}` : ''}`, pronajato: YES.has(leased), ucel: purpose || null });
  });
  return { rows, rejects };
}
