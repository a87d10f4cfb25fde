import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase, probeCapabilities, type BackendKind, type Database } from './connection.ts';
import { migrate } from './migrate.ts';

/**
 * The database backends the suite runs against: always the embedded PGlite,
 * plus the real PostgreSQL/PostGIS server when TEST_DATABASE_URL is set.
 */
export function testBackends(): BackendKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/**
 * A folder for this run's templates (sql/test/templates.ts), set by vitest's global setup
 * (sql/test/global-setup.ts). Without it (a script outside vitest) databases are made from scratch.
 */
export const TEMPLATES_ENV = 'GEOPORTAL_TEST_TEMPLATES';

/** The schema the tables live in on the server: tests keep exercising the search_path option as before. */
export const TEST_SCHEMA = 'geoportal_test';

export interface TemplateManifest {
  /** embedded data-directory dumps (uncompressed tar) and the slim PostGIS bundle they are opened with */
  pglite: { migrated: string; seeded: string; postgisBundle: string };
  /** template databases on TEST_DATABASE_URL's server, if it is set */
  postgres?: { migrated: string; seeded: string };
}

/**
 * This run's template for one backend, once the global setup's builder has made it (the files that
 * need it wait here; files that need no database never do).
 */
export async function templateFor<K extends keyof TemplateManifest>(kind: K): Promise<TemplateManifest[K] | undefined> {
  const dir = process.env[TEMPLATES_ENV];
  if (!dir || !existsSync(dir)) return undefined;
  const file = join(dir, `${kind}.json`);
  const failed = join(dir, 'failed');
  for (const t0 = Date.now(); !existsSync(file); ) {
    if (existsSync(failed)) throw new Error(`test database templates failed: ${readFileSync(failed, 'utf8')}`);
    if (Date.now() - t0 > 900_000) throw new Error(`test database templates not ready after 15 min (${dir})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return JSON.parse(readFileSync(file, 'utf8')) as TemplateManifest[K];
}

export interface TestDatabaseOptions {
  /** start from the sample data the ETL seeds on first start (etl/seed.ts), as `seedIfEmpty` would leave it */
  seeded?: boolean;
}

const dumps = new Map<string, Blob>();
function dump(path: string): Blob {
  let blob = dumps.get(path);
  if (!blob) dumps.set(path, (blob = new Blob([readFileSync(path)])));
  return blob;
}

/**
 * A database of this test file's own, migrated (and seeded with `{ seeded: true }`).
 * Copied from a template made once per run: an embedded one is loaded from a data-directory dump,
 * one on the server is `CREATE DATABASE … TEMPLATE` (dropped on close). Without the global setup
 * (a script outside vitest) it is made from scratch.
 */
export async function openTestDatabase(kind: BackendKind, opts: TestDatabaseOptions = {}): Promise<Database> {
  if (kind === 'pglite') {
    const template = await templateFor('pglite');
    if (!template) return fromScratch(await openDatabase({ dataDir: 'memory://' }), opts);
    const from = opts.seeded ? template.seeded : template.migrated;
    return openDatabase({ dataDir: 'memory://', loadDataDir: dump(from), postgisBundle: template.postgisBundle });
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  const template = await templateFor('postgres');
  if (!template) return schemaFromScratch(url, opts);
  const name = `${databaseName(url)}_f_${randomBytes(5).toString('hex')}`;
  await adminQuery(url, `CREATE DATABASE ${name} TEMPLATE ${opts.seeded ? template.seeded : template.migrated}`);
  const database = await openDatabase({ databaseUrl: withDatabase(url, name), searchPath: TEST_SCHEMA, poolSize: 8 });
  const close = database.close;
  database.close = async () => {
    await close();
    await adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  return database;
}

/**
 * Fills a data directory (DATA_DIR) with an embedded database already migrated (and seeded), so that
 * `startServer` resumes it instead of running initdb, the migrations and the seed import.
 */
export async function templateDataDir(dataDir: string, opts: TestDatabaseOptions = {}): Promise<TemplateManifest['pglite'] | undefined> {
  const manifest = await templateFor('pglite');
  if (!manifest) return undefined;
  const target = join(dataDir, 'pglite');
  // a database already there (a restart in the same test) is resumed as it is
  if (existsSync(join(target, 'PG_VERSION'))) return manifest;
  mkdirSync(target, { recursive: true });
  // the dump's entries sit under pgdata/
  const dump = opts.seeded ? manifest.seeded : manifest.migrated;
  const r = spawnSync('tar', ['-xf', dump, '-C', target, '--strip-components=1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  return manifest;
}

async function fromScratch(database: Database, opts: TestDatabaseOptions): Promise<Database> {
  await migrate(database.db);
  await probeCapabilities(database);
  if (opts.seeded) {
    const { seedIfEmpty } = await import('../etl/seed.ts');
    await seedIfEmpty(database.db);
  }
  return database;
}

/** The way before templates: a schema of its own in TEST_DATABASE_URL's database. */
async function schemaFromScratch(url: string, opts: TestDatabaseOptions): Promise<Database> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `CREATE SCHEMA ${schema}`);
  const database = await fromScratch(await openDatabase({ databaseUrl: url, searchPath: schema, poolSize: 8 }), opts);
  const close = database.close;
  database.close = async () => {
    await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(database.db);
    await close();
  };
  return database;
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** One statement on its own connection (CREATE/DROP DATABASE cannot run inside a pool's transaction). */
export async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
