import { InputError } from './errors.ts';
import type { SourceReader } from './readers/index.ts';

/**
 * Where a record's stable source id comes from. One rule for every reader
 * (Shapefile, GeoPackage, GeoJSON, CSV, FlatGeobuf), so the same data gives the
 * same ids whatever format it arrives in:
 *  1. the mapping's `idFromContent` (a hash of the record),
 *  2. the column named by `--id-field` or the mapping's `idField`,
 *  3. a column named `source_id` (what our own downloads carry),
 *  4. the column, found in the file, that is unique and non-empty in every
 *     record, preferring the usual id names; the format's own feature id
 *     (GeoJSON `id`) counts as one such candidate.
 * A file where none of these gives an id is refused as a whole.
 */
export type IdSource =
  | { kind: 'content' }
  | { kind: 'column'; column: string; how: 'named' | 'source_id' | 'detected' }
  | { kind: 'feature-id'; how: 'detected' };

/** Preference order of detected id columns (case-insensitive). */
const PREFERRED = ['source_id', 'id', 'objectid', 'fid', 'kod', 'gid', 'ogc_fid', 'uuid', 'guid', 'globalid'];
/** Other columns that may be ids by their name: `ID_STANOVISTE`, `kod_obce`, `cislo`… (a unique address is not an id). */
const ID_LIKE = /(^|_)(id|kod|code|key|cislo|uuid|guid)($|_)|id$/i;
/** the GeoJSON / FlatGeobuf feature id, shown under this name in messages */
export const FEATURE_ID = '(feature id)';

export function describeIdSource(id: IdSource): string {
  if (id.kind === 'content') return 'source id: a hash of each record (the mapping says the source has no id column)';
  if (id.kind === 'feature-id') return `source id: the feature id of the file (unique and non-empty in every record)`;
  if (id.how === 'named') return `source id: column ${id.column} (named by the mapping or --id-field)`;
  if (id.how === 'source_id') return `source id: column ${id.column}`;
  return `source id: column ${id.column} (chosen: unique and non-empty in every record; override with --id-field)`;
}

interface Candidate {
  name: string;
  key: string | typeof FEATURE_ID;
  seen: Set<string>;
  empty: number;
  duplicate?: string;
}

/**
 * Chooses the id source. Detection reads the file once more (only the candidate
 * columns are looked at, and a column drops out at its first empty or repeated
 * value), which a mapping or `--id-field` avoids.
 */
export async function chooseIdSource(source: SourceReader, named: string | undefined, idFromContent: boolean | undefined): Promise<IdSource> {
  if (idFromContent) return { kind: 'content' };
  let columns: string[] | undefined;
  let hasFeatureId = false;
  for await (const r of source.records()) {
    columns = Object.keys(r.properties);
    hasFeatureId = r.id !== undefined && r.id !== null && String(r.id).trim() !== '';
    break;
  }
  if (columns === undefined) return { kind: 'column', column: named ?? 'source_id', how: named ? 'named' : 'source_id' };
  const lower = new Map(columns.map((c) => [c.toLowerCase(), c]));
  if (named) {
    const column = lower.get(named.toLowerCase());
    if (!column)
      throw new InputError(`the id column "${named}" is not in the file (columns: ${columns.join(', ')}); / sloupec s identifikátorem "${named}" v souboru není`, source.file);
    return { kind: 'column', column, how: 'named' };
  }
  const sid = lower.get('source_id');
  if (sid) return { kind: 'column', column: sid, how: 'source_id' };

  const ranked = columns
    .filter((c) => PREFERRED.includes(c.toLowerCase()) || ID_LIKE.test(c))
    .sort((a, b) => rank(a) - rank(b));
  const candidates: Candidate[] = [];
  if (hasFeatureId) candidates.push({ name: FEATURE_ID, key: FEATURE_ID, seen: new Set(), empty: 0 });
  for (const c of ranked) candidates.push({ name: c, key: c, seen: new Set(), empty: 0 });
  let live = candidates.length;
  let n = 0;
  if (live > 0) {
    for await (const r of source.records()) {
      n++;
      for (const c of candidates) {
        if (c.empty > 0 || c.duplicate !== undefined) continue;
        const v = c.key === FEATURE_ID ? r.id : r.properties[c.key];
        const s = v === undefined || v === null ? '' : String(v).trim();
        if (s === '') c.empty++;
        else if (c.seen.has(s)) c.duplicate = s;
        else {
          c.seen.add(s);
          continue;
        }
        c.seen.clear();
        live--;
      }
      if (live === 0) break;
    }
  }
  const chosen = candidates.find((c) => c.empty === 0 && c.duplicate === undefined);
  if (chosen && n > 0) return chosen.key === FEATURE_ID ? { kind: 'feature-id', how: 'detected' } : { kind: 'column', column: chosen.name, how: 'detected' };
  const why = candidates.map((c) => `${c.name} (${c.empty > 0 ? 'has empty values' : `value "${c.duplicate}" repeats`})`);
  throw new InputError(
    `no column can serve as the stable source id, so nothing was imported; ` +
      (why.length ? `candidates: ${why.join(', ')}; ` : 'no column has an id-like name; ') +
      `name the id column with --id-field <column> or in the mapping's "idField" (columns: ${columns.join(', ')}) / ` +
      `žádný sloupec nemůže sloužit jako stálý identifikátor prvku; určete ho parametrem --id-field`,
    source.file,
  );
}

function rank(c: string): number {
  const i = PREFERRED.indexOf(c.toLowerCase());
  return i >= 0 ? i : PREFERRED.length;
}
