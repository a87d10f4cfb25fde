import type { Attribute, LayerSchema } from './types.ts';
import { derivedAttributes } from './derived.ts';

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
    if (r instanceof Invalid) errors.push({ field: attr.name, reason: r.reason });
    else values[attr.name] = r;
  }
  if (opts.rejectUnknown) {
    // derived attributes are read-only: a document read and sent back may carry them, and they are ignored
    const known = new Set([...layer.attributes, ...derivedAttributes(layer)].map((a) => a.name));
    for (const k of Object.keys(props)) {
      if (!known.has(k)) errors.push({ field: k, reason: 'unknown attribute' });
    }
  }
  return { values, errors };
}

const TRUE_WORDS = new Set(['true', '1', 'ano', 'a', 'yes', 'y']);
const FALSE_WORDS = new Set(['false', '0', 'ne', 'n', 'no']);

/** A refused value (a class, not a `{ value } | { error }` pair: the ETL validates millions of values, and accepted ones now allocate nothing). */
class Invalid {
  constructor(readonly reason: string) {}
}

function coerceValue(attr: Attribute, raw: unknown, coerce: boolean): AttributeValue | Invalid {
  switch (attr.type) {
    case 'text': {
      if (typeof raw !== 'string' && !(coerce && (typeof raw === 'number' || typeof raw === 'boolean')))
        return new Invalid(`expected text, got ${typeof raw}`);
      const s = String(raw);
      // UTF-16 units bound code points from above: count the latter only when the former exceed the limit
      if (attr.maxLength !== undefined && s.length > attr.maxLength && [...s].length > attr.maxLength)
        return new Invalid(`text longer than ${attr.maxLength} characters`);
      return s;
    }
    case 'integer':
    case 'number': {
      let n: number;
      if (typeof raw === 'number') n = raw;
      else if (coerce && typeof raw === 'string' && raw.trim() !== '') n = Number(raw.trim().replace(',', '.'));
      else return new Invalid(`expected ${attr.type}, got ${typeof raw}`);
      if (!Number.isFinite(n)) return new Invalid(`not a number: ${String(raw).slice(0, 40)}`);
      if (attr.type === 'integer' && !Number.isInteger(n)) return new Invalid(`not an integer: ${n}`);
      if (attr.min !== undefined && n < attr.min) return new Invalid(`${n} is below the minimum ${attr.min}`);
      if (attr.max !== undefined && n > attr.max) return new Invalid(`${n} is above the maximum ${attr.max}`);
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (coerce && typeof raw === 'string') {
        const s = raw.trim().toLowerCase();
        if (TRUE_WORDS.has(s)) return true;
        if (FALSE_WORDS.has(s)) return false;
      }
      if (coerce && (raw === 0 || raw === 1)) return raw === 1;
      return new Invalid(`expected boolean, got ${typeof raw}`);
    }
    case 'date': {
      const s = typeof raw === 'string' ? raw.trim() : '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(Date.parse(s))) return new Invalid('expected a date YYYY-MM-DD');
      return s;
    }
    case 'code': {
      const s = typeof raw === 'number' && coerce ? String(raw) : raw;
      if (typeof s !== 'string') return new Invalid(`expected one of the codes, got ${typeof raw}`);
      const hit =
        attr.codeList.find((c) => c.code === s) ??
        (coerce ? attr.codeList.find((c) => c.label.cs === s.trim() || c.label.en === s.trim()) : undefined);
      if (!hit) return new Invalid(`"${s.slice(0, 40)}" is not in the code list (${attr.codeList.map((c) => c.code).join(', ')})`);
      return hit.code;
    }
  }
}
