import { randomBytes } from 'node:crypto';
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

/** A fresh, migrated database: in-memory PGlite, or a schema of its own on the server (dropped on close). */
export async function openTestDatabase(kind: BackendKind): Promise<Database> {
  if (kind === 'pglite') {
    const database = await openDatabase({ dataDir: 'memory://' });
    await migrate(database.db);
    return database;
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = await openDatabase({ databaseUrl: url, poolSize: 1 });
  await sql.raw(`CREATE SCHEMA ${schema}`).execute(admin.db);
  await admin.close();
  const database = await openDatabase({ databaseUrl: url, searchPath: schema, poolSize: 8 });
  await migrate(database.db);
  await probeCapabilities(database);
  const close = database.close;
  database.close = async () => {
    await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(database.db);
    await close();
  };
  return database;
}
