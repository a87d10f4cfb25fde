import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type RawBuilder } from 'kysely';
import { openTestDatabase, testBackends } from '../../../../sql/testing.ts';
import type { Database } from '../../../../sql/connection.ts';
import type { Attribute, LayerSchema } from '../../../../schemas/index.ts';
import { HttpProblem } from '../../../problem.ts';
import { CRS84 } from '../../crs.ts';
import { compileCql2, GEOMETRY_PROPERTY } from '../compile.ts';
import { parseCql2Text, type Cql2Json } from '../parse-text.ts';

/**
 * The example pairs of the OGC CQL2 standard (fixtures/SOURCE.md): each text form and its JSON
 * form compile to the same SQL and select the same rows. Examples outside our CQL2 subset answer a
 * 400 problem in both forms; they are listed here and in docs/api-conformance.md.
 */
const FIXTURES = join(import.meta.dirname, 'fixtures');

/** examples our subset refuses (both forms, 400), with the reason (docs/api-conformance.md) */
export const UNSUPPORTED: Record<string, string> = {
  clause6_01: 'functions (avg)',
  clause6_02b: 'functions (avg)',
  clause6_02c: 'arithmetic (-)',
  clause7_15: 'array functions (A_CONTAINS)',
  clause7_18: 'functions (buffer) as spatial operands',
  clause7_19: 'arithmetic (-)',
  example59: 'temporal function T_FINISHEDBY',
  example60: 'temporal function T_FINISHES',
  example62: 'temporal function T_MEETS',
  example63: 'temporal function T_METBY',
  example64: 'temporal function T_OVERLAPPEDBY',
  example65: 'temporal function T_OVERLAPS',
  example66: 'temporal function T_STARTEDBY',
  example67: 'temporal function T_STARTS',
  example68: 'custom functions (Foo)',
  example69: 'custom functions (Bar)',
  example72: 'arithmetic (+)',
  example73: 'arithmetic (-)',
  example74: 'arithmetic (*)',
  example75: 'arithmetic (/)',
  example76: 'arithmetic (^)',
  example77: 'arithmetic (%)',
  example78: 'arithmetic (div)',
  example79: 'array functions (A_CONTAINEDBY)',
  example80: 'array functions (A_CONTAINS)',
  example81: 'array functions (A_EQUALS)',
  example82: 'array functions (A_OVERLAPS)',
  example85: 'arithmetic (*, -)',
};

interface Pair {
  name: string;
  text: string;
  json: Cql2Json;
}

function pairs(): Pair[] {
  return readdirSync(join(FIXTURES, 'text'))
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -4);
      const json = JSON.parse(readFileSync(join(FIXTURES, 'json', `${name.replace(/-alt\d+$/, '')}.json`), 'utf8')) as Cql2Json;
      return { name, text: readFileSync(join(FIXTURES, 'text', f), 'utf8').trim(), json };
    });
}

type Kind = 'number' | 'text' | 'date' | 'boolean' | 'geometry';
const isObj = (v: unknown): v is Record<string, Cql2Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The examples are written against the standard's sample data (countries, places, rivers, satellite
 * scenes); the test layer has one column per property they name, typed by what it is compared with.
 * Property names are made SQL identifiers (`eo:cloud_cover` → `eo_cloud_cover`) in both forms alike.
 */
const column = (name: string) => (name === GEOMETRY_PROPERTY ? name : name.replace(/[^A-Za-z0-9_]/g, '_').toLowerCase());

function literalKind(v: Cql2Json): Kind | undefined {
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'boolean') return 'boolean';
  if (isObj(v) && ('date' in v || 'timestamp' in v || 'interval' in v)) return 'date';
  if (isObj(v) && ('type' in v || 'bbox' in v)) return 'geometry';
  if (isObj(v) && v.op === 'casei') return 'text';
  if (isObj(v) && v.op === 'accenti') return 'text';
  return undefined;
}

/**
 * Properties get a column per name and type, the type read from where they stand (compared with a
 * number, inside a temporal function, …), so that examples using one name with two types each work.
 */
function renamed(n: Cql2Json, kinds: Map<string, Kind>, context?: Kind): Cql2Json {
  if (Array.isArray(n)) return n.map((x) => renamed(x, kinds, context));
  if (!isObj(n)) return n;
  if (typeof n.property === 'string') {
    const k = context ?? 'text';
    if (k === 'geometry') return { property: GEOMETRY_PROPERTY };
    const name = `${column(n.property)}_${k}`;
    kinds.set(name, k);
    return { property: name };
  }
  if ('interval' in n) return { interval: renamed(n.interval!, kinds, 'date') };
  if (typeof n.op === 'string' && Array.isArray(n.args)) {
    const op = n.op;
    const flat = n.args.flatMap((a) => (Array.isArray(a) ? a : [a]));
    const k: Kind | undefined =
      op.startsWith('s_') ? 'geometry'
      : op.startsWith('t_') ? 'date'
      : op === 'like' || op === 'casei' || op === 'accenti' ? 'text'
      : ['and', 'or', 'not'].includes(op) ? undefined
      : flat.map(literalKind).find((x) => x !== undefined) ?? context;
    return { ...n, args: n.args.map((a) => renamed(a, kinds, k)) };
  }
  return Object.fromEntries(Object.entries(n).map(([key, v]) => [key, renamed(v, kinds, context)]));
}

function testLayer(kinds: Map<string, Kind>): LayerSchema {
  const attributes = [...kinds].filter(([name, k]) => name !== GEOMETRY_PROPERTY && k !== 'geometry').map(([name, k]): Attribute => {
    const base = { name, label: { cs: name, en: name } };
    return k === 'number' ? { ...base, type: 'number' } : k === 'date' ? { ...base, type: 'date' } : k === 'boolean' ? { ...base, type: 'boolean' } : { ...base, type: 'text' };
  });
  return {
    id: 'cql2-examples', title: { cs: 'CQL2', en: 'CQL2' }, description: { cs: '', en: '' }, theme: 'boundaries', keywords: { cs: [], en: [] },
    geometryType: 'Geometry' as LayerSchema['geometryType'], perMunicipality: false, attributes, minZoom: 0, maxZoom: 22, style: { color: '#000' },
  } as LayerSchema;
}

type Outcome = { ok: true; sql: string; parameters: readonly unknown[]; where: RawBuilder<unknown> } | { ok: false; status: number; detail: string };

describe.each(testBackends())('CQL2 standard examples on %s', (backend) => {
  let database: Database;
  const all = pairs();
  const kinds = new Map<string, Kind>();
  const prepared = all.map((p) => {
    let textTree: Cql2Json | Error;
    try {
      textTree = parseCql2Text(p.text);
    } catch (e) {
      textTree = e as Error;
    }
    const fix = (t: Cql2Json) => renamed(t, kinds);
    return { ...p, textTree: textTree instanceof Error ? textTree : fix(textTree), jsonTree: fix(p.json) };
  });
  const layer = testLayer(kinds);

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const cols = layer.attributes.map((a) => sql`${sql.ref(a.name)} ${sql.raw(a.type === 'number' ? 'double precision' : a.type === 'date' ? 'date' : a.type === 'boolean' ? 'boolean' : 'text')}`);
    await sql`CREATE TABLE cql2_examples (fid integer PRIMARY KEY, ${sql.join(cols)}, geom geometry(Geometry, 4326))`.execute(database.db);
    // rows over the literals the examples use, so that most filters select some rows and reject others
    const literals = new Map<string, Cql2Json[]>();
    const collect = (n: Cql2Json): void => {
      if (Array.isArray(n)) return n.forEach(collect);
      if (!isObj(n)) return;
      if (typeof n.op === 'string' && Array.isArray(n.args) && isObj(n.args[0]) && typeof n.args[0].property === 'string') {
        const vs = literals.get(n.args[0].property) ?? [];
        for (const a of n.args.slice(1)) for (const v of Array.isArray(a) ? a : [a]) if (typeof v !== 'object' || v === null || 'date' in v || 'timestamp' in v) vs.push(v);
        literals.set(n.args[0].property, vs);
      }
      Object.values(n).forEach(collect);
    };
    prepared.forEach((p) => collect(p.jsonTree));
    for (let i = 0; i < 40; i++) {
      const values = layer.attributes.map((a) => {
        const vs = (literals.get(a.name) ?? []).filter((v) => (a.type === 'number' ? typeof v === 'number' : a.type === 'date' ? isObj(v) : a.type === 'boolean' ? typeof v === 'boolean' : typeof v === 'string'));
        if (i % 5 === 4 || vs.length === 0) return null;
        const v = vs[i % vs.length]!;
        if (a.type === 'number') return (v as number) + ((i % 3) - 1);
        if (a.type === 'date') return String((v as Record<string, string>).date ?? (v as Record<string, string>).timestamp).slice(0, 10);
        return v as string | boolean;
      });
      const lon = -170 + ((i * 37) % 340);
      const lat = -60 + ((i * 23) % 120);
      await sql`INSERT INTO cql2_examples VALUES (${i}, ${sql.join(values.map((v) => sql`${v}`))},
        ST_SetSRID(${i % 2 ? sql`ST_Buffer(ST_MakePoint(${lon}, ${lat}), 8)` : sql`ST_MakePoint(${lon}, ${lat})`}, 4326))`.execute(database.db);
    }
  }, 120_000);
  afterAll(async () => database?.close());

  const compile = (tree: Cql2Json | Error): Outcome => {
    try {
      if (tree instanceof Error) throw tree;
      const where = compileCql2(tree, { layer, filterCrs: CRS84 });
      const c = where.compile(database.db);
      return { ok: true, sql: c.sql, parameters: c.parameters, where };
    } catch (e) {
      if (e instanceof HttpProblem) return { ok: false, status: e.status, detail: e.message };
      throw e;
    }
  };

  it('has the example pairs of the standard', () => {
    expect(all.length).toBeGreaterThan(100);
  });

  it.each(prepared.map((p) => [p.name, p] as const))('%s: text and JSON compile alike and select the same rows', async (name, p) => {
    const fromText = compile(p.textTree);
    const fromJson = compile(p.jsonTree);
    if (!fromText.ok || !fromJson.ok) {
      // outside our subset: a clear 400 in both forms, and listed
      const reason = !fromText.ok ? fromText : (fromJson as Extract<Outcome, { ok: false }>);
      expect({ text: fromText.ok || fromText.status, json: fromJson.ok || fromJson.status }, `${name}: ${reason.detail}`).toEqual({ text: 400, json: 400 });
      expect(UNSUPPORTED[name.replace(/-alt\d+$/, '')], `${name} is refused (${reason.detail}) but not listed as unsupported`).toBeTruthy();
      return;
    }
    expect(UNSUPPORTED[name.replace(/-alt\d+$/, '')], `${name} is supported but listed as unsupported`).toBeUndefined();
    expect(fromText.sql, name).toBe(fromJson.sql);
    // the same instant may be written two ways (example 54: `.000000Z` and `Z`)
    const instant = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : v);
    expect(fromText.parameters.map(instant), name).toEqual(fromJson.parameters.map(instant));
    const select = async (where: RawBuilder<unknown>) =>
      (await sql<{ fid: number }>`SELECT t.fid FROM cql2_examples t WHERE ${where} ORDER BY t.fid`.execute(database.db)).rows.map((r) => r.fid);
    expect(await select(fromText.where), name).toEqual(await select(fromJson.where));
  });
});
