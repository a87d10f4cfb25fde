/**
 * Cost of the audit history (issue 7) on bulk writes, on the real PostgreSQL/PostGIS
 * server (BENCH_DATABASE_URL, scratch schema dropped at the end). The same
 * 100 000-row INSERT … SELECT, UPDATE and DELETE (what an ETL import does) on three
 * identical layer tables: without history (reference), with our statement-level
 * triggers over transition tables, and with the usual row-level trigger writing the
 * same rows. Printed as times and ratios to the reference.
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { openDatabase } from '../sql/connection.ts';
import { migrate } from '../sql/migrate.ts';

export const description = 'history triggers: statement-level (ours) vs row-level vs none, 100k-row insert/update/delete';

const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const N = Number(process.env.BENCH_HISTORY_ROWS ?? 100_000);

async function time(db: Kysely<any>, q: ReturnType<typeof sql.raw>): Promise<number> {
  const t0 = performance.now();
  await db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('geoportal.actor', 'bench', true)`.execute(trx);
    await q.execute(trx);
  });
  return performance.now() - t0;
}

export async function run(): Promise<void> {
  const schema = `bench_hist_${randomBytes(4).toString('hex')}`;
  const admin = await openDatabase({ databaseUrl: BASE_URL, poolSize: 1 });
  await sql.raw(`CREATE SCHEMA ${schema}`).execute(admin.db);
  await admin.close();
  const database = await openDatabase({ databaseUrl: BASE_URL, searchPath: schema, poolSize: 2 });
  const { db } = database;
  try {
    await migrate(db);
    const src = 'layer_stanoviste_trideneho_odpadu';
    // same columns, no triggers (reference) and a row-level variant writing the same history rows
    // (since issue 16.3 an insert writes no history in either: the insert column measures the version columns' defaults)
    await sql.raw(`CREATE TABLE t_none (LIKE ${src} INCLUDING ALL);
      CREATE TABLE t_row (LIKE ${src} INCLUDING ALL);
      CREATE FUNCTION bench_row_history() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- the same history rows as ours (issue 16.3: the version that ended), one INSERT per row
        INSERT INTO feature_history (layer_id, fid, version, valid_from, changed_by, valid_to, ended_by, ended, row)
        VALUES ('bench-row', OLD.fid, OLD.version, OLD.valid_from, OLD.changed_by, now(), geoportal_actor(),
          CASE WHEN TG_OP = 'DELETE' THEN 'delete' ELSE 'update' END, geoportal_feature_json(to_jsonb(OLD), OLD.geom)::json);
        RETURN NULL;
      END $$;
      CREATE TRIGGER t_row_version BEFORE UPDATE ON t_row FOR EACH ROW EXECUTE FUNCTION ${src}_next_version();
      CREATE TRIGGER t_row_history AFTER UPDATE OR DELETE ON t_row FOR EACH ROW EXECUTE FUNCTION bench_row_history();`).execute(db);
    const tables = { none: 't_none', statement: src, row: 't_row' } as const;
    const results: Record<string, Record<string, number>> = {};
    for (const [kind, t] of Object.entries(tables)) {
      results[kind] = {
        insert: await time(db, sql.raw(`INSERT INTO ${t} (source_id, municipality_code, nazev, pristup, pocet_kontejneru, geom, content_hash)
          SELECT 'b' || i, 563099, 'Stanoviště ' || i, 'volne', i % 10, ST_SetSRID(ST_Point(13.3 + (i % 1000) * 0.0003, 50.4 + (i / 1000) * 0.0003), 4326), md5(i::text)
          FROM generate_series(1, ${N}) i`)),
        update: await time(db, sql.raw(`UPDATE ${t} SET pocet_kontejneru = pocet_kontejneru + 1, content_hash = md5(content_hash), updated_at = now()`)),
        delete: await time(db, sql.raw(`DELETE FROM ${t}`)),
      };
    }
    const r = (x: number, ref: number) => `${(x / ref).toFixed(2)}×`;
    for (const op of ['insert', 'update', 'delete']) {
      const none = results.none![op]!;
      const st = results.statement![op]!;
      const row = results.row![op]!;
      console.log(
        `  ${op.padEnd(6)} ${N} rows: no history ${none.toFixed(0)} ms | statement-level (ours) ${st.toFixed(0)} ms (${r(st, none)}) | row-level ${row.toFixed(0)} ms (${r(row, none)}); ours vs row-level ${r(st, row)}`,
      );
    }
  } finally {
    await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(db);
    await database.close();
  }
}
