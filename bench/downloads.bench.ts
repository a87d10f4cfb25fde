/**
 * Downloads: export a ≥100,000-feature layer in each format with our streaming
 * writers vs GDAL's `ogr2ogr` exporting the same PostGIS table to the same
 * format, on the real server. Like with like: ogr2ogr reads the same columns
 * (`-sql` built from `exportColumns`, fid order, WGS 84; for CSV the same
 * WGS 84 and S-JTSK coordinate columns computed by PostGIS), not the whole table
 * with its bookkeeping columns. Each export runs in its own process so peak RSS
 * is that export's alone: ogr2ogr's VmHWM from /proc (sampled every 10 ms); ours
 * is the product's own export worker process (api/downloads/export-process.ts,
 * as the API runs it on PostgreSQL), whose peak RSS the kernel reports to it.
 * Both times are whole processes, start-up included.
 * Rate ratio = ogr2ogr time / our time (≥ 1: we are at least as fast).
 * Each export runs BENCH_REPEAT times (default 3), ours and ogr2ogr alternating; times are medians.
 * Set BENCH_FEATURES=1000000 to check memory stays flat at a million; BENCH_FORMATS=geojson,csv to pick formats.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase } from '../sql/connection.ts';
import { getLayer, tableName } from '../schemas/index.ts';
import { FORMATS, type FormatId } from '../api/downloads/formats.ts';
import { exportColumns } from '../api/downloads/rows.ts';
import { exportWorkerFlags, prepareExportWorker, runExportWorker } from '../api/downloads/export-process.ts';

export const description = 'layer export per format (GeoJSON, CSV, GeoPackage, Shapefile zip, FlatGeobuf) vs ogr2ogr from the same PostGIS table: rate and peak RSS';

const URL_ = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const FEATURES = Number(process.env.BENCH_FEATURES ?? 100_000);
/** runs of each export (ours and ogr2ogr alternating); the table shows medians */
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
const LAYER = getLayer('stanoviste-trideneho-odpadu')!;

/** The same columns our writers export (fid, attributes, obec_kod), for ogr2ogr's `-sql`; CSV gets our coordinate columns instead of a geometry. */
function ogrSql(format: FormatId): string {
  const cols = exportColumns(LAYER).map((c) =>
    c.name === 'fid' ? 't.fid' : LAYER.attributes.some((a) => a.name === c.name) ? `t."${c.name}"` : `t.municipality_code AS "${c.name}"`,
  );
  const p = LAYER.geometryType === 'Point' ? 't.geom' : 'ST_PointOnSurface(t.geom)';
  const geom =
    format === 'csv'
      ? [`ST_X(${p}) AS lon`, `ST_Y(${p}) AS lat`, `ST_X(ST_Transform(${p}, 5514)) AS x_sjtsk`, `ST_Y(ST_Transform(${p}, 5514)) AS y_sjtsk`]
      : ['t.geom'];
  return `SELECT ${[...cols, ...geom].join(', ')} FROM ${tableName(LAYER)} t ORDER BY t.fid`;
}

const OGR: Record<FormatId, { driver: string; ext: string; lco: string[] }> = {
  geojson: { driver: 'GeoJSON', ext: 'geojson', lco: [] },
  csv: { driver: 'CSV', ext: 'csv', lco: [] },
  gpkg: { driver: 'GPKG', ext: 'gpkg', lco: ['-lco', 'SPATIAL_INDEX=NO'] },
  shp: { driver: 'ESRI Shapefile', ext: 'shp.zip', lco: [] },
  fgb: { driver: 'FlatGeobuf', ext: 'fgb', lco: ['-lco', 'SPATIAL_INDEX=NO'] },
};

/** Runs a command, sampling its peak resident set; resolves with wall time and VmHWM. */
function measured(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ ms: number; peakMb: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let peak = 0;
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 10);
    p.on('error', reject);
    p.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${cmd} exited with ${code}`));
      else resolve({ ms: performance.now() - t0, peakMb: peak / 1024, stdout });
    });
  });
}

export async function run(): Promise<void> {
  // a scratch schema, dropped at the end: the migration installs PostGIS into it when the database has none,
  // so a schema kept between runs would keep PostGIS off every other schema's search path
  const schema = `bench_dl_${randomBytes(4).toString('hex')}`;
  const admin = await openDatabase({ databaseUrl: URL_, poolSize: 1 });
  await sql.raw(`CREATE SCHEMA ${schema}`).execute(admin.db);
  const work = mkdtempSync(join(tmpdir(), 'bench-dl-'));
  const database = await openDatabase({ databaseUrl: URL_, searchPath: schema, poolSize: 2 });
  try {
    const t = sql.raw(tableName(LAYER));
    // deterministic sites scattered over ORP Chomutov
    await (await import('../sql/migrate.ts')).migrate(database.db);
    await sql`INSERT INTO ${t} (source_id, municipality_code, cislo_stanoviste, nazev, pristup, pocet_kontejneru, stav, poznamka, geom, content_hash)
      SELECT 'b' || i, 562971, 'S-' || i, 'Stanoviště č. ' || i || ', Chomutov', CASE WHEN i % 3 = 0 THEN 'obyvatelum-domu' ELSE 'volne' END,
             i % 9, ((i % 5) + 1)::text, CASE WHEN i % 7 = 0 THEN 'poznámka ' || i END,
             ST_SetSRID(ST_MakePoint(13.2 + ((i::bigint * 7919) % 100000) / 100000.0 * 0.4, 50.4 + ((i::bigint * 104729) % 100000) / 100000.0 * 0.2), 4326), md5(i::text)
      FROM generate_series(1, ${FEATURES}) i`.execute(database.db);
    await sql`ANALYZE ${t}`.execute(database.db);
    const features = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${t}`.execute(database.db)).rows[0]!.n;
    const u = new URL(URL_);
    const pgConn = `PG:host=${u.hostname} port=${u.port || 5432} user=${decodeURIComponent(u.username)} dbname=${u.pathname.slice(1)} active_schema=${schema}`;
    await prepareExportWorker();
    console.log(`  ${features.toLocaleString('en')} point features, ${exportColumns(LAYER).length} columns; ours = the API's export worker process (node ${exportWorkerFlags().join(' ')}), ogr2ogr = whole process; both with start-up`);
    console.log(`  times: median of ${REPEAT} alternating runs; MB = highest peak RSS of the process; Δ = ours above its RSS when the export began (Node + bundled worker + modules)`);
    console.log('  format      ours s   ogr2ogr s  rate ratio   ours MB (Δ)  ogr2ogr MB  RSS ratio   ours size  ogr size');
    const only = process.env.BENCH_FORMATS?.split(',');
    for (const f of FORMATS.filter((x) => !only || only.includes(x.id))) {
      const ours = join(work, `ours.${f.ext}`);
      const o = OGR[f.id];
      const theirs = join(work, `ogr.${o.ext}`);
      // ours and ogr2ogr alternate REPEAT times; medians of the times, the highest peaks (the machine is shared)
      const oursMs: number[] = [];
      const ogrMs: number[] = [];
      let oursMb = 0;
      let baseMb = 0;
      let ogrMb = 0;
      for (let i = 0; i < REPEAT; i++) {
        rmSync(ours, { force: true });
        const t0 = performance.now();
        const reported = await runExportWorker({ databaseUrl: URL_, searchPath: schema, layerId: LAYER.id, format: f.id, request: {}, path: ours });
        const oursWallMs = performance.now() - t0;
        rmSync(theirs, { force: true });
        // the API's next spare worker starts after each export: let it finish starting before ogr2ogr runs
        await prepareExportWorker();
        const g = await measured('ogr2ogr', ['-f', o.driver, ...o.lco, theirs, pgConn, '-sql', ogrSql(f.id), '-nln', LAYER.id.replace(/-/g, '_')]);
        oursMs.push(oursWallMs);
        ogrMs.push(g.ms);
        if (reported.maxRssMb > oursMb) [oursMb, baseMb] = [reported.maxRssMb, reported.baseRssMb];
        ogrMb = Math.max(ogrMb, g.peakMb);
      }
      const [ourS, ogrS] = [median(oursMs), median(ogrMs)];
      console.log(
        `  ${f.id.padEnd(9)} ${(ourS / 1000).toFixed(2).padStart(7)} ${(ogrS / 1000).toFixed(2).padStart(10)} ${(ogrS / ourS).toFixed(2).padStart(10)}` +
          ` ${oursMb.toFixed(0).padStart(7)} (${(oursMb - baseMb).toFixed(0).padStart(3)}) ${ogrMb.toFixed(0).padStart(11)} ${(oursMb / ogrMb).toFixed(2).padStart(10)}` +
          ` ${(statSync(ours).size / 1e6).toFixed(1).padStart(10)}MB ${(statSync(theirs).size / 1e6).toFixed(1).padStart(7)}MB` +
          `   [ratios ${oursMs.map((m, i) => (ogrMs[i]! / m).toFixed(2)).join(' ')}]`,
      );
    }
  } finally {
    await database.close();
    await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(admin.db);
    await admin.close();
    rmSync(work, { recursive: true, force: true });
  }
}
