import type { Attribute, LayerSchema } from '../schemas/index.ts';
import type { FieldMapping } from './mapping.ts';

/**
 * Issue 16.2: a suggested column→attribute mapping for a vendor file that comes without a mapping
 * file, for the import preview to show and the clerk to correct. Each attribute gets the vendor
 * column that fits it best, each column at most one attribute; code-list attributes get a value
 * mapping for the vendor values that match a code or its Czech/English label. A suggestion says
 * why, so the preview can show it; nothing here is applied without the clerk confirming it.
 */

export interface FieldSuggestion {
  attribute: string;
  column: string;
  /** 100 same name … 60 name of the layer's subject plus the attribute (`STATIONNAM` → `nazev`) */
  score: number;
  reason: string;
}

export interface MappingSuggestion {
  fields: FieldSuggestion[];
  /** attribute → vendor value → code, for the values that match; `unmatched` lists the others */
  values: Record<string, Record<string, string>>;
  unmatched: Record<string, string[]>;
  /** vendor columns no attribute took */
  unusedColumns: string[];
}

/** lower case, without diacritics and separators */
export function normalizeName(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * Words vendor exports use for our attribute words (English column names of GIS packages, Czech
 * abbreviations), each to the word our schemas use. Longest first, for splitting run-together names.
 */
const WORDS: [string, string][] = (
  [
    ['station', 'stanoviste'], ['stanoviste', 'stanoviste'], ['stan', 'stanoviste'],
    ['name', 'nazev'], ['nazev', 'nazev'], ['nam', 'nazev'],
    ['number', 'cislo'], ['cislo', 'cislo'], ['num', 'cislo'], ['cis', 'cislo'], ['no', 'cislo'], ['nr', 'cislo'],
    ['count', 'pocet'], ['pocet', 'pocet'], ['cnt', 'pocet'],
    ['access', 'pristup'], ['pristup', 'pristup'],
    ['type', 'typ'], ['typ', 'typ'],
    ['status', 'stav'], ['state', 'stav'], ['stav', 'stav'],
    ['note', 'poznamka'], ['remark', 'poznamka'], ['poznamka', 'poznamka'], ['pozn', 'poznamka'],
    ['volume', 'objem'], ['objem', 'objem'],
    ['height', 'vyska'], ['vyska', 'vyska'],
    ['date', 'datum'], ['datum', 'datum'],
    ['street', 'ulice'], ['ulice', 'ulice'],
    ['container', 'kontejner'], ['kontejneru', 'kontejner'], ['kontejner', 'kontejner'],
  ] as [string, string][]
).sort((a, b) => b[0].length - a[0].length);

/** a column name as our words: `STATIONNUM` → stanoviste cislo, `Pocet_kont` → pocet kontejner */
function wordsOf(name: string): string[] {
  const parts = name
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9\p{L}]+/u)
    .map(normalizeName)
    .filter(Boolean);
  const out: string[] = [];
  for (const part of parts) {
    let rest = part;
    while (rest) {
      const w = WORDS.find(([v]) => rest.startsWith(v));
      if (!w) {
        out.push(rest);
        break;
      }
      out.push(w[1]);
      rest = rest.slice(w[0].length);
    }
  }
  return out;
}

function attributeWords(a: Attribute): string[] {
  return a.name.split('_').flatMap((w) => wordsOf(w));
}

function sameSet(a: string[], b: string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((w) => y.has(w));
}

function score(layer: LayerSchema, a: Attribute, column: string): { score: number; reason: string } | undefined {
  const c = normalizeName(column);
  const n = normalizeName(a.name);
  if (c === n) return { score: 100, reason: 'stejný název / same name' };
  // dBASE keeps 10 characters of a name
  if (c.length === 10 && n.startsWith(c)) return { score: 95, reason: 'název zkrácený na 10 znaků (Shapefile) / name cut to 10 characters' };
  if (c === normalizeName(a.label.cs) || c === normalizeName(a.label.en)) return { score: 90, reason: `odpovídá popisku „${a.label.cs}“ / matches the label` };
  const cw = wordsOf(column);
  const aw = attributeWords(a);
  if (sameSet(cw, aw)) return { score: 80, reason: `stejná slova: ${aw.join(' ')} / same words` };
  // the layer's subject plus the attribute: STATIONNAM is the name (nazev) of a stanoviste
  const subject = new Set(layer.id.split('-').flatMap((w) => wordsOf(w)));
  const extra = cw.filter((w) => !aw.includes(w));
  if (aw.every((w) => cw.includes(w)) && extra.length > 0 && extra.every((w) => subject.has(w)))
    return { score: 60, reason: `${aw.join(' ')} (${extra.join(' ')} je předmět vrstvy / the layer's subject)` };
  return undefined;
}

/**
 * Suggests fields and value mappings from the file's columns and a sample of its records
 * (the preview's first records; values outside the sample are mapped when the clerk adds them).
 */
export function suggestMapping(layer: LayerSchema, columns: string[], sample: Record<string, unknown>[]): MappingSuggestion {
  const candidates: FieldSuggestion[] = [];
  for (const a of layer.attributes)
    for (const column of columns) {
      const s = score(layer, a, column);
      if (s) candidates.push({ attribute: a.name, column, ...s });
    }
  candidates.sort((x, y) => y.score - x.score || x.attribute.localeCompare(y.attribute));
  const fields: FieldSuggestion[] = [];
  const takenA = new Set<string>();
  const takenC = new Set<string>();
  for (const s of candidates) {
    if (takenA.has(s.attribute) || takenC.has(s.column)) continue;
    fields.push(s);
    takenA.add(s.attribute);
    takenC.add(s.column);
  }
  const values: Record<string, Record<string, string>> = {};
  const unmatched: Record<string, string[]> = {};
  for (const f of fields) {
    const a = layer.attributes.find((x) => x.name === f.attribute)!;
    if (a.type !== 'code') continue;
    const seen = new Set<string>();
    for (const r of sample) {
      const v = r[f.column];
      if (v === null || v === undefined || v === '') continue;
      seen.add(String(v));
    }
    for (const v of seen) {
      const nv = normalizeName(v);
      const hit = a.codeList.find((c) => normalizeName(c.code) === nv || normalizeName(c.label.cs) === nv || normalizeName(c.label.en) === nv);
      if (!hit) (unmatched[a.name] ??= []).push(v);
      // a vendor value equal to the code needs no entry
      else if (hit.code !== v) (values[a.name] ??= {})[v] = hit.code;
    }
  }
  return { fields, values, unmatched, unusedColumns: columns.filter((c) => !takenC.has(c)) };
}

/** The suggestion as a mapping the ETL takes (`importFile`'s `mapping`), with the chosen id column. */
export function toFieldMapping(layer: LayerSchema, s: Pick<MappingSuggestion, 'fields' | 'values'>, idField?: string): FieldMapping {
  return {
    layer: layer.id,
    ...(idField ? { idField } : {}),
    fields: Object.fromEntries(s.fields.map((f) => [f.attribute, f.column])),
    values: s.values,
  };
}
