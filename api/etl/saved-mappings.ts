import { sql, type Kysely } from 'kysely';
import type { LayerSchema } from '../../schemas/types.ts';
import type { FieldMapping } from '../../etl/mapping.ts';
import type { Principal } from '../auth/principal.ts';
import { HttpProblem } from '../problem.ts';
import { isObject } from '../auth/body.ts';

/**
 * Issue 16.2: named column mappings a clerk saved with a confirmed import, offered at the next
 * upload of the same vendor file (per layer; a municipality's own or everyone's). A mapping from
 * the portal is data, not code: only column names, value tables and constants, never patterns.
 */
export interface SavedMapping {
  id: number;
  name: string;
  layer: string;
  municipality: number | null;
  columns: string[];
  mapping: FieldMapping;
  createdAt: string;
  /** every column the mapping reads is in the file */
  matches?: boolean;
}

function bad(detail: string): HttpProblem {
  return new HttpProblem(422, 'Unprocessable Content', `mapping: ${detail}`, { field: 'mapping' });
}

const COLUMN = /^[^\u0000-\u001f]{1,120}$/;

function column(v: unknown, where: string): string {
  if (typeof v !== 'string' || !COLUMN.test(v)) throw bad(`${where} must name a column`);
  return v;
}

/** A mapping sent by the portal, checked against the layer's schema: attribute names exist, values are plain. */
export function checkMapping(layer: LayerSchema, raw: unknown): FieldMapping {
  if (!isObject(raw)) throw bad('must be an object');
  const attrs = new Map(layer.attributes.map((a) => [a.name, a]));
  const out: FieldMapping = { layer: layer.id };
  if (raw.idField !== undefined && raw.idField !== null && raw.idField !== '') out.idField = column(raw.idField, 'idField');
  if (raw.idFromContent === true) out.idFromContent = true;
  if (raw.fields !== undefined) {
    if (!isObject(raw.fields)) throw bad('fields must be an object attribute → column');
    out.fields = {};
    for (const [a, c] of Object.entries(raw.fields)) {
      if (!attrs.has(a)) throw bad(`the layer has no attribute ${a}`);
      if (c === '' || c === null) continue;
      out.fields[a] = column(c, `fields.${a}`);
    }
  }
  if (raw.values !== undefined) {
    if (!isObject(raw.values)) throw bad('values must be an object attribute → { vendor value → code }');
    out.values = {};
    for (const [a, table] of Object.entries(raw.values)) {
      const attr = attrs.get(a);
      if (!attr || attr.type !== 'code') throw bad(`values.${a}: not a code-list attribute of the layer`);
      if (!isObject(table)) throw bad(`values.${a} must be an object`);
      const codes = new Set(attr.codeList.map((c) => String(c.code)));
      const t: Record<string, string> = {};
      for (const [v, code] of Object.entries(table)) {
        if (code === '' || code === null) continue;
        if (typeof code !== 'string' || !codes.has(code)) throw bad(`values.${a}: "${String(code)}" is not a code of ${a}`);
        t[v.slice(0, 500)] = code;
      }
      out.values[a] = t;
    }
  }
  if (raw.constants !== undefined) {
    if (!isObject(raw.constants)) throw bad('constants must be an object');
    out.constants = {};
    for (const [a, v] of Object.entries(raw.constants)) {
      if (!attrs.has(a)) throw bad(`the layer has no attribute ${a}`);
      if (!['string', 'number', 'boolean'].includes(typeof v)) throw bad(`constants.${a} must be a plain value`);
      out.constants[a] = v as string | number | boolean;
    }
  }
  if (raw.municipalityField !== undefined && raw.municipalityField !== null && raw.municipalityField !== '') out.municipalityField = column(raw.municipalityField, 'municipalityField');
  if (raw.coordinates !== undefined && raw.coordinates !== null) {
    if (!isObject(raw.coordinates)) throw bad('coordinates must be { x, y, srs }');
    const srs = raw.coordinates.srs;
    if (srs !== undefined && (typeof srs !== 'string' || !/^EPSG:\d{4,6}$/.test(srs))) throw bad('coordinates.srs must be EPSG:<code>');
    out.coordinates = { x: column(raw.coordinates.x, 'coordinates.x'), y: column(raw.coordinates.y, 'coordinates.y'), ...(srs ? { srs: srs as string } : {}) };
  }
  return out;
}

/** the columns a mapping reads */
function readColumns(m: FieldMapping): string[] {
  return [m.idField, m.municipalityField, m.coordinates?.x, m.coordinates?.y, ...Object.values(m.fields ?? {})].filter((c): c is string => typeof c === 'string');
}

interface Row {
  id: string | number;
  name: string;
  layer_id: string;
  municipality_code: number | null;
  columns: string[];
  mapping: FieldMapping;
  created_at: Date;
}

function toJson(r: Row): SavedMapping {
  return { id: Number(r.id), name: r.name, layer: r.layer_id, municipality: r.municipality_code, columns: r.columns, mapping: r.mapping, createdAt: new Date(r.created_at).toISOString() };
}

/** Everyone's mappings and, for a municipality, its own; `municipality` undefined: all (administrators). */
export async function listMappings(db: Kysely<any>, layer: string | undefined, municipality: number | null | undefined): Promise<SavedMapping[]> {
  const rows = await sql<Row>`SELECT id, name, layer_id, municipality_code, columns, mapping, created_at FROM import_mapping
    WHERE true ${layer ? sql`AND layer_id = ${layer}` : sql``}
    ${municipality === undefined ? sql`` : sql`AND (municipality_code IS NULL OR municipality_code = ${municipality})`}
    ORDER BY lower(name), id`.execute(db);
  return rows.rows.map(toJson);
}

/** The saved mappings of the layer a clerk may use, those whose columns are all in the file first. */
export async function matchingMappings(db: Kysely<any>, layer: string, municipality: number | null, columns: string[]): Promise<SavedMapping[]> {
  const have = new Set(columns.map((c) => c.toLowerCase()));
  const all = await listMappings(db, layer, municipality);
  return all
    .map((m) => ({ ...m, matches: readColumns(m.mapping).every((c) => have.has(c.toLowerCase())) && m.columns.every((c) => have.has(c.toLowerCase())) }))
    .sort((a, b) => Number(b.matches) - Number(a.matches));
}

export async function saveMapping(
  db: Kysely<any>,
  m: { name: string; layerId: string; municipality: number | null; columns: string[]; mapping: FieldMapping; userId: number },
): Promise<void> {
  // the same name again replaces the earlier mapping (the vendor changed the file)
  await sql`DELETE FROM import_mapping WHERE layer_id = ${m.layerId} AND coalesce(municipality_code, 0) = ${m.municipality ?? 0} AND lower(name) = lower(${m.name})`.execute(db);
  await sql`INSERT INTO import_mapping (name, layer_id, municipality_code, columns, mapping, created_by)
    VALUES (${m.name}, ${m.layerId}, ${m.municipality}, ${m.columns}::text[], ${JSON.stringify(m.mapping)}::jsonb, ${m.userId})`.execute(db);
}

export async function deleteMapping(db: Kysely<any>, id: number, p: Principal): Promise<boolean> {
  const r = await sql`DELETE FROM import_mapping WHERE id = ${id}
    ${p.role === 'admin' ? sql`` : sql`AND (created_by = ${p.userId} OR (municipality_code IS NOT NULL AND municipality_code = ${p.municipalityCode}))`}`.execute(db);
  return Number(r.numAffectedRows ?? 0) > 0;
}
