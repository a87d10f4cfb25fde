import { readFileSync } from 'node:fs';
import { InputError } from './errors.ts';

/**
 * Per-source field mapping (config, not code): which vendor column becomes
 * which schema attribute, and how vendor values translate to code-list codes.
 * Stored as JSON in etl/mappings/.
 */
export interface FieldMapping {
  /** layer this mapping is written for */
  layer: string;
  /** vendor column holding a stable feature id (falls back to the format's own feature id) */
  idField?: string;
  /**
   * The source has no id column (JSÚPD PlochyRZV_p, ZastaveneUzemi_p): the id is a
   * hash of the record's attributes and geometry, so an unchanged record keeps its id.
   */
  idFromContent?: boolean;
  /** schema attribute → vendor column */
  fields?: Record<string, string>;
  /** schema attribute → { vendor value → code } */
  values?: Record<string, Record<string, string>>;
  /**
   * schema attribute ← part of another vendor column: the first capture group of
   * `pattern` (e.g. the JSÚPD id prefix "Z" of "Z12" gives the kind of change area)
   */
  derived?: Record<string, { from: string; pattern: string }>;
  /** schema attribute → value used when the source has none (e.g. every cable of this vendor file lies underground) */
  constants?: Record<string, string | number | boolean>;
  /** schema attribute → value set on every record whatever the source holds (ÚAP: the delivery's jev, provider and number) */
  fixed?: Record<string, string | number | boolean>;
  /** vendor column holding the RÚIAN municipality code */
  municipalityField?: string;
  /** CSV: the coordinate columns and their CRS (otherwise guessed from the header) */
  coordinates?: CoordinateColumns;
}

export interface CoordinateColumns {
  x: string;
  y: string;
  /** `EPSG:5514`, `EPSG:4326`, … */
  srs?: string;
}

export function loadMapping(path: string): FieldMapping {
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read mapping: ${(e as Error).message}`, path);
  }
  if (!m || typeof m !== 'object' || typeof (m as FieldMapping).layer !== 'string')
    throw new InputError('mapping must be an object with a "layer"', path);
  for (const [attr, d] of Object.entries((m as FieldMapping).derived ?? {})) {
    try {
      new RegExp(d.pattern);
    } catch {
      throw new InputError(`mapping: derived.${attr}.pattern is not a regular expression`, path);
    }
  }
  return m as FieldMapping;
}

/** Applies the mapping to one record's vendor properties; case-insensitive column match (JSÚPD `cash` = `CasH`). */
export function mapProperties(
  props: Record<string, unknown>,
  attributeNames: string[],
  mapping: FieldMapping | undefined,
): Record<string, unknown> {
  return compileMapping(attributeNames, mapping)(props);
}

/**
 * mapProperties for many records: which vendor column feeds which attribute is
 * worked out once per set of column names (all records of a shapefile share one),
 * not per record.
 */
export function compileMapping(attributeNames: string[], mapping: FieldMapping | undefined): (props: Record<string, unknown>) => Record<string, unknown> {
  const plans = attributeNames.map((name) => {
    const derived = mapping?.derived?.[name];
    return {
      name,
      column: derived ? derived.from : (mapping?.fields?.[name] ?? name),
      pattern: derived ? new RegExp(derived.pattern) : undefined,
      values: mapping?.values?.[name],
      constant: mapping?.constants && name in mapping.constants ? { value: mapping.constants[name] } : undefined,
      fixed: mapping?.fixed && name in mapping.fixed ? { value: mapping.fixed[name] } : undefined,
    };
  });
  const byColumns = new Map<string, (props: Record<string, unknown>) => Record<string, unknown>>();
  const build = (keys: string[]) => {
    // the last of several columns differing only in case wins, as a lower-cased lookup map would have it
    const lower = new Map(keys.map((k) => [k.toLowerCase(), k]));
    const wanted = plans.map((p) => p.column);
    const resolved = plans.map((p) => ({ ...p, key: lower.get(p.column.toLowerCase()) ?? truncatedColumn(p.column, lower, wanted) }));
    return (props: Record<string, unknown>) => {
      const out: Record<string, unknown> = {};
      for (const p of resolved) {
        let v: unknown = p.key === undefined ? undefined : props[p.key];
        if (p.pattern) {
          const m = v === undefined || v === null ? null : p.pattern.exec(String(v));
          v = m ? (m[1] ?? m[0]) : undefined;
        }
        if (p.values && v !== undefined && v !== null) {
          const key = String(v).trim();
          if (key in p.values) v = p.values[key];
        }
        // DBF and GeoPackage date fields arrive as Date objects: the schema's dates are YYYY-MM-DD
        if (v instanceof Date) v = Number.isNaN(v.getTime()) ? null : v.toISOString().slice(0, 10);
        if ((v === undefined || v === null || v === '') && p.constant) v = p.constant.value;
        out[p.name] = p.fixed ? p.fixed.value : v;
      }
      return out;
    };
  };
  // consecutive records almost always share their columns (every row of a DBF or CSV): comparing the
  // key list with the previous record's is cheaper than joining it into a signature for each record
  let lastKeys: string[] = [];
  let last: ((props: Record<string, unknown>) => Record<string, unknown>) | undefined;
  return (props) => {
    const keys = Object.keys(props);
    if (last && sameKeys(keys, lastKeys)) return last(props);
    const signature = keys.join('\u0000');
    let f = byColumns.get(signature);
    if (!f) {
      f = build(keys);
      // sources whose features each carry other columns (GeoJSON) must not grow this without bound
      if (byColumns.size < 256) byColumns.set(signature, f);
    }
    lastKeys = keys;
    last = f;
    return f(props);
  };
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** dBASE field names hold 10 characters */
const DBF_NAME_LENGTH = 10;

/**
 * The file's column for `column` when the file could only keep its first 10
 * characters (a Shapefile's dBASE table: `cislo_stanoviste` → `cislo_stan`):
 * used only when no other wanted column starts with the same 10 characters.
 */
function truncatedColumn(column: string, lower: Map<string, string>, wanted: string[]): string | undefined {
  if (column.length <= DBF_NAME_LENGTH) return undefined;
  const prefix = column.slice(0, DBF_NAME_LENGTH).toLowerCase();
  const key = lower.get(prefix);
  if (key === undefined) return undefined;
  const sharing = new Set(wanted.filter((w) => w.toLowerCase().startsWith(prefix)).map((w) => w.toLowerCase()));
  return sharing.size === 1 ? key : undefined;
}

/** Vendor columns the mapping does not use: reported once per run as a warning. */
export function unusedColumns(columns: string[], attributeNames: string[], mapping: FieldMapping | undefined): string[] {
  const used = new Set<string>();
  const wanted = attributeNames.map((a) => mapping?.fields?.[a] ?? a);
  const lower = new Map(columns.map((c) => [c.toLowerCase(), c]));
  for (const w of wanted) used.add((truncatedColumn(w, lower, wanted) ?? w).toLowerCase());
  for (const d of Object.values(mapping?.derived ?? {})) used.add(d.from.toLowerCase());
  for (const c of [mapping?.idField, mapping?.municipalityField, mapping?.coordinates?.x, mapping?.coordinates?.y, 'id', 'source_id'])
    if (c) used.add(c.toLowerCase());
  return columns.filter((c) => !used.has(c.toLowerCase()));
}

export function vendorValue(props: Record<string, unknown>, column: string): unknown {
  if (column in props) return props[column];
  const key = Object.keys(props).find((k) => k.toLowerCase() === column.toLowerCase());
  return key === undefined ? undefined : props[key];
}
