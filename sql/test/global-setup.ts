import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../connection.ts';
import { migrate } from '../migrate.ts';
import { seedIfEmpty } from '../../etl/seed.ts';
import { fromRoot } from '../../schemas/paths.ts';
import { adminQuery, databaseName, TEMPLATES_ENV, TEST_SCHEMA, withDatabase, type TemplateManifest } from '../testing.ts';

/**
 * Makes, once per test run, the databases every test file copies (sql/testing.ts): migrating and
 * seeding took most of each file's time. Embedded: dumps of a migrated and of a seeded PGlite.
 * Server (TEST_DATABASE_URL): two template databases. Made anew each run: seeded rows carry the
 * time of the run (tests compare "updated" with now).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'geoportal-test-templates-'));
  const postgisBundle = slimPostgisBundle();
  const manifest: TemplateManifest = {
    pglite: { migrated: join(dir, 'migrated.tar'), seeded: join(dir, 'seeded.tar'), postgisBundle },
  };

  const embedded = await openDatabase({ dataDir: 'memory://', postgisBundle });
  await makeTemplate(embedded, manifest.pglite.migrated, manifest.pglite.seeded);

  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const base = databaseName(url);
    manifest.postgres = { migrated: `${base}_tpl_migrated`, seeded: `${base}_tpl_seeded` };
    await dropTestDatabases(url);
    await adminQuery(url, `CREATE DATABASE ${manifest.postgres.migrated}`);
    const server = await openDatabase({ databaseUrl: withDatabase(url, manifest.postgres.migrated), searchPath: TEST_SCHEMA, poolSize: 1 });
    await sql.raw(`CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public; CREATE SCHEMA ${TEST_SCHEMA}`).execute(server.db);
    await migrate(server.db);
    await server.close();
    await adminQuery(url, `CREATE DATABASE ${manifest.postgres.seeded} TEMPLATE ${manifest.postgres.migrated}`);
    const seeded = await openDatabase({ databaseUrl: withDatabase(url, manifest.postgres.seeded), searchPath: TEST_SCHEMA, poolSize: 1 });
    await seedIfEmpty(seeded.db);
    await seeded.close();
  }

  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  process.env[TEMPLATES_ENV] = dir;
  // every embedded database a test starts (startServer too) loads the slim bundle
  process.env.PGLITE_POSTGIS_BUNDLE = postgisBundle;
  console.log(`test databases: templates ready in ${Date.now() - t0} ms`);

  return async () => {
    if (url) await dropTestDatabases(url);
    rmSync(dir, { recursive: true, force: true });
  };
}

async function makeTemplate(database: Database, migratedPath: string, seededPath: string): Promise<void> {
  const writeDump = async (path: string) => writeFileSync(path, Buffer.from(await (await database.dumpDataDir!()).arrayBuffer()));
  await migrate(database.db);
  await writeDump(migratedPath);
  await seedIfEmpty(database.db);
  await writeDump(seededPath);
  await database.close();
}

/** This run's template databases and any per-file database a crashed test left behind. */
async function dropTestDatabases(url: string): Promise<void> {
  const base = databaseName(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2`,
      [`${base}\\_f\\_%`, `${base}\\_tpl\\_%`],
    );
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * pglite-postgis's bundle without raster, topology, tiger and the upgrade scripts: every embedded
 * database unpacks its bundle and compiles each library in it, and the geoportal uses only postgis-3.
 * Kept in node_modules/.cache, keyed by the package version.
 */
function slimPostgisBundle(): string {
  const pkg = fromRoot('node_modules/@electric-sql/pglite-postgis');
  const version = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const cache = fromRoot('node_modules/.cache/geoportal-test');
  const target = join(cache, `postgis-${version}-slim.tar.gz`);
  if (existsSync(target)) return target;
  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'geoportal-postgis-'));
  try {
    const keep = (name: string) =>
      name === 'lib/postgresql/postgis-3.so' || name.startsWith('share/proj/') || /^share\/postgresql\/extension\/postgis(\.control|--[\d.]+\.sql)$/.test(name);
    const list = run('tar', ['-tzf', join(pkg, 'dist/postgis.tar.gz')]).split('\n').filter((n) => n && !n.endsWith('/') && keep(n));
    if (!list.includes('lib/postgresql/postgis-3.so')) throw new Error('pglite-postgis bundle has no lib/postgresql/postgis-3.so: its layout changed');
    run('tar', ['-xzf', join(pkg, 'dist/postgis.tar.gz'), '-C', work, ...list]);
    // entries as the package has them (no ./ prefix: PGlite skips names that start with a dot)
    run('tar', ['-czf', `${target}.tmp`, '-C', work, ...list]);
    renameSync(`${target}.tmp`, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return target;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 2).join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}
