import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { layers } from '../schemas/index.ts';
import { importFile, type RunReport } from './import.ts';
import { InputError } from './errors.ts';
import { loadMapping } from './mapping.ts';
import { parseCrsName } from './crs.ts';
import { seedIfEmpty } from './seed.ts';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** progress line that may be overwritten (TTY) */
  progress?(line: string): void;
  /** directory that relative paths are relative to (the caller's, when run inside the server) */
  cwd?: string;
}

const USAGE = `Použití / usage:
  npm run etl -- import <soubor> --layer <id> [--municipality <kód RÚIAN>] [--srs EPSG:5514] [--encoding cp1250] [--mapping <mapping.json>] [--dry-run]
  npm run etl -- runs [--layer <id>]
  npm run etl -- report <runId>
  npm run etl -- seed
  npm run etl -- layers`;

/** The ETL command line; runs in its own process or, on the embedded database, inside the running server. */
export async function runEtlCli(argv: string[], db: Kysely<any>, io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'import':
        return await importCommand(rest, db, io);
      case 'runs':
        return await runsCommand(rest, db, io);
      case 'report':
        return await reportCommand(rest, db, io);
      case 'seed':
        for (const r of await seedIfEmpty(db, io.out)) void r;
        io.out('seed: done');
        return 0;
      case 'layers':
        for (const l of layers) io.out(`${l.id}\t${l.geometryType}\t${l.title.cs}`);
        return 0;
      default:
        io.err(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
        return 2;
    }
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`error: ${e.file}: ${e.message}`);
      const report = (e as InputError & { report?: RunReport }).report;
      if (report) io.err(`run ${report.runId} failed; nothing was changed`);
      return 1;
    }
    if (e instanceof TypeError && /parseArgs|Unknown option|ERR_PARSE_ARGS/.test(String((e as { code?: string }).code ?? e.message))) {
      io.err(`${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

async function importCommand(args: string[], db: Kysely<any>, io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      layer: { type: 'string' },
      municipality: { type: 'string' },
      srs: { type: 'string' },
      encoding: { type: 'string' },
      mapping: { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
  });
  const path = positionals[0] ? resolve(io.cwd ?? process.cwd(), positionals[0]) : undefined;
  if (!path || !values.layer) {
    io.err(`import needs a file and --layer\n${USAGE}`);
    return 2;
  }
  let srid: number | undefined;
  if (values.srs) {
    srid = parseCrsName(values.srs);
    if (srid === undefined) throw new InputError(`unknown CRS "${values.srs}"`, path);
  }
  let municipality: number | undefined;
  if (values.municipality !== undefined) {
    if (!/^\d{6}$/.test(values.municipality)) throw new InputError('--municipality must be a 6-digit RÚIAN code', path);
    municipality = Number(values.municipality);
  }
  const started = Date.now();
  const report = await importFile(db, {
    path,
    layerId: values.layer,
    municipality,
    srid,
    encoding: values.encoding,
    mapping: values.mapping ? loadMapping(resolve(io.cwd ?? process.cwd(), values.mapping)) : undefined,
    dryRun: values['dry-run'],
    onProgress: (n) => {
      const s = (Date.now() - started) / 1000;
      io.progress?.(`${n} features read, ${Math.round(n / Math.max(s, 0.001))}/s`);
    },
  });
  printReport(report, io);
  return report.rejected > 0 ? 3 : 0;
}

function printReport(r: RunReport, io: CliIo): void {
  io.out(`run ${r.runId} ${r.status}: ${r.layerId} from ${r.source}`);
  io.out(`  read ${r.read}, inserted ${r.inserted}, updated ${r.updated}, unchanged ${r.unchanged}, deleted ${r.deleted}, rejected ${r.rejected} in ${(r.durationMs / 1000).toFixed(1)} s`);
  io.out(`  checksum sha256:${r.checksum}`);
  for (const w of r.warnings) io.out(`  warning: ${w}`);
  for (const j of r.rejects.slice(0, 50)) io.out(`  reject: ${j.file} record ${j.record}${j.field ? ` field ${j.field}` : ''}: ${j.reason}`);
  if (r.rejects.length > 50) io.out(`  … ${r.rejects.length - 50} more rejects: npm run etl -- report ${r.runId}`);
}

async function runsCommand(args: string[], db: Kysely<any>, io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { layer: { type: 'string' } } });
  const rows = await sql<Record<string, unknown>>`SELECT id, layer_id, status, started_at, read_count, inserted_count, updated_count,
      unchanged_count, deleted_count, rejected_count, source FROM etl_run
    ${values.layer ? sql`WHERE layer_id = ${values.layer}` : sql``} ORDER BY id DESC LIMIT 50`.execute(db);
  io.out('id\tlayer\tstatus\tstarted\tread\tins\tupd\tsame\tdel\trej\tsource');
  for (const r of rows.rows)
    io.out([r.id, r.layer_id, r.status, new Date(r.started_at as string).toISOString(), r.read_count, r.inserted_count, r.updated_count, r.unchanged_count, r.deleted_count, r.rejected_count, r.source].join('\t'));
  return 0;
}

async function reportCommand(args: string[], db: Kysely<any>, io: CliIo): Promise<number> {
  const id = args[0];
  if (!id || !/^\d+$/.test(id)) {
    io.err('report needs a run id');
    return 2;
  }
  const run = (await sql<Record<string, unknown>>`SELECT * FROM etl_run WHERE id = ${Number(id)}`.execute(db)).rows[0];
  if (!run) {
    io.err(`run ${id} does not exist`);
    return 1;
  }
  io.out(JSON.stringify(run, null, 2));
  const rejects = await sql<Record<string, unknown>>`SELECT file, record, field, reason FROM etl_reject WHERE run_id = ${Number(id)} ORDER BY record`.execute(db);
  io.out('file\trecord\tfield\treason');
  for (const r of rejects.rows) io.out(`${r.file}\t${r.record}\t${r.field ?? ''}\t${r.reason}`);
  return 0;
}
