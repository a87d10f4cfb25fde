import { sql, type Kysely } from 'kysely';
import { getLayer, layers, MUNICIPALITY_LAYER_ID, tableName, titleAttribute } from '../../schemas/index.ts';
import { search, type SearchHit } from './routes.ts';

import { ADDRESS_LAYER_ID, NEAREST_CANDIDATES, nearestOrderSql } from '../../schemas/derived.ts';
import { SEARCH_KEY_COLUMN } from '../../schemas/ddl.ts';

export { ADDRESS_LAYER_ID };
/** typo tolerance: how much of the query's trigrams an address must share (pg_trgm word_similarity) */
const FUZZY_THRESHOLD = 0.4;

interface AddressRow {
  fid: number;
  adresa: string;
  obec: string | null;
  municipality_code: number | null;
  px: number;
  py: number;
  exact: number;
  distance?: number;
}

/**
 * Query words: numbers ("12", "1234", "12a"; "1234/12" gives two) must start a word of the address,
 * other words may appear anywhere in it (type-ahead: "Husov" finds Husova). Punctuation separates words,
 * as in the normalised address text ("náměstí Dr. E. Beneše" → namesti dr e benese).
 */
function words(q: string): { text: string[]; numbers: string[] } {
  const all = q.split(/[\s,/.;:()-]+/).filter(Boolean).slice(0, 8);
  return {
    numbers: all.filter((w) => /^\d+[a-z]?$/i.test(w)).map((w) => w.toLowerCase()),
    text: all.filter((w) => !/^\d+[a-z]?$/i.test(w)),
  };
}

/**
 * Addresses for a query, best first: every word matches (through the trigram index of
 * the stored `search_key` column), whole house numbers before number prefixes; when nothing matches,
 * the addresses most like the query (pg_trgm word similarity), so a typo still finds the street.
 */
export async function searchAddresses(db: Kysely<any>, q: string, limit: number): Promise<SearchHit[]> {
  const layer = getLayer(ADDRESS_LAYER_ID)!;
  const table = sql.raw(tableName(layer));
  const { text, numbers } = words(q);
  if (text.length === 0 && numbers.length === 0) return [];
  const key = sql`t.${sql.raw(SEARCH_KEY_COLUMN)}`;
  const numberConds = numbers.map((n) => sql`(' ' || ${key}) LIKE ${`% ${n}%`}`);
  const exact = numbers.length
    ? sql.join(numbers.map((n) => sql`((' ' || ${key} || ' ') LIKE ${`% ${n} %`})::int`), sql` + `)
    : sql`0`;
  const select = sql`t.fid, t.adresa, t.obec, t.municipality_code, ST_X(t.geom) AS px, ST_Y(t.geom) AS py, ${exact} AS exact`;
  const order = sql`ORDER BY exact DESC, length(t.adresa), t.ulice, t.cislo_domovni, t.cislo_orientacni, t.fid LIMIT ${limit}`;
  const strict = await sql<AddressRow>`SELECT ${select} FROM ${table} t
    WHERE ${sql.join([...text.map((w) => sql`${key} LIKE '%' || geoportal_search_norm(${w}) || '%'`), ...numberConds], sql` AND `)}
    ${order}`.execute(db);
  if (strict.rows.length > 0 || text.length === 0) return strict.rows.map((r) => hit(r, r.exact === numbers.length ? 0 : 1));
  // nothing matched every word: a misspelt street or municipality
  const phrase = text.join(' ');
  const fuzzy = await db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('pg_trgm.word_similarity_threshold', ${String(FUZZY_THRESHOLD)}, true)`.execute(trx);
    return sql<AddressRow>`SELECT ${select}, word_similarity(geoportal_search_norm(${phrase}), ${key}) AS sim FROM ${table} t
      WHERE geoportal_search_norm(${phrase}) <% ${key} ${numberConds.length ? sql`AND ${sql.join(numberConds, sql` AND `)}` : sql``}
      ORDER BY sim DESC, exact DESC, length(t.adresa), t.fid LIMIT ${limit}`.execute(trx);
  });
  return fuzzy.rows.map((r) => hit(r, 3));
}

/** The address nearest to a point (lon/lat, WGS 84) within `maxDistance` metres, with its distance. */
export async function nearestAddress(db: Kysely<any>, lon: number, lat: number, maxDistance: number): Promise<(SearchHit & { distance: number }) | null> {
  const table = sql.raw(tableName(getLayer(ADDRESS_LAYER_ID)!));
  const p = sql`ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326)`;
  // the index offers the nearest in degrees; of those, the nearest in metres by the rule the derived
  // attributes of point features use (schemas/derived.ts), measured on the spheroid for the answer
  const r = await sql<AddressRow>`SELECT * FROM (
      SELECT c.fid, c.adresa, c.obec, c.municipality_code, ST_X(c.geom) AS px, ST_Y(c.geom) AS py, 0 AS exact,
        ST_Distance(c.geom::geography, p.g::geography) AS distance
      FROM (SELECT ${p} AS g) p CROSS JOIN LATERAL (SELECT t.* FROM ${table} t ORDER BY t.geom <-> p.g LIMIT ${NEAREST_CANDIDATES}) c
      ORDER BY ${sql.raw(nearestOrderSql('c.geom', 'p.g'))}, c.fid LIMIT 1) n
    WHERE distance <= ${maxDistance}`.execute(db);
  const row = r.rows[0];
  return row ? { ...hit(row, 0), distance: Math.round(row.distance! * 10) / 10 } : null;
}

function hit(r: AddressRow, rank: number): SearchHit {
  const x = Math.round(r.px * 1e7) / 1e7;
  const y = Math.round(r.py * 1e7) / 1e7;
  return {
    layer: ADDRESS_LAYER_ID,
    layerTitle: getLayer(ADDRESS_LAYER_ID)!.title.cs,
    id: r.fid,
    title: r.adresa,
    municipality: r.obec,
    municipalityCode: r.municipality_code,
    point: [x, y],
    bbox: [x, y, x, y],
    rank,
  };
}

/**
 * The search box: a municipality named exactly as typed first ("Chomutov" means the town), then
 * addresses, then feature names (streets, pasport features), then addresses guessed despite a typo.
 */
export async function searchWithAddresses(db: Kysely<any>, q: string, limit: number, only?: string[]): Promise<SearchHit[]> {
  const searchable = layers.filter((l) => l.public !== false && titleAttribute(l)).map((l) => l.id);
  const others = (only ?? searchable).filter((id) => id !== ADDRESS_LAYER_ID);
  const addresses = !only || only.includes(ADDRESS_LAYER_ID) ? await searchAddresses(db, q, limit) : [];
  const rest = others.length > 0 ? await search(db, q, limit, others) : [];
  const top = rest.filter((h) => h.layer === MUNICIPALITY_LAYER_ID && h.rank === 0);
  // addresses found only by similarity (rank 3) are guesses: after every real match ("jirk" is Jirkov, not Jiráskova)
  const matched = addresses.filter((h) => h.rank < 3);
  const guessed = addresses.filter((h) => h.rank === 3);
  return [...top, ...matched, ...rest.filter((h) => !top.includes(h)), ...guessed].slice(0, limit);
}
