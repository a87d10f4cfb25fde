import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../connection.ts';
import { migrate } from '../migrate.ts';
import { seedIfEmpty } from '../../etl/seed.ts';
import { fromRoot } from '../../schemas/paths.ts';
import { adminQuery, databaseName, TEST_SCHEMA, withDatabase, type TemplateManifest } from '../testing.ts';

/**
 * Makes the databases every test file of a run copies (sql/testing.ts): migrating and seeding took
 * most of each file's time. Embedded: dumps of a migrated and of a seeded PGlite. Server
 * (TEST_DATABASE_URL): two template databases. The first test file that needs a database makes
 * them (files that need none, such as pure unit tests, never wait for it); made anew each run, as
 * seeded rows carry the time of the run (tests compare "updated" with now).
 */
export async function buildTemplates(dir: string, ready: (part: Partial<TemplateManifest>) => void): Promise<void> {
  const embedded = async () => {
    const postgisBundle = slimPostgisBundle();
    const pglite = { migrated: join(dir, 'migrated.tar'), seeded: join(dir, 'seeded.tar'), postgisBundle };
    await makeTemplate(await openDatabase({ dataDir: 'memory://', postgisBundle }), pglite.migrated, pglite.seeded);
    ready({ pglite });
  };
  const server = async (url: string) => {
    const base = databaseName(url);
    const postgres = { migrated: `${base}_tpl_migrated`, seeded: `${base}_tpl_seeded` };
    for (const name of [postgres.seeded, postgres.migrated]) await adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await adminQuery(url, `CREATE DATABASE ${postgres.migrated}`);
    const migrated = await openDatabase({ databaseUrl: withDatabase(url, postgres.migrated), searchPath: TEST_SCHEMA, poolSize: 1 });
    await sql.raw(`CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public; CREATE SCHEMA ${TEST_SCHEMA}`).execute(migrated.db);
    await migrate(migrated.db);
    await migrated.close();
    await adminQuery(url, `CREATE DATABASE ${postgres.seeded} TEMPLATE ${postgres.migrated}`);
    const seeded = await openDatabase({ databaseUrl: withDatabase(url, postgres.seeded), searchPath: TEST_SCHEMA, poolSize: 1 });
    await seedIfEmpty(seeded.db);
    await seeded.close();
    ready({ postgres });
  };
  // side by side: the server's work runs in its own processes; an embedded-only file need not wait for the server's
  const url = process.env.TEST_DATABASE_URL;
  await Promise.all([embedded(), url ? server(url) : undefined]);
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
export async function dropTestDatabases(url: string): Promise<void> {
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

// run as a script by the global setup (sql/test/global-setup.ts): node --import tsx sql/test/templates.ts DIR
// writes DIR/pglite.json and DIR/postgres.json as each is ready, DIR/failed if anything fails
if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const dir = process.argv[2]!;
  const write = (name: string, value: unknown) => {
    writeFileSync(join(dir, `${name}.tmp`), JSON.stringify(value));
    renameSync(join(dir, `${name}.tmp`), join(dir, name));
  };
  buildTemplates(dir, (part) => {
    if (part.pglite) write('pglite.json', part.pglite);
    if (part.postgres) write('postgres.json', part.postgres);
  }).then(
    () => process.exit(0),
    (e: unknown) => {
      writeFileSync(join(dir, 'failed'), e instanceof Error ? (e.stack ?? e.message) : String(e));
      process.exit(1);
    },
  );
}
