import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import type { CliIo } from '../cli.ts';
import { parseCrsName } from '../crs.ts';
import { deliverUap, type UapPart } from './deliver.ts';
import { listDeliveries, municipalityName, uapState, DEFAULT_UAP_STALE_DAYS, type JevStatus } from './state.ts';

export const UAP_USAGE = `  npm run etl -- uap-deliver --provider <poskytovatel> --public|--not-public --jev <číslo>[:<vrstva>]=<soubor> [--jev …]
                 [--date YYYY-MM-DD] [--municipality <kód RÚIAN>]… [--srs EPSG:5514] [--encoding cp1250] [--note <text>] [--dry-run]
                 (předání údajů ÚAP: nahradí dřívější údaje poskytovatele o těchto jevech)
  npm run etl -- uap-state <kód obce> [--stale-days ${DEFAULT_UAP_STALE_DAYS}]
  npm run etl -- uap-deliveries [--provider <poskytovatel>]`;

const STATUS: Record<JevStatus, string> = { delivered: 'předáno', stale: 'zastaralé', missing: 'chybí', 'not-concerned': 'netýká se' };

/** `uap-deliver`: exit 0 recorded, 3 recorded with rejected records, 1 refused (nothing changed), 2 usage. */
export async function uapDeliverCommand(args: string[], db: Kysely<any>, io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      provider: { type: 'string' },
      public: { type: 'boolean' },
      'not-public': { type: 'boolean' },
      jev: { type: 'string', multiple: true },
      date: { type: 'string' },
      municipality: { type: 'string', multiple: true },
      srs: { type: 'string' },
      encoding: { type: 'string' },
      note: { type: 'string' },
      synthetic: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    },
  });
  const usage = (m: string) => {
    io.err(`${m}\n${UAP_USAGE}`);
    return 2;
  };
  if (!values.provider) return usage('uap-deliver needs --provider');
  if (values.public === values['not-public']) return usage('say whether the provider allows publishing: --public or --not-public');
  if (!values.jev?.length) return usage('name at least one --jev <number>[:<layer>]=<file>');
  const parts: UapPart[] = [];
  for (const j of values.jev) {
    const m = /^(\d{1,3})(?::([^=]+))?=(.+)$/.exec(j);
    if (!m) return usage(`--jev ${j}: expected <number>[:<layer>]=<file>, e.g. --jev 73=vedeni.shp.zip or --jev 72:stanice=data.gpkg`);
    parts.push({ jev: Number(m[1]), sourceLayer: m[2], path: resolve(io.cwd ?? process.cwd(), m[3]!), srid: values.srs ? parseCrsName(values.srs) : undefined, encoding: values.encoding });
  }
  const municipalities = (values.municipality ?? []).map(Number);
  if (municipalities.some((m) => !/^\d{6}$/.test(String(m)))) return usage('--municipality is a 6-digit RÚIAN code');
  const r = await deliverUap(db, {
    provider: values.provider,
    deliveredOn: values.date ?? new Date().toISOString().slice(0, 10),
    isPublic: values.public === true,
    parts,
    actor: 'cli',
    note: values.note,
    synthetic: values.synthetic,
    municipalities: municipalities.length ? municipalities : undefined,
    dryRun: values['dry-run'],
  });
  io.out(`${r.dryRun ? 'dry run, not recorded' : `delivery ${r.deliveryId}`}: ${r.provider}, ${r.deliveredOn}, ${r.isPublic ? 'public / veřejné' : 'not public / neveřejné'}; jevy ${r.jevy.join(', ')}; ${r.featureCount} features; municipalities ${r.municipalities.join(', ') || '–'}`);
  for (const p of r.parts) {
    const x = p.run;
    io.out(`  jev ${p.jev} → ${p.layer} (run ${x.runId} from ${p.file}): read ${x.read}, inserted ${x.inserted}, updated ${x.updated}, unchanged ${x.unchanged}, deleted ${x.deleted}, rejected ${x.rejected}`);
    for (const w of x.warnings) io.out(`    warning: ${w}`);
    for (const j of x.rejects.slice(0, 50)) io.out(`    reject: ${j.file} record ${j.record}${j.field ? ` field ${j.field}` : ''}: ${j.reason}`);
  }
  return r.parts.some((p) => p.run.rejected > 0) ? 3 : 0;
}

export async function uapStateCommand(args: string[], db: Kysely<any>, io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'stale-days': { type: 'string' } } });
  const code = positionals[0];
  if (!code || !/^\d{6}$/.test(code)) {
    io.err(`uap-state needs the municipality's 6-digit RÚIAN code\n${UAP_USAGE}`);
    return 2;
  }
  const nazev = await municipalityName(db, Number(code));
  if (!nazev) {
    io.err(`error: ${code} is not a municipality of ORP Chomutov`);
    return 1;
  }
  const s = await uapState(db, Number(code), nazev, { staleAfterDays: values['stale-days'] ? Number(values['stale-days']) : undefined });
  io.out(`ÚAP ${nazev} (${code}): předáno ${s.counts.delivered}, zastaralé ${s.counts.stale}, chybí ${s.counts.missing}, netýká se ${s.counts['not-concerned']} (zastaralé = starší než ${s.staleAfterDays} dní)`);
  for (const j of s.jevy) {
    const d = j.deliveries.map((x) => `${x.provider} ${x.deliveredOn}${x.isPublic ? '' : ' (neveřejné)'}`).join('; ');
    io.out(`${String(j.cislo).padStart(3)}  ${STATUS[j.status].padEnd(10)} ${j.nazev}${d ? ` — ${d}` : ''}`);
  }
  return 0;
}

export async function uapDeliveriesCommand(args: string[], db: Kysely<any>, io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { provider: { type: 'string' } } });
  for (const d of await listDeliveries(db, { provider: values.provider, limit: 1000 }))
    io.out(`${d.id}\t${d.deliveredOn}\t${d.isPublic ? 'veřejné' : 'neveřejné'}\t${d.provider}\tjevy ${d.jevy.join(',')}\t${d.featureCount} prvků${d.superseded.length ? `\tnahrazeno: ${d.superseded.join(',')}` : ''}`);
  return 0;
}
