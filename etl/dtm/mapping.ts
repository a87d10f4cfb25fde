import type { LayerSchema } from '../../schemas/types.ts';
import { dtmObjectTypeOf, dtmObjectTypes, type DtmAttributeRule, type DtmMapping, type DtmObjectType } from '../../schemas/dtm.ts';

/**
 * The two directions of a layer's JVF DTM mapping (schemas/dtm.ts): feature attributes → DTM
 * attribute elements for the export, DTM attribute elements → feature attributes for reading a
 * JVF file. Both use the one declaration, so a test can run a record through both and compare.
 */

/** Elements of the common groups (atributy.xsd) the export fills; the rest of the group is optional and unknown to a pasport. */
export const COMMON_ELEMENTS: Record<DtmObjectType['common'], readonly string[]> = {
  TI: ['IDVlastnika', 'IDExterni', 'NeuplnaData', 'UrovenUmisteniObjektuTI', 'TridaPresnostiPoloha', 'TridaPresnostiVyska', 'ZpusobPorizeniTI', 'EvidencniCisloObjektu'],
  ZPS: ['UrovenUmisteniObjektuZPS', 'TridaPresnostiPoloha', 'TridaPresnostiVyska', 'ZpusobPorizeniZPS'],
};

export interface MappedAttributes {
  type: DtmObjectType;
  /** element → text of the common group (SpolecneAtributyObjektuTI / …ZPS), in COMMON_ELEMENTS order */
  common: [string, string][];
  /** element → text of the object's own attributes, in the object type's order */
  own: [string, string][];
}

export type MapResult = { ok: true; value: MappedAttributes } | { ok: false; reason: string };

function ruleValue(rule: DtmAttributeRule, props: Record<string, unknown>): string | undefined {
  if ('constant' in rule) return rule.constant;
  const v = props[rule.from];
  if ('codes' in rule) {
    if (typeof v === 'string' && v in rule.codes) return rule.codes[v];
    return rule.otherwise;
  }
  if (v === null || v === undefined || v === '') return rule.otherwise;
  if (rule.value === 'integer') return String(Math.round(Number(v)));
  return String(v);
}

function required(list: readonly string[]): { name: string; optional: boolean }[] {
  return list.map((e) => ({ name: e.replace(/\?$/, ''), optional: e.endsWith('?') }));
}

/** A feature's attributes as DTM elements, or why it cannot be delivered. */
export function mapFeature(layer: LayerSchema, props: Record<string, unknown>): MapResult {
  const mapping = layer.dtm;
  if (!mapping) return { ok: false, reason: `layer ${layer.id} has no JVF DTM object type` };
  const type = dtmObjectTypeOf(mapping, props);
  if (!type) {
    const by = 'by' in mapping.objectType ? mapping.objectType.by : '';
    return { ok: false, reason: `${by} = ${JSON.stringify(props[by] ?? null)} has no JVF DTM object type` };
  }
  const values = new Map<string, string>();
  for (const rule of mapping.attributes) {
    if (values.has(rule.element)) continue;
    const v = ruleValue(rule, props);
    if (v !== undefined) values.set(rule.element, v);
  }
  for (const [k, v] of Object.entries(commonDefaults(mapping, type))) if (!values.has(k)) values.set(k, v);
  const common = COMMON_ELEMENTS[type.common].filter((e) => values.has(e)).map((e): [string, string] => [e, values.get(e)!]);
  const own: [string, string][] = [];
  for (const { name, optional } of required(type.attributes)) {
    const v = values.get(name);
    if (v === undefined) {
      if (optional) continue;
      return { ok: false, reason: `${type.element}: no value for the required element ${name}` };
    }
    own.push([name, v]);
  }
  return { ok: true, value: { type, common, own } };
}

/** What a municipal pasport says about accuracy and capture unless the layer declares otherwise (see DtmMapping). */
function commonDefaults(mapping: DtmMapping, type: DtmObjectType): Record<string, string> {
  const position = mapping.accuracyClass ?? '9';
  const height = mapping.heightAccuracyClass ?? '9';
  if (type.common === 'TI')
    // no heights in a pasport: the data are incomplete in the sense of § 4 of the decree
    return { NeuplnaData: '1', UrovenUmisteniObjektuTI: '0', TridaPresnostiPoloha: position, TridaPresnostiVyska: height, ZpusobPorizeniTI: mapping.captureMethod ?? '6' };
  return { UrovenUmisteniObjektuZPS: '0', TridaPresnostiPoloha: position, TridaPresnostiVyska: height, ZpusobPorizeniZPS: mapping.captureMethod ?? '4' };
}

/** The layer whose mapping produces a DTM object type (element name), with that mapping. */
export function layerForObjectType(all: readonly LayerSchema[], element: string): LayerSchema[] {
  return all.filter((l) => l.dtm && dtmObjectTypes(l.dtm).some((t) => t.element === element));
}

/**
 * A DTM record's attribute elements back as feature attributes: the inverse of mapFeature.
 * Constants are not attributes; a code map is inverted (the first layer code with that DTM code
 * wins); the attribute choosing the object type gets the first code that selects this type.
 */
export function unmapRecord(layer: LayerSchema, element: string, attributes: ReadonlyMap<string, string>): Record<string, string | number> {
  const mapping = layer.dtm;
  if (!mapping) throw new Error(`layer ${layer.id} has no JVF DTM mapping`);
  const props: Record<string, string | number> = {};
  const t = mapping.objectType;
  if (!('element' in t)) {
    const code = Object.entries(t.types).find(([, type]) => type.element === element)?.[0];
    if (code !== undefined) props[t.by] = code;
  }
  const byAttribute = new Map<string, Exclude<DtmAttributeRule, { constant: string }>[]>();
  for (const rule of mapping.attributes) {
    if ('constant' in rule || rule.from in props) continue;
    byAttribute.set(rule.from, [...(byAttribute.get(rule.from) ?? []), rule]);
  }
  for (const [attribute, rules] of byAttribute) {
    const codeRules = rules.filter((r) => 'codes' in r);
    if (codeRules.length > 0) {
      // the layer code every rule of this attribute agrees on (a pole's type and material together)
      const given = codeRules.filter((r) => attributes.has(r.element));
      const candidates = Object.keys(codeRules[0]!.codes).filter((code) => given.every((r) => r.codes[code] === attributes.get(r.element)));
      if (given.length > 0 && candidates.length > 0) props[attribute] = candidates[0]!;
      continue;
    }
    for (const rule of rules) {
      const v = attributes.get(rule.element);
      if (v === undefined || v === rule.otherwise) continue;
      props[attribute] = 'value' in rule && rule.value === 'integer' ? Number(v) : v;
      break;
    }
  }
  return props;
}
