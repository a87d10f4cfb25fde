/**
 * Address type-ahead (issue 17) on the real PostgreSQL/PostGIS server (BENCH_DATABASE_URL, scratch
 * schema dropped at the end): 50 000 generated addresses (BENCH_ADDRESSES) in the address layer, then
 * what a citizen types letter by letter ("Hu", "Hus", … "Husova 12") for 40 streets, answered by our
 * address search (trigram index over the normalised address, whole-number ranking, typo fallback) and by
 * a plain ILIKE query with one condition per word, the same limit. Prints p50/p95 per query of each.
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { openDatabase } from '../sql/connection.ts';
import { migrate } from '../sql/migrate.ts';
import { searchAddresses } from '../api/search/address.ts';

export const description = 'address type-ahead: our search (pg_trgm) vs plain ILIKE, p50/p95 over 50k addresses; cost of deriving the nearest address on a bulk load';

const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const N = Number(process.env.BENCH_ADDRESSES ?? 50_000);
/** points loaded into a pasport layer to measure deriving their nearest address */
const POINTS = Number(process.env.BENCH_POINTS ?? 20_000);
const STEMS = ['Husova', 'Palackého', 'Komenského', 'Školní', 'Nádražní', 'Zahradní', 'Luční', 'Polní', 'Krátká', 'Lipová', 'Revoluční', 'Jiráskova', 'Mánesova', 'Havlíčkova', 'Sadová', 'Žižkova', 'Čelakovského', 'Ruská', 'Kadaňská', 'Blatenská'];
const TOWNS = ['Chomutov', 'Jirkov', 'Kadaň', 'Klášterec nad Ohří', 'Vejprty', 'Údlice', 'Spořice', 'Málkov', 'Otvice', 'Březno'];

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function timeEach(queries: string[], f: (q: string) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    await f(q);
    out.push(performance.now() - t0);
  }
  return out;
}

export async function run(): Promise<void> {
  const schema = `bench_search_${randomBytes(4).toString('hex')}`;
  const admin = await openDatabase({ databaseUrl: BASE_URL, poolSize: 1 });
  await sql.raw(`CREATE SCHEMA ${schema}`).execute(admin.db);
  await admin.close();
  const database = await openDatabase({ databaseUrl: BASE_URL, searchPath: schema, poolSize: 2 });
  const db: Kysely<any> = database.db;
  try {
    await migrate(db);
    // streets: each stem in each town with a few variants ("Husova", "Nová Husova", "Husova II") → 600 streets
    const t0 = performance.now();
    await sql`INSERT INTO layer_adresni_mista (source_id, municipality_code, kod, adresa, cislo, ulice, typ_so, cislo_domovni, cislo_orientacni, obec, geom, content_hash)
      SELECT 'b' || i, 562971, i, ulice || ' ' || cp || '/' || co || ', ' || obec, cp || '/' || co, ulice, 'cp', cp, co, obec,
        ST_SetSRID(ST_Point(13.2 + (i % 500) * 0.001, 50.3 + (i / 500) * 0.001), 4326), md5(i::text)
      FROM (SELECT i, (${STEMS}::text[])[1 + i % 20] || (ARRAY['', ' II', ' III'])[1 + (i / 20) % 3] AS ulice,
              (${TOWNS}::text[])[1 + (i / 60) % 10] AS obec, 100 + i % 2000 AS cp, 1 + (i / 600) % 90 AS co
            FROM generate_series(1, ${N}) i) s`.execute(db);
    await sql`ANALYZE layer_adresni_mista`.execute(db);
    console.log(`  ${N} addresses loaded and indexed in ${(performance.now() - t0).toFixed(0)} ms`);

    const typed: string[] = [];
    for (let s = 0; s < 40; s++) {
      const full = `${STEMS[s % 20]} ${1 + ((s * 7) % 90)}`;
      for (let k = 2; k <= full.length; k++) if (full[k - 1] !== ' ') typed.push(full.slice(0, k));
    }
    const ilike = (q: string) => {
      const w = q.split(/\s+/).filter(Boolean);
      return sql`SELECT fid, adresa, ST_X(geom), ST_Y(geom) FROM layer_adresni_mista
        WHERE ${sql.join(w.map((x) => sql`adresa ILIKE ${`%${x}%`}`), sql` AND `)} ORDER BY length(adresa), fid LIMIT 10`.execute(db);
    };
    // warm both (plans, caches), then measure alternately
    await timeEach(typed.slice(0, 50), (q) => searchAddresses(db, q, 10));
    await timeEach(typed.slice(0, 50), ilike);
    const ours = await timeEach(typed, (q) => searchAddresses(db, q, 10));
    const plain = await timeEach(typed, ilike);
    const f = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(1)} ms, p95 ${percentile(xs, 95).toFixed(1)} ms`;
    console.log(`  ${typed.length} type-ahead queries: ours ${f(ours)} | plain ILIKE ${f(plain)} | p95 ratio ${(percentile(ours, 95) / percentile(plain, 95)).toFixed(2)}×`);

    // the nearest address that every pasport point carries (issue 17.5) is derived by a row trigger on
    // insert: what it adds to a bulk load, against the same load with the trigger disabled
    const load = async (tag: string) => {
      const t = performance.now();
      await sql`INSERT INTO layer_stromy (source_id, municipality_code, geom, content_hash)
        SELECT ${tag} || i, 562971, ST_SetSRID(ST_Point(13.2 + random() * 0.5, 50.3 + random() * 0.1), 4326), md5(i::text)
        FROM generate_series(1, ${POINTS}) i`.execute(db);
      return performance.now() - t;
    };
    await sql`ALTER TABLE layer_stromy DISABLE TRIGGER layer_stromy_nearest_address`.execute(db);
    const plainLoad = await load('plain');
    await sql`TRUNCATE layer_stromy`.execute(db);
    await sql`ALTER TABLE layer_stromy ENABLE TRIGGER layer_stromy_nearest_address`.execute(db);
    const derivedLoad = await load('derived');
    const withAddress = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_stromy WHERE adresni_misto_kod IS NOT NULL`.execute(db)).rows[0]!.n;
    console.log(`  ${POINTS} points inserted: with the nearest address derived ${derivedLoad.toFixed(0)} ms (${withAddress} got one) | without ${plainLoad.toFixed(0)} ms | ${(derivedLoad / plainLoad).toFixed(2)}× the time`);
  } finally {
    await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(db);
    await database.close();
  }
}
