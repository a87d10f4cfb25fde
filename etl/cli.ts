import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { sql, type Kysely } from 'kysely';
import { layers } from '../schemas/index.ts';
import { EDIT_POLICIES, importFile, type EditPolicy, type RunReport } from './import.ts';
import { InputError } from './errors.ts';
import { loadMapping } from './mapping.ts';
import { parseCrsName } from './crs.ts';
import { seedIfEmpty } from './seed.ts';
import { importPlanVersion } from './landuse.ts';
import { importCityLand } from './ruian/city-land.ts';
import { loadSources, sourcesFile } from './schedule/sources.ts';
import { markStale, runSource, startScheduler } from './schedule/runner.ts';
import { dtmExportCommand, DTM_USAGE } from './dtm/cli.ts';
import { uapDeliverCommand, uapDeliveriesCommand, uapStateCommand, UAP_USAGE } from './uap/cli.ts';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** progress line that may be overwritten (TTY) */
  progress?(line: string): void;
  /** directory that relative paths are relative to (the caller's, when run inside the server) */
  cwd?: string;
  /** text the client read from standard input (a password), forwarded by the bridge */
  input?: string;
}

const USAGE = `Použití / usage:
  npm run etl -- import <soubor> --layer <id> [--municipality <kód RÚIAN>] [--srs EPSG:5514] [--encoding cp1250]
                 [--mapping <mapping.json>] [--source-layer <vrstva v GPKG/zip, typ prvku VFR>] [--invalid-geometry repair|reject] [--dry-run]
                 [--id-field <sloupec s id>] [--allow-withdraw] [--on-conflict edits-win|source-wins|hold]
  npm run etl -- city-land <VFR *_UKSH.xml[.zip] s parcelami> --list <seznam majetku.csv> --municipality <kód RÚIAN>
                 [--encoding cp1250] [--dry-run] [--allow-withdraw]
  npm run etl -- import-plan <složka s plan.json a SHP JSÚPD> [--dry-run]
  npm run etl -- runs [--layer <id>]
  npm run etl -- report <runId>
  npm run etl -- sources
  npm run etl -- run-source <name>
  npm run etl -- scheduler
  npm run etl -- seed
  npm run etl -- layers
${DTM_USAGE}
${UAP_USAGE}
Soubory / files: .shp (+.dbf .prj .cpg), .zip (zabalený SHP), .gpkg, .geojson/.json, .csv (sloupce se souřadnicemi),
  RÚIAN: *_UKSH.xml[.zip] (VFR, --source-layer AdresniMista|Ulice|StavebniObjekty|CastiObci|Parcely), *_ADR.csv[.zip]`;

/** The ETL command line; runs in its own process or, on the embedded database, inside the running server. */
export async function runEtlCli(argv: string[], db: Kysely<any>, io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'import':
        return await importCommand(rest, db, io);
      case 'city-land':
        return await cityLandCommand(rest, db, io);
      case 'import-plan':
        return await importPlanCommand(rest, db, io);
      case 'runs':
        return await runsCommand(rest, db, io);
      case 'report':
        return await reportCommand(rest, db, io);
      case 'sources':
        return await sourcesCommand(db, io);
      case 'run-source':
        return await runSourceCommand(rest, db, io);
      case 'scheduler':
        return await schedulerCommand(db, io);
      case 'seed':
        for (const r of await seedIfEmpty(db, io.out)) void r;
        io.out('seed: done');
        return 0;
      case 'dtm-export':
        return await dtmExportCommand(rest, db, io);
      case 'uap-deliver':
        return await uapDeliverCommand(rest, db, io);
      case 'uap-state':
        return await uapStateCommand(rest, db, io);
      case 'uap-deliveries':
        return await uapDeliveriesCommand(rest, db, io);
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
      if (report) {
        printConflicts(report, io.err);
        io.err(`run ${report.runId} failed; nothing was changed`);
      }
      return 1;
    }
    if (e instanceof TypeError && /parseArgs|Unknown option|ERR_PARSE_ARGS/.test(String((e as { code?: string }).code ?? e.message))) {
      io.err(`${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

/** A progress bar (features, rate, ETA) on a terminal; plain progress lines when run through the server. */
function progressReporter(io: CliIo): { update(n: number, total?: number): void; stop(): void } {
  const started = Date.now();
  if (io.cwd === undefined && io.progress && process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: ' {bar} {percentage}% | {value}/{total} features | {rate}/s | ETA {eta_formatted}', stream: process.stderr, hideCursor: true, etaBuffer: 20 },
      cliProgress.Presets.shades_classic,
    );
    let startedBar = false;
    return {
      update(n, total) {
        const rate = Math.round(n / Math.max((Date.now() - started) / 1000, 0.001));
        const t = total ?? Math.max(n, 1);
        if (!startedBar) {
          bar.start(t, n, { rate });
          startedBar = true;
        } else {
          if (bar.getTotal() !== t) bar.setTotal(t);
          bar.update(n, { rate });
        }
      },
      stop: () => startedBar && bar.stop(),
    };
  }
  return {
    update(n, total) {
      const s = (Date.now() - started) / 1000;
      const rate = n / Math.max(s, 0.001);
      const eta = total && rate > 0 ? `, ETA ${Math.max(0, Math.round((total - n) / rate))} s` : '';
      io.progress?.(`${n}${total ? `/${total}` : ''} features read, ${Math.round(rate)}/s${eta}`);
    },
    stop() {},
  };
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
      'source-layer': { type: 'string' },
      'invalid-geometry': { type: 'string' },
      'dry-run': { type: 'boolean' },
      'id-field': { type: 'string' },
      'allow-withdraw': { type: 'boolean' },
      'on-conflict': { type: 'string' },
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
  const invalid = values['invalid-geometry'];
  if (invalid !== undefined && invalid !== 'repair' && invalid !== 'reject') {
    io.err('--invalid-geometry must be "repair" or "reject"');
    return 2;
  }
  const policy = values['on-conflict'];
  if (policy !== undefined && !EDIT_POLICIES.includes(policy as EditPolicy)) {
    io.err(`--on-conflict must be one of ${EDIT_POLICIES.join(', ')}`);
    return 2;
  }
  const progress = progressReporter(io);
  let report: RunReport;
  try {
    report = await importFile(db, {
      path,
      layerId: values.layer,
      municipality,
      srid,
      encoding: values.encoding,
      mapping: values.mapping ? loadMapping(resolve(io.cwd ?? process.cwd(), values.mapping)) : undefined,
      sourceLayer: values['source-layer'],
      invalidGeometry: invalid,
      dryRun: values['dry-run'],
      idField: values['id-field'],
      allowWithdraw: values['allow-withdraw'],
      editPolicy: policy as EditPolicy | undefined,
      trigger: 'cli',
      onProgress: (n, total) => progress.update(n, total),
    });
  } finally {
    progress.stop();
  }
  printReport(report, io);
  return report.rejected > 0 ? 3 : 0;
}

/** City-owned land: RÚIAN parcels joined with the city's property list (etl/ruian/city-land.ts). */
async function cityLandCommand(args: string[], db: Kysely<any>, io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { list: { type: 'string' }, municipality: { type: 'string' }, encoding: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'allow-withdraw': { type: 'boolean' } },
  });
  const cwd = io.cwd ?? process.cwd();
  if (!positionals[0] || !values.list || !values.municipality) {
    io.err(`city-land needs the RÚIAN file, --list and --municipality\n${USAGE}`);
    return 2;
  }
  if (!/^\d{6}$/.test(values.municipality)) throw new InputError('--municipality must be a 6-digit RÚIAN code', values.list);
  const report = await importCityLand(db, {
    parcels: resolve(cwd, positionals[0]),
    list: resolve(cwd, values.list),
    municipality: Number(values.municipality),
    encoding: values.encoding,
    dryRun: values['dry-run'],
    allowWithdraw: values['allow-withdraw'],
    trigger: 'cli',
  });
  printReport(report, io);
  return report.rejected > 0 ? 3 : 0;
}

async function importPlanCommand(args: string[], db: Kysely<any>, io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'dry-run': { type: 'boolean' } } });
  if (!positionals[0]) {
    io.err(`import-plan needs a folder\n${USAGE}`);
    return 2;
  }
  const v = await importPlanVersion(db, resolve(io.cwd ?? process.cwd(), positionals[0]), { dryRun: values['dry-run'] });
  io.out(`plan version ${v.versionId}: municipality ${v.municipality}, "${v.label}", effective ${v.effectiveFrom}${values['dry-run'] ? ' (dry run, nothing stored)' : ''}`);
  for (const r of v.runs) printReport(r, io);
  return v.runs.some((r) => r.rejected > 0) ? 3 : 0;
}

function printReport(r: RunReport, io: CliIo): void {
  io.out(`run ${r.runId} ${r.status}: ${r.layerId} from ${r.source}`);
  io.out(`  read ${r.read}, inserted ${r.inserted}, updated ${r.updated}, unchanged ${r.unchanged}, deleted ${r.deleted}, rejected ${r.rejected} in ${(r.durationMs / 1000).toFixed(1)} s`);
  io.out(`  checksum sha256:${r.checksum}`);
  if (r.idSource) io.out(`  ${r.idSource}`);
  if (r.phases) io.out(`  phases (ms): ${Object.entries(r.phases).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const w of r.warnings) io.out(`  warning: ${w}`);
  printConflicts(r, io.out);
  for (const j of r.rejects.slice(0, 50)) io.out(`  reject: ${j.file} record ${j.record}${j.field ? ` field ${j.field}` : ''}: ${j.reason}`);
  if (r.rejects.length > 50) io.out(`  … ${r.rejects.length - 50} more rejects: npm run etl -- report ${r.runId}`);
}

const OUTCOME: Record<string, string> = {
  'kept-edit': 'the edit was kept (edits-win)',
  overwritten: 'the source overwrote the edit; the edit is in the history (source-wins)',
  held: 'held: the run changed nothing (hold)',
};

/** One line per feature staff edited that the source would change: what the source says, what the editor made. */
function printConflicts(r: RunReport, line: (l: string) => void): void {
  if (r.conflicts.length === 0) return;
  line(`  ${r.conflicts.length} conflicts with staff edits (policy ${r.editPolicy}):`);
  for (const c of r.conflicts.slice(0, 50)) {
    const diffs = c.differences.map((d) => `${d.field}: source ${JSON.stringify(d.source)} vs edited ${JSON.stringify(d.edited)}`).join('; ');
    line(`  conflict: ${c.file} record ${c.record}, feature ${c.fid} (source id ${c.sourceId}) edited by ${c.editedBy}${c.editedAt ? ` at ${c.editedAt}` : ''}: ${diffs} → ${OUTCOME[c.outcome]}`);
  }
  if (r.conflicts.length > 50) line(`  … ${r.conflicts.length - 50} more conflicts: npm run etl -- report ${r.runId}`);
}

async function runsCommand(args: string[], db: Kysely<any>, io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { layer: { type: 'string' } } });
  const rows = await sql<Record<string, unknown>>`SELECT id, layer_id, status, started_at, duration_ms, read_count, inserted_count, updated_count,
      unchanged_count, deleted_count, rejected_count, source FROM etl_run
    ${values.layer ? sql`WHERE layer_id = ${values.layer}` : sql``} ORDER BY id DESC LIMIT 50`.execute(db);
  io.out('id\tlayer\tstatus\tstarted\tms\tread\tins\tupd\tsame\tdel\trej\tsource');
  for (const r of rows.rows)
    io.out([r.id, r.layer_id, r.status, new Date(r.started_at as string).toISOString(), r.duration_ms ?? '', r.read_count, r.inserted_count, r.updated_count, r.unchanged_count, r.deleted_count, r.rejected_count, r.source].join('\t'));
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
  const conflicts = await sql<Record<string, unknown>>`SELECT file, record, fid, source_id, edited_by, edited_at, outcome, differences
    FROM etl_conflict WHERE run_id = ${Number(id)} ORDER BY record`.execute(db);
  if (conflicts.rows.length) {
    io.out('conflicts with staff edits: file\trecord\tfid\tsource_id\tedited_by\toutcome\tdifferences');
    for (const c of conflicts.rows) io.out([c.file, c.record, c.fid, c.source_id, c.edited_by, c.outcome, JSON.stringify(c.differences)].join('\t'));
  }
  const rejects = await sql<Record<string, unknown>>`SELECT file, record, field, reason FROM etl_reject WHERE run_id = ${Number(id)} ORDER BY record`.execute(db);
  io.out('file\trecord\tfield\treason');
  for (const r of rejects.rows) io.out(`${r.file}\t${r.record}\t${r.field ?? ''}\t${r.reason}`);
  return 0;
}

async function sourcesCommand(db: Kysely<any>, io: CliIo): Promise<number> {
  const sources = loadSources();
  await markStale(db, sources);
  const state = new Map((await sql<Record<string, unknown>>`SELECT * FROM etl_source_state`.execute(db)).rows.map((r) => [r.name as string, r]));
  io.out(`# ${sourcesFile()}`);
  io.out('name\tlayer\tcron\tperiod_h\tlast_success\tstale\tattempts\tnext_retry\trunning_by\tlast_error');
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : '-');
  for (const s of sources) {
    const st = state.get(s.name);
    io.out([s.name, s.layer, s.cron, s.expectedPeriodHours, iso(st?.last_success_at), st?.stale ? 'STALE' : 'ok', st?.attempts ?? 0, iso(st?.next_retry_at), st?.running_by ?? '-', st?.last_error ?? ''].join('\t'));
  }
  return 0;
}

async function runSourceCommand(args: string[], db: Kysely<any>, io: CliIo): Promise<number> {
  const source = loadSources().find((s) => s.name === args[0]);
  if (!source) {
    io.err(args[0] ? `no source "${args[0]}" in ${sourcesFile()}` : 'run-source needs a source name (see: npm run etl -- sources)');
    return 2;
  }
  const out = await runSource(db, source);
  if (out.status === 'busy') {
    io.err(`source ${source.name} is already running (${out.runningBy})`);
    return 1;
  }
  if (out.status === 'failed') {
    io.err(`source ${source.name} failed: ${out.error}${out.nextRetryAt ? `; the scheduler retries at ${out.nextRetryAt.toISOString()}` : ''}`);
    return 1;
  }
  printReport(out.report, io);
  return out.report.rejected > 0 ? 3 : 0;
}

async function schedulerCommand(db: Kysely<any>, io: CliIo): Promise<number> {
  const sources = loadSources();
  io.out(`scheduler: ${sources.length} sources from ${sourcesFile()}; Ctrl+C stops`);
  const scheduler = startScheduler(db, (l) => io.out(`${new Date().toISOString()} ${l}`), sources);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  scheduler.stop();
  return 0;
}
