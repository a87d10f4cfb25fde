import type { Attribute, LayerSchema } from './types.ts';

export type AttributeValue = string | number | boolean | null;

export interface FieldError {
  field: string;
  reason: string;
}

export interface ValidationResult {
  values: Record<string, AttributeValue>;
  errors: FieldError[];
}

export interface ValidateOptions {
  /** accept strings for numbers, booleans and code labels (vendor exports); the API is strict */
  coerce?: boolean;
  /** properties not defined by the schema are errors (API) instead of being ignored (ETL warns) */
  rejectUnknown?: boolean;
}

/** Validates and normalises a feature's attributes against its layer schema. */
export function validateProperties(
  layer: LayerSchema,
  props: Record<string, unknown>,
  opts: ValidateOptions = {},
): ValidationResult {
  const values: Record<string, AttributeValue> = {};
  const errors: FieldError[] = [];
  for (const attr of layer.attributes) {
    const raw = props[attr.name];
    if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
      if (attr.required) errors.push({ field: attr.name, reason: 'required value is missing' });
      values[attr.name] = null;
      continue;
    }
    const r = coerceValue(attr, raw, opts.coerce ?? false);
    if ('error' in r) errors.push({ field: attr.name, reason: r.error });
    else values[attr.name] = r.value;
  }
  if (opts.rejectUnknown) {
    const known = new Set(layer.attributes.map((a) => a.name));
    for (const k of Object.keys(props)) {
      if (!known.has(k)) errors.push({ field: k, reason: 'unknown attribute' });
    }
  }
  return { values, errors };
}

function coerceValue(attr: Attribute, raw: unknown, coerce: boolean): { value: AttributeValue } | { error: string } {
  switch (attr.type) {
    case 'text': {
      if (typeof raw !== 'string' && !(coerce && (typeof raw === 'number' || typeof raw === 'boolean')))
        return { error: `expected text, got ${typeof raw}` };
      const s = String(raw);
      // UTF-16 units bound code points from above: count the latter only when the former exceed the limit
      if (attr.maxLength !== undefined && s.length > attr.maxLength && [...s].length > attr.maxLength)
        return { error: `text longer than ${attr.maxLength} characters` };
      return { value: s };
    }
    case 'integer':
    case 'number': {
      let n: number;
      if (typeof raw === 'number') n = raw;
      else if (coerce && typeof raw === 'string' && raw.trim() !== '') n = Number(raw.trim().replace(',', '.'));
      else return { error: `expected ${attr.type}, got ${typeof raw}` };
      if (!Number.isFinite(n)) return { error: `not a number: ${String(raw).slice(0, 40)}` };
      if (attr.type === 'integer' && !Number.isInteger(n)) return { error: `not an integer: ${n}` };
      if (attr.min !== undefined && n < attr.min) return { error: `${n} is below the minimum ${attr.min}` };
      if (attr.max !== undefined && n > attr.max) return { error: `${n} is above the maximum ${attr.max}` };
      return { value: n };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      if (coerce && typeof raw === 'string') {
        const s = raw.trim().toLowerCase();
        if (['true', '1', 'ano', 'a', 'yes', 'y'].includes(s)) return { value: true };
        if (['false', '0', 'ne', 'n', 'no'].includes(s)) return { value: false };
      }
      if (coerce && (raw === 0 || raw === 1)) return { value: raw === 1 };
      return { error: `expected boolean, got ${typeof raw}` };
    }
    case 'date': {
      const s = typeof raw === 'string' ? raw.trim() : '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(Date.parse(s))) return { error: 'expected a date YYYY-MM-DD' };
      return { value: s };
    }
    case 'code': {
      const s = typeof raw === 'number' && coerce ? String(raw) : raw;
      if (typeof s !== 'string') return { error: `expected one of the codes, got ${typeof raw}` };
      const hit =
        attr.codeList.find((c) => c.code === s) ??
        (coerce ? attr.codeList.find((c) => c.label.cs === s.trim() || c.label.en === s.trim()) : undefined);
      if (!hit) return { error: `"${s.slice(0, 40)}" is not in the code list (${attr.codeList.map((c) => c.code).join(', ')})` };
      return { value: hit.code };
    }
  }
}
