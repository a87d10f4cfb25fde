import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { layers } from '../schemas/index.ts';
import { layerDdl } from '../schemas/ddl.ts';
import { fromRoot } from '../schemas/paths.ts';

const MIGRATIONS_DIR = fromRoot('sql', 'migrations');

/**
 * Applies the versioned migrations of sql/migrations (each in its own
 * transaction, recorded in schema_migrations), then brings the layer tables in
 * line with schemas/. Same SQL on PostgreSQL and PGlite.
 */
export async function migrate(db: Kysely<any>): Promise<{ applied: string[] }> {
  // a hot standby is read-only and gets its schema from the primary's WAL: never migrate (or seed) through one
  const { rows } = await sql<{ standby: boolean }>`SELECT pg_is_in_recovery() AS standby`.execute(db);
  if (rows[0]?.standby) throw new ReplicaMigrationError();
  await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  const done = new Set(
    (await sql<{ version: string }>`SELECT version FROM schema_migrations`.execute(db)).rows.map((r) => r.version),
  );
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort();
  const applied: string[] = [];
  for (const file of files) {
    const version = file.replace(/\.sql$/, '');
    if (done.has(version)) continue;
    const text = readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
    await db.transaction().execute(async (trx) => {
      await sql.raw(text).execute(trx);
      await sql`INSERT INTO schema_migrations (version) VALUES (${version})`.execute(trx);
    });
    applied.push(version);
  }
  await db.transaction().execute(async (trx) => {
    for (const layer of layers) {
      for (const stmt of layerDdl(layer)) await sql.raw(stmt).execute(trx);
      await sql`INSERT INTO layer_state (layer_id) VALUES (${layer.id}) ON CONFLICT (layer_id) DO NOTHING`.execute(trx);
    }
  });
  return { applied };
}

export class ReplicaMigrationError extends Error {
  constructor() {
    super('DATABASE_URL names a read replica (a server in recovery); migrations and seeding need the primary. Put replicas in DATABASE_READ_URL.');
  }
}
