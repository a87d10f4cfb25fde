import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import type { CliIo } from '../cli.ts';
import { exportDtm, InvalidDelivery, UnknownMunicipality, type DtmExportResult } from './export.ts';

export const DTM_USAGE = `  npm run etl -- dtm-export <kód obce> [--changes] [--out <soubor.xml>] [--dry-run]
                 (JVF DTM 1.4.3: kompletní zápis, nebo --changes změny od předchozího předání; --dry-run nezaznamená předání)`;

function summary(r: DtmExportResult, out: (l: string) => void): void {
  const what = r.kind === 'complete' ? 'kompletní zápis / complete delivery' : `změnové věty / changes since delivery ${r.previousDeliveryId}`;
  out(`${r.municipality.name} (${r.municipality.code}): ${what}; i ${r.counts.i}, u ${r.counts.u}, d ${r.counts.d}; XSD: valid`);
  out(r.deliveryId ? `recorded as delivery ${r.deliveryId}` : 'not recorded (--dry-run)');
  if (r.unmapped.length > 0) {
    out(`${r.unmapped.length} feature(s) cannot be mapped to JVF DTM and are not in the file:`);
    for (const u of r.unmapped) out(`  ${u.layer}/${u.fid}: ${u.reason}`);
  }
}

/** `dtm-export`: exit 0 delivered, 3 delivered without some unmappable features, 1 refused (unknown municipality, XSD), 2 usage. */
export async function dtmExportCommand(args: string[], db: Kysely<any>, io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { changes: { type: 'boolean' }, out: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  });
  const code = positionals[0];
  if (!code || !/^\d{6}$/.test(code) || positionals.length > 1) {
    io.err(`dtm-export needs the municipality's 6-digit RÚIAN code\n${DTM_USAGE}`);
    return 2;
  }
  let result: DtmExportResult;
  try {
    result = await exportDtm(db, { municipality: Number(code), kind: values.changes ? 'changes' : 'complete', record: !values['dry-run'], actor: 'cli' });
  } catch (e) {
    if (e instanceof UnknownMunicipality) {
      io.err(`error: ${e.message}`);
      return 1;
    }
    if (e instanceof InvalidDelivery) {
      io.err(`error: ${e.message}\nnothing was delivered or recorded`);
      for (const l of e.result.validation.errors) io.err(`  ${l}`);
      return 1;
    }
    throw e;
  }
  if (values.out) {
    const path = resolve(io.cwd ?? process.cwd(), values.out);
    writeFileSync(path, result.xml);
    summary(result, io.out);
    io.out(`written to ${path}`);
  } else {
    // the file on standard output, the report on standard error
    io.out(result.xml.trimEnd());
    summary(result, io.err);
  }
  return result.unmapped.length > 0 ? 3 : 0;
}
