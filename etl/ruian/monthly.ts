import { sql, type Kysely } from 'kysely';
import { InputError } from '../errors.ts';
import { importFile, type RunReport } from '../import.ts';

/** ČÚZK's public download of the current state of RÚIAN in the exchange format (VFR), one file per municipality. */
export const CUZK_VFR_BASE = 'https://vdp.cuzk.gov.cz/vymenny_format/soucasna/';

/** The RÚIAN layers a municipality's `*_OB_{kód}_UKSH.xml.zip` fills, with the VFR collection each is read from. */
export const RUIAN_FILE_LAYERS = [
  ['stavebni-objekty', 'StavebniObjekty'],
  ['ulice', 'Ulice'],
  ['casti-obci', 'CastiObci'],
  ['adresni-mista', 'AdresniMista'],
] as const;

/** A scheduled source of kind `ruian` in etl/sources.json. */
export interface RuianSourceConfig {
  /** RÚIAN codes, or "orp": every municipality of the `obce` layer (the 25 of ORP Chomutov) */
  municipalities: 'orp' | number[];
  /** where the monthly files are (default ČÚZK's download service); a mirror or a test server */
  baseUrl?: string;
}

/**
 * ČÚZK publishes, early each month, the state at the last day of the previous month, named by that date:
 * `20261130_OB_562971_UKSH.xml.zip` in December 2026.
 */
export function vfrFileName(municipality: number, now: Date): string {
  const lastOfPrevious = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
  const ymd = lastOfPrevious.toISOString().slice(0, 10).replaceAll('-', '');
  return `${ymd}_OB_${municipality}_UKSH.xml.zip`;
}

export async function ruianMunicipalities(db: Kysely<any>, cfg: RuianSourceConfig): Promise<number[]> {
  if (cfg.municipalities !== 'orp') return cfg.municipalities;
  const rows = (await sql<{ kod: number }>`SELECT kod FROM layer_obce ORDER BY kod`.execute(db)).rows;
  if (rows.length === 0) throw new InputError('the obce layer is empty: import the municipalities first, or list their codes', 'ruian');
  return rows.map((r) => Number(r.kod));
}

/**
 * One monthly RÚIAN update (issue 17.1): for each municipality, download its file once and import each RÚIAN layer
 * from it, scoped to that municipality (its features only are replaced). "Only what changed": a file equal to the one
 * last imported into a layer is recorded as unchanged without reading it (the import's checksum shortcut), and a
 * changed file updates only the features that differ. A municipality whose file cannot be downloaded stops the run
 * with an error naming the URL; municipalities done before it stay done, and the retry finds them unchanged.
 */
export async function runRuianMonthly(
  db: Kysely<any>,
  cfg: RuianSourceConfig,
  download: (url: string) => Promise<string>,
  opts: { now?: Date; trigger: string },
): Promise<RunReport[]> {
  const base = (cfg.baseUrl ?? CUZK_VFR_BASE).replace(/\/?$/, '/');
  const reports: RunReport[] = [];
  for (const kod of await ruianMunicipalities(db, cfg)) {
    const path = await download(new URL(vfrFileName(kod, opts.now ?? new Date()), base).href);
    for (const [layerId, sourceLayer] of RUIAN_FILE_LAYERS)
      reports.push(await importFile(db, { path, layerId, sourceLayer, municipality: kod, trigger: opts.trigger }));
  }
  return reports;
}
