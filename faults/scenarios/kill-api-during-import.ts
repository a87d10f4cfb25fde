import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase } from '../../sql/connection.ts';
import { migrate } from '../../sql/migrate.ts';
import { importFile } from '../../etl/import.ts';
import { getLayer, tableName } from '../../schemas/index.ts';
import { startChildServer, type ChildServer } from '../child-server.ts';
import { freshDatabase, sleep, within, type FaultScenario } from '../scenario.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LAYER = 'stanoviste-trideneho-odpadu';
const SAMPLE = join(root, 'etl/samples/data/chomutov_stanoviste_synthetic_sjtsk.geojson');
/** features of the new version: enough that its transaction lasts long enough to be killed inside */
const FEATURES = 60_000;

/**
 * The API process is killed (SIGKILL: no shutdown, no finally) while its
 * scheduler imports a new version of a layer. The published data must be
 * exactly as before, the run recorded as failed (or absent) once the server is
 * back, and a rerun of the same source must succeed.
 */
const scenario: FaultScenario = {
  name: 'kill-api-during-import',
  title: 'kill -9 of the API while its scheduler imports a new version of a layer',
  async run(ctx) {
    const lost: string[] = [];
    const facts: string[] = [];
    const fresh = await freshDatabase(ctx.postgresUrl, 'killimport');
    const work = mkdtempSync(join(tmpdir(), 'geoportal-fault-import-'));
    const observer = new pg.Client({ connectionString: fresh.url, application_name: 'geoportal-fault-observer' });
    let server: ChildServer | undefined;
    try {
      // the published version: the sample, imported by a completed run
      const setup = await openDatabase({ databaseUrl: fresh.url, poolSize: 2 });
      await migrate(setup.db);
      await importFile(setup.db, { path: SAMPLE, layerId: LAYER });
      await setup.close();
      await observer.connect();
      const table = tableName(getLayer(LAYER)!);
      const fingerprint = async () =>
        (
          await observer.query<{ f: string }>(
            `SELECT count(*) || ':' || coalesce(md5(string_agg(fid || ':' || content_hash, ',' ORDER BY fid)), '') AS f FROM ${table}`,
          )
        ).rows[0]!.f;
      const before = await fingerprint();

      // the new version, and a scheduled source for it that is overdue (never run): the scheduler starts it at once
      const big = join(work, 'stanoviste-new-version.geojson');
      writeFileSync(big, newVersion(FEATURES));
      const sources = join(work, 'sources.json');
      writeFileSync(sources, JSON.stringify({ sources: [{ name: 'fault-big', path: big, layer: LAYER, cron: '0 0 1 1 *', expectedPeriodHours: 1 }] }));
      const env = { ETL_SOURCES: sources };
      const logFile = join(ctx.logDir, 'kill-api-during-import.log');
      server = await startChildServer({ port: ctx.ports[0]!, databaseUrl: fresh.url, env: { ...env, ETL_SCHEDULER: '1' }, logFile });

      // wait until the import's transaction is open in PostgreSQL, then kill the server inside it
      const inside = await within(60_000, async () => {
        const r = await observer.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity a
           WHERE a.datname = current_database() AND a.application_name = 'geoportal' AND a.xact_start IS NOT NULL
             AND a.state IN ('active', 'idle in transaction') AND EXISTS (SELECT 1 FROM etl_run WHERE status = 'running')`,
        );
        return r.rows[0]!.n > 0;
      }, 20);
      if (inside === undefined) throw new Error('the scheduled import never started');
      await sleep(300);
      const killedRun = (await observer.query<{ id: number }>(`SELECT id FROM etl_run WHERE status = 'running' ORDER BY id DESC LIMIT 1`)).rows[0]?.id;
      await server.kill9();
      server = undefined;
      facts.push(`killed ${inside} ms after the import's transaction opened (run ${killedRun ?? '?'})`);
      // PostgreSQL rolls the dead client's transaction back once its backend notices the closed socket
      const gone = await within(120_000, async () => {
        const r = await observer.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'geoportal'`);
        return r.rows[0]!.n === 0;
      }, 100);
      if (gone === undefined) lost.push('the killed server’s backends were still there after 2 minutes');

      const afterKill = await fingerprint();
      if (afterKill !== before) lost.push(`the published data changed although the import was killed (${before} → ${afterKill})`);

      // the operator starts the server again: the interrupted run must not claim to be running
      server = await startChildServer({ port: ctx.ports[0]!, databaseUrl: fresh.url, env, logFile });
      const health = await fetch(`${server.baseUrl}/api/health`);
      if (health.status !== 200) lost.push(`after the restart /api/health answers ${health.status}`);
      await health.arrayBuffer();
      if (killedRun !== undefined) {
        const run = (await observer.query<{ status: string; error: string | null }>(`SELECT status, error FROM etl_run WHERE id = $1`, [killedRun])).rows[0];
        if (run && run.status !== 'failed') lost.push(`after the restart the killed run ${killedRun} is recorded as "${run.status}", not failed`);
        else facts.push(run ? `run ${killedRun} recorded as failed` : `run ${killedRun} absent`);
      }

      // and the same source runs again to completion (the operator's command, straight to PostgreSQL)
      const rerun = await cli(['etl', 'run-source', 'fault-big'], { DATABASE_URL: fresh.url, ...env });
      if (rerun.code !== 0) lost.push(`the rerun failed (exit ${rerun.code}): ${rerun.output.trim().split('\n').slice(-2).join(' ')}`);
      const count = Number((await observer.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n);
      if (rerun.code === 0 && count !== FEATURES) lost.push(`after the rerun the layer has ${count} features, not ${FEATURES}`);
      else if (rerun.code === 0) facts.push(`rerun published ${count} features`);
      return { lost, facts };
    } finally {
      await server?.stop();
      await observer.end().catch(() => {});
      rmSync(work, { recursive: true, force: true });
      await fresh.drop();
    }
  },
};
export default scenario;

/** The sample's features changed (one container more) plus new ones around them, `n` in all. */
function newVersion(n: number): string {
  const sample = JSON.parse(readFileSync(SAMPLE, 'utf8')) as { crs: unknown; features: { properties: Record<string, unknown>; geometry: { coordinates: [number, number] } }[] };
  const base = sample.features;
  const features = [];
  for (let i = 0; i < n; i++) {
    const f = base[i % base.length]!;
    const copy = i >= base.length;
    features.push({
      type: 'Feature',
      properties: {
        ...f.properties,
        source_id: copy ? `${f.properties.source_id}-n${i}` : f.properties.source_id,
        pocet_kontejneru: Number(f.properties.pocet_kontejneru ?? 0) + 1,
      },
      geometry: { type: 'Point', coordinates: copy ? [f.geometry.coordinates[0] + (i % 97) * 3, f.geometry.coordinates[1] + (i % 89) * 3] : f.geometry.coordinates },
    });
  }
  return JSON.stringify({ type: 'FeatureCollection', crs: sample.crs, features });
}

/** `npm run etl -- …` as an operator types it; resolves to its exit code and output. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.once('exit', (code) => resolvePromise({ code, output }));
  });
}
