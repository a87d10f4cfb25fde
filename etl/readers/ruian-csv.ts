import { open } from 'node:fs/promises';
import { openCsv } from './csv.ts';
import { intOrNull, textOrNull, withTexts } from '../ruian/address.ts';
import type { SourceReader } from './types.ts';

/**
 * ČÚZK's address-point CSV (`{datum}_OB_{kód obce}_ADR.csv`, inside `.csv.zip`):
 * semicolon-separated, windows-1250, header
 * `Kód ADM;Kód obce;Název obce;Kód MOMC;Název MOMC;Kód obvodu Prahy;Název obvodu Prahy;Kód části obce;
 * Název části obce;Kód ulice;Název ulice;Typ SO;Číslo domovní;Číslo orientační;Znak čísla orientačního;
 * PSČ;Souřadnice Y;Souřadnice X;Platí Od`, S-JTSK written as positive numbers (EPSG:5514 x = −Y, y = −X,
 * done by the CSV reader). Rows become the `adresni-mista` attributes, the same as the VFR reader gives.
 */
export async function openRuianAddressCsv(path: string, opts: { encoding?: string } = {}): Promise<SourceReader> {
  const csv = await openCsv(path, {
    encoding: opts.encoding ?? 'windows-1250',
    coordinates: { x: 'Souřadnice X', y: 'Souřadnice Y', srs: 'EPSG:5514' },
  });
  return {
    ...csv,
    async *records() {
      for await (const r of csv.records()) {
        const p = r.properties as Record<string, string | undefined>;
        const kod = intOrNull(p['Kód ADM']);
        const cislo = intOrNull(p['Číslo domovní']);
        const base = {
          kod: kod ?? 0,
          obec: textOrNull(p['Název obce']),
          cast_obce_kod: intOrNull(p['Kód části obce']),
          cast_obce: textOrNull(p['Název části obce']),
          ulice_kod: intOrNull(p['Kód ulice']),
          ulice: textOrNull(p['Název ulice']),
          typ_so: /ev/i.test(p['Typ SO'] ?? '') ? ('ce' as const) : ('cp' as const),
          cislo_domovni: cislo ?? 0,
          cislo_orientacni: intOrNull(p['Číslo orientační']),
          znak_cisla_orientacniho: textOrNull(p['Znak čísla orientačního']),
          psc: textOrNull(p['PSČ']),
          stavebni_objekt_kod: null,
          plati_od: /^\d{4}-\d{2}-\d{2}/.test(p['Platí Od'] ?? '') ? p['Platí Od']!.slice(0, 10) : null,
        };
        const properties: Record<string, unknown> = cislo === null ? { ...base, cislo_domovni: null, adresa: null } : { ...withTexts(base) };
        yield { record: r.record, id: kod ?? undefined, properties, geometry: r.geometry };
      }
    },
    batches: undefined,
  };
}

/** The header of ČÚZK's address CSV starts with "Kód ADM;" (in windows-1250 or UTF-8). */
export async function isRuianAddressCsv(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(32);
    const { bytesRead } = await fh.read(buf, 0, 32, 0);
    return /^(\uFEFF)?K.{1,2}d ADM;/.test(buf.subarray(0, bytesRead).toString('latin1').replace(/^\xEF\xBB\xBF/, ''));
  } finally {
    await fh.close();
  }
}
