/**
 * ETL import speed and memory against GDAL's ogr2ogr, in the same run, on the
 * real PostgreSQL/PostGIS server (BENCH_DATABASE_URL, scratch schema dropped at the end).
 *
 * A deterministic S-JTSK point shapefile of trees (stromy) with a realistic
 * attribute set is generated (via ogr2ogr from CSV), then imported
 *   - by our ETL (`importFile`: read, validate every record against the schema,
 *     stage in bulk, transform in PostGIS, upsert + withdraw in one transaction,
 *     audit triggers on), in a child process;
 *   - by `ogr2ogr -f PostgreSQL` (PG_USE_COPY=YES, -t_srs EPSG:4326).
 * Sizes: `npm run bench -- etl --sizes=100000,1000000` (or BENCH_ETL_SIZES; the default is that).
 * For every size: rates and our/ogr2ogr ratio of a first load (for the first size best of
 * BENCH_ETL_REPEAT interleaved runs of each, default 2), a re-import of the identical file (issue
 * 16.4) and of the file with 1 % of its features changed (only those are staged and get a history
 * row), compared with ogr2ogr loading the file, and the peak RSS of each; a table at the end.
 *   npm run bench -- etl --sizes=100000        (a smoke run on a shared machine)
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const description = 'shapefile import into PostGIS: our ETL (validation on) vs ogr2ogr -f PostgreSQL (PG_USE_COPY=YES)';

const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SIZES = (process.argv.find((a) => a.startsWith('--sizes='))?.slice('--sizes='.length) ?? process.env.BENCH_ETL_SIZES ?? '100000,1000000')
  .split(',')
  .map((x) => Number(x.replace(/[_\s]/g, '')))
  .filter((x) => Number.isInteger(x) && x > 0);
const N = SIZES[0] ?? 100_000;
const REPEAT = Number(process.env.BENCH_ETL_REPEAT ?? 2);
const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');

function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TAXA = ['Tilia cordata', 'Acer platanoides', 'Quercus robur', 'Betula pendula', 'Fraxinus excelsior', 'Carpinus betulus', 'Aesculus hippocastanum', 'Pinus sylvestris', 'Picea abies', 'Platanus × hispanica'];

/** Trees inside ORP Chomutov (S-JTSK bounding box of the ORP), attributes from a fixed-seed PRNG. */
async function makeShapefile(dir: string, n: number, changedPercent = 0): Promise<string> {
  mkdirSync(dir, { recursive: true });
  // v2: the PRNG draws in another order than the files of earlier versions of this bench (cached in tmpdir)
  const name = changedPercent ? `stromy_v2_${n}_changed${changedPercent}` : `stromy_v2_${n}`;
  const csv = join(dir, `${name}.csv`);
  const shp = join(dir, `${name}.shp`);
  const every = changedPercent ? Math.round(100 / changedPercent) : 0;
  if (existsSync(shp)) return shp;
  const rnd = mulberry32(20_250 + n);
  const out = createWriteStream(csv);
  out.write('id,x,y,evid_cislo,taxon,typ_drevin,vyska,obvod,vitalita,stav,pamatny,datum_kont\n');
  for (let i = 0; i < n; i++) {
    const x = -815_000 + rnd() * 20_000;
    const y = -995_000 + rnd() * 15_000;
    // the same PRNG sequence either way: a changed file differs only in the height of every `every`-th tree
    const height = 3 + rnd() * 25 + (every && i % every === 0 ? 1 : 0);
    const line = `${i + 1},${x.toFixed(2)},${y.toFixed(2)},S-${i + 1},${TAXA[Math.floor(rnd() * TAXA.length)]},${rnd() < 0.8 ? 'listnata' : 'jehlicnata'},${height.toFixed(1)},${Math.floor(20 + rnd() * 400)},${1 + Math.floor(rnd() * 5)},${1 + Math.floor(rnd() * 5)},${rnd() < 0.01 ? 'ano' : 'ne'},2024-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 10)}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', shp, csv, '-a_srs', 'EPSG:5514', '-oo', 'X_POSSIBLE_NAMES=x', '-oo', 'Y_POSSIBLE_NAMES=y', '-oo', 'AUTODETECT_TYPE=YES', '-lco', 'ENCODING=UTF-8', '-nln', name]);
  rmSync(csv);
  return shp;
}

const MAPPING = {
  layer: 'stromy',
  idField: 'id',
  fields: { evidencni_cislo: 'evid_cislo', typ_dreviny: 'typ_drevin', obvod_kmene: 'obvod', datum_kontroly: 'datum_kont' },
};

interface Measured {
  seconds: number;
  maxRssKb: number;
  /** user + system CPU seconds of the client process (the database server's work is not in it) */
  cpuSeconds: number;
  phases?: Record<string, number>;
}

/** `/usr/bin/time` gives the peak RSS (kB) and CPU time of whatever it runs. */
async function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ out: string; maxRssKb: number; cpuSeconds: number; seconds: number }> {
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'MAXRSS %M CPU %U %S', cmd, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const [code] = await once(child, 'exit');
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${cmd} failed (${code}):\n${out.slice(-2000)}`);
  const rss = /MAXRSS (\d+) CPU ([\d.]+) ([\d.]+)/.exec(out);
  return { out, maxRssKb: rss ? Number(rss[1]) : NaN, cpuSeconds: rss ? Number(rss[2]) + Number(rss[3]) : NaN, seconds };
}

interface ChildResult {
  seconds: number;
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  rejected: number;
  skipped?: number;
  phases: Record<string, number>;
}

async function runOurs(shp: string, url: string, expected: Partial<ChildResult>): Promise<Measured & { result: ChildResult }> {
  const r = await timed(process.execPath, ['--import', 'tsx', join(here, 'etl.bench.ts'), '--child', shp], { ...process.env, BENCH_CHILD_URL: url });
  const m = /IMPORT (\{.*\})/.exec(r.out);
  if (!m) throw new Error(`no result from the ETL child:\n${r.out.slice(-2000)}`);
  const res = JSON.parse(m[1]!) as ChildResult;
  for (const [k, v] of Object.entries({ rejected: 0, ...expected }))
    if (res[k as keyof ChildResult] !== v) throw new Error(`unexpected ETL result (${k} should be ${v}): ${m[1]}`);
  return { seconds: res.seconds, maxRssKb: r.maxRssKb, cpuSeconds: r.cpuSeconds, phases: res.phases, result: res };
}

async function historyRows(db: import('kysely').Kysely<any>, schema: string): Promise<number> {
  const { sql } = await import('kysely');
  return (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(`${schema}.feature_history`)} WHERE layer_id = 'stromy'`.execute(db)).rows[0]!.n;
}

async function runOgr(shp: string, schema: string, table: string): Promise<Measured> {
  const pg = new URL(BASE_URL);
  const conn = `PG:host=${pg.hostname} port=${pg.port || 5432} dbname=${pg.pathname.slice(1)} user=${decodeURIComponent(pg.username || 'postgres')}${pg.password ? ` password=${decodeURIComponent(pg.password)}` : ''}`;
  const r = await timed('ogr2ogr', ['-f', 'PostgreSQL', conn, shp, '-nln', `${schema}.${table}`, '-t_srs', 'EPSG:4326', '-lco', 'GEOMETRY_NAME=geom', '-lco', 'SPATIAL_INDEX=GIST', '-overwrite', '--config', 'PG_USE_COPY', 'YES'], process.env);
  return { seconds: r.seconds, maxRssKb: r.maxRssKb, cpuSeconds: r.cpuSeconds };
}

export async function run(): Promise<void> {
  const { openDatabase } = await import('../sql/connection.ts');
  const { migrate } = await import('../sql/migrate.ts');
  const { sql } = await import('kysely');
  const dir = join(tmpdir(), 'geoportal-bench-etl');
  const schema = `bench_etl_${process.pid}`;
  const admin = await openDatabase({ databaseUrl: BASE_URL, poolSize: 1 });
  await sql.raw(`CREATE SCHEMA ${schema}`).execute(admin.db);
  const url = `${BASE_URL}${BASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema},public`)}`;
  try {
    const scoped = await openDatabase({ databaseUrl: BASE_URL, searchPath: schema, poolSize: 2 });
    await migrate(scoped.db);
    await scoped.close();
    const rows: string[] = [];
    for (const size of SIZES) {
      // feature_history is append-only: rows are counted from here on
      await sql.raw(`TRUNCATE ${schema}.layer_stromy; DELETE FROM ${schema}.etl_run`).execute(admin.db);
      const historyBefore = await historyRows(admin.db, schema);
      const t0 = performance.now();
      const shp = await makeShapefile(dir, size);
      console.log(`  generated ${size} S-JTSK points (${((performance.now() - t0) / 1000).toFixed(1)} s): ${shp}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
      // best of `repeat` interleaved runs each: the machine is shared, a single run measures its neighbours too
      const repeat = size === N ? REPEAT : 1;
      let ogr: Measured | undefined;
      let ours: Measured | undefined;
      for (let i = 0; i < repeat; i++) {
        if (i > 0) await sql.raw(`TRUNCATE ${schema}.layer_stromy; DELETE FROM ${schema}.etl_run`).execute(admin.db);
        const o = await runOgr(shp, schema, `ogr_stromy_${size}`);
        const u = await runOurs(shp, url, { inserted: size });
        if (!ogr || o.seconds < ogr.seconds) ogr = o;
        if (!ours || u.seconds < ours.seconds) ours = u;
      }
      if (!ogr || !ours) throw new Error('BENCH_ETL_REPEAT must be at least 1');
      const firstRatio = ogr.seconds / ours.seconds;
      console.log(`  ${size}, first load, best of ${repeat}: ogr2ogr ${ogr.seconds.toFixed(2)} s = ${Math.round(size / ogr.seconds)} features/s (client CPU ${ogr.cpuSeconds.toFixed(1)} s); ` +
        `ours ${ours.seconds.toFixed(2)} s = ${Math.round(size / ours.seconds)} features/s (client CPU ${ours.cpuSeconds.toFixed(1)} s incl. runtime start); ` +
        `ratio ${firstRatio.toFixed(2)} (target ≥ 1.5); history rows ${(await historyRows(admin.db, schema)) - historyBefore} (target 0)`);
      console.log(`    phases (ms): ${JSON.stringify(ours.phases)}`);
      const same = await runOurs(shp, url, { read: 0, unchanged: size });
      console.log(`  ${size}, identical file: ${same.seconds.toFixed(3)} s (target < 1 s)`);
      const changedShp = await makeShapefile(dir, size, 1);
      const changed = await runOurs(changedShp, url, { updated: size / 100, inserted: 0, deleted: 0 });
      const changedRatio = ogr.seconds / changed.seconds;
      const history = (await historyRows(admin.db, schema)) - historyBefore;
      console.log(`  ${size}, 1 % changed: ${changed.seconds.toFixed(2)} s, ${changed.result.updated} updated, ${changed.result.skipped} skipped unchanged, ${history} history rows; ` +
        `ratio to ogr2ogr loading the file ${changedRatio.toFixed(2)} (target ≥ 3.0); peak RSS ${(changed.maxRssKb / 1024).toFixed(0)} MiB`);
      console.log(`    phases (ms): ${JSON.stringify(changed.phases)}`);
      const rss = Math.max(ours.maxRssKb, same.maxRssKb, changed.maxRssKb);
      console.log(`  ${size}, peak RSS: ogr2ogr ${(ogr.maxRssKb / 1024).toFixed(0)} MiB, ours ${(rss / 1024).toFixed(0)} MiB (node process incl. runtime), ratio ${(rss / ogr.maxRssKb).toFixed(2)} (target ≤ 2.5)`);
      rows.push(`| ${size} | ${ogr.seconds.toFixed(2)} s | ${ours.seconds.toFixed(2)} s (${firstRatio.toFixed(2)}×) | ${same.seconds.toFixed(2)} s | ` +
        `${changed.seconds.toFixed(2)} s (${changedRatio.toFixed(2)}×, ${history} history rows) | ${(ogr.maxRssKb / 1024).toFixed(0)} / ${(rss / 1024).toFixed(0)} MiB (${(rss / ogr.maxRssKb).toFixed(2)}×) |`);
    }
    console.log(`\n  load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log('  | features | ogr2ogr | first load (ratio) | identical file | 1 % changed (ratio to ogr2ogr) | peak RSS ogr2ogr / ours |');
    console.log('  |---|---|---|---|---|---|');
    for (const r of rows) console.log(`  ${r}`);
  } finally {
    await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(admin.db);
    await admin.close();
  }
}

/** Child mode: one import in a fresh process, so its peak RSS is the import's own. */
async function child(shp: string): Promise<void> {
  const { openDatabase } = await import('../sql/connection.ts');
  const { importFile } = await import('../etl/import.ts');
  const database = await openDatabase({ databaseUrl: process.env.BENCH_CHILD_URL!, poolSize: 2 });
  try {
    const t0 = performance.now();
    const r = await importFile(database.db, { path: shp, layerId: 'stromy', mapping: MAPPING, trigger: 'bench' });
    const seconds = (performance.now() - t0) / 1000;
    console.log(`IMPORT ${JSON.stringify({ seconds, read: r.read, inserted: r.inserted, updated: r.updated, unchanged: r.unchanged, skipped: r.skipped, deleted: r.deleted, rejected: r.rejected, warnings: r.warnings, phases: r.phases })}`);
  } finally {
    await database.close();
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!);
