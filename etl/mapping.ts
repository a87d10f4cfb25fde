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
  /** schema attribute → vendor column */
  fields?: Record<string, string>;
  /** schema attribute → { vendor value → code } */
  values?: Record<string, Record<string, string>>;
  /** vendor column holding the RÚIAN municipality code */
  municipalityField?: string;
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
  return m as FieldMapping;
}

/** Applies the mapping to one record's vendor properties; case-insensitive column match. */
export function mapProperties(
  props: Record<string, unknown>,
  attributeNames: string[],
  mapping: FieldMapping | undefined,
): Record<string, unknown> {
  const lower = new Map(Object.keys(props).map((k) => [k.toLowerCase(), k]));
  const get = (col: string) => {
    const k = lower.get(col.toLowerCase());
    return k === undefined ? undefined : props[k];
  };
  const out: Record<string, unknown> = {};
  for (const name of attributeNames) {
    let v = get(mapping?.fields?.[name] ?? name);
    const vm = mapping?.values?.[name];
    if (vm && v !== undefined && v !== null) {
      const key = String(v).trim();
      if (key in vm) v = vm[key];
    }
    out[name] = v;
  }
  return out;
}

export function vendorValue(props: Record<string, unknown>, column: string): unknown {
  const key = Object.keys(props).find((k) => k.toLowerCase() === column.toLowerCase());
  return key === undefined ? undefined : props[key];
}
