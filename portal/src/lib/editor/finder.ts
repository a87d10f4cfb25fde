import type { Attribute, CodeAttribute, LayerSchema } from '$schemas/index.ts';

/** What the editor's "find a feature" form asks for. */
export interface FinderQuery {
  text: string;
  /** code attribute name → code */
  codes: Record<string, string>;
  /** only this municipality's features (municipality editors see their own) */
  municipality: number | null;
}

/** A CQL2 string literal: quotes doubled (the server binds it as a parameter). */
function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The code attributes offered as filters: state first, then the layer's categorising attribute, then the first other code list. */
export function filterAttributes(layer: LayerSchema): CodeAttribute[] {
  const codes = layer.attributes.filter((a): a is CodeAttribute => a.type === 'code');
  const pick = [codes.find((a) => a.name === 'stav'), codes.find((a) => a.name === layer.style.categorizeBy), codes.find((a) => a.name !== 'stav')];
  return [...new Set(pick.filter((a): a is CodeAttribute => a !== undefined))];
}

/** The text attributes searched (case-insensitive substring). */
export function searchedAttributes(layer: LayerSchema): Attribute[] {
  return layer.attributes.filter((a) => a.type === 'text' && (a.maxLength ?? 0) <= 200);
}

/** CQL2 text for the query, or '' for "everything". */
export function finderFilter(layer: LayerSchema, q: FinderQuery): string {
  const parts: string[] = [];
  if (q.municipality !== null && layer.perMunicipality) parts.push(`obec_kod = ${Math.trunc(q.municipality)}`);
  for (const a of filterAttributes(layer)) {
    const v = q.codes[a.name];
    if (v && a.codeList.some((c) => c.code === v)) parts.push(`${a.name} = ${literal(v)}`);
  }
  const text = q.text.trim().replace(/[%_\\]/g, '');
  const searched = searchedAttributes(layer);
  if (text && searched.length) parts.push(`(${searched.map((a) => `CASEI(${a.name}) LIKE CASEI(${literal(`%${text}%`)})`).join(' OR ')})`);
  return parts.join(' AND ');
}
