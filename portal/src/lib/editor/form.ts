import type { Attribute, LayerSchema } from '$schemas/index.ts';
import type { Lang } from './strings.ts';

/** One input of the attribute form, derived from the layer schema (never a hand-kept field list). */
export interface FormField {
  name: string;
  label: string;
  kind: 'text' | 'textarea' | 'number' | 'select' | 'boolean' | 'date';
  required: boolean;
  unit?: string;
  step?: string;
  min?: number;
  max?: number;
  maxLength?: number;
  options?: { value: string; label: string }[];
}

export function formFields(layer: LayerSchema, lang: Lang): FormField[] {
  return layer.attributes.map((a: Attribute): FormField => {
    const base = { name: a.name, label: a.label[lang], required: a.required === true };
    switch (a.type) {
      case 'code':
        return { ...base, kind: 'select', options: a.codeList.map((c) => ({ value: c.code, label: c.label[lang] })) };
      case 'integer':
      case 'number':
        return { ...base, kind: 'number', unit: a.unit, min: a.min, max: a.max, step: a.type === 'integer' ? '1' : 'any' };
      case 'boolean':
        return { ...base, kind: 'boolean' };
      case 'date':
        return { ...base, kind: 'date' };
      case 'text':
        return { ...base, kind: (a.maxLength ?? 0) > 200 ? 'textarea' : 'text', maxLength: a.maxLength };
    }
  });
}

/**
 * Form state: strings as the API values are written into the inputs; `''` is "no value". Svelte's
 * `bind:value` on a number input writes a number back (or null when emptied), so a value read
 * from the form may be a number or null too.
 */
export type FormValue = string | number | null | undefined;
export type FormState = Record<string, FormValue>;

export function toForm(layer: LayerSchema, props: Record<string, unknown>): FormState {
  const out: FormState = {};
  for (const a of layer.attributes) {
    const v = props[a.name];
    out[a.name] = v === null || v === undefined ? '' : String(v);
  }
  return out;
}

/** Back to typed properties for the API (strict validation happens on the server and reports each field). */
export function fromForm(layer: LayerSchema, form: FormState): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const a of layer.attributes) {
    const v = form[a.name];
    if (typeof v === 'number') {
      // a number input's value; NaN never reaches here (an unparsable input reads as null)
      out[a.name] = v;
      continue;
    }
    const raw = (v ?? '').trim();
    if (raw === '') {
      out[a.name] = null;
      continue;
    }
    if (a.type === 'integer' || a.type === 'number') {
      const n = Number(raw.replace(',', '.'));
      out[a.name] = Number.isFinite(n) ? n : raw;
    } else if (a.type === 'boolean') out[a.name] = raw === 'true';
    else out[a.name] = v ?? '';
  }
  return out;
}

/** Names of the attributes (and the location) that differ between two history states. */
export function changedFields(layer: LayerSchema, before: Record<string, unknown> | null, after: Record<string, unknown> | null): string[] {
  if (!before || !after) return [];
  const names = layer.attributes.filter((a) => JSON.stringify(before[a.name] ?? null) !== JSON.stringify(after[a.name] ?? null)).map((a) => a.name);
  if (JSON.stringify(before.geom) !== JSON.stringify(after.geom)) names.push('geom');
  return names;
}
