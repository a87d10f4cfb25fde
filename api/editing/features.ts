import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { readableAttributes, tableName, type LayerSchema } from '../../schemas/index.ts';
import { validateProperties, type AttributeValue, type FieldError } from '../../schemas/validate.ts';
import { recordChange } from '../../sql/changes.ts';
import { MUNICIPALITY_PROPERTY } from '../features/items.ts';
import { NotFound } from '../problem.ts';
import { Forbidden } from '../auth/middleware.ts';
import { actorOf, canEditLayer, isLegalDocument, type Principal } from '../auth/principal.ts';
import { Conflict, InvalidContent, PreconditionFailed } from './errors.ts';
import { matches } from './etag.ts';
import { checkGeometry, geometryExpr, municipalityTable, sameGeometry, unionBbox, type GeometryCheck } from './geometry.ts';
import { parsePosition, type Position } from '../../schemas/position.ts';
import { POSITION_MEMBER, positionJson, positionSets } from './position.ts';

export type Bbox = [number, number, number, number];

/** A feature as written: validated attributes, its municipality and the GeoJSON geometry. */
export interface FeatureInput {
  values: Record<string, AttributeValue>;
  municipalityCode: number | null;
  geometry: unknown;
  /** how the location was captured (the `position` member); undefined when the document does not say */
  position?: Position | null;
}

/** The locked current row of a feature. */
export interface CurrentRow {
  fid: number;
  version: string;
  municipality_code: number | null;
  in_user_municipality: boolean | null;
  feature: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface WriteResult {
  fid: number;
  version: string;
  feature: string;
}

/** GeoJSON Feature text of a stored row, built by PostGIS from the schema's attributes, with how its location was captured. */
export function featureJson(layer: LayerSchema): RawBuilder<string> {
  const props = readableAttributes(layer).flatMap((a) => [sql.lit(a.name), sql.ref(`t.${a.name}`)]);
  if (layer.perMunicipality) props.push(sql.lit(MUNICIPALITY_PROPERTY), sql.ref('t.municipality_code'));
  return sql<string>`json_build_object('type', 'Feature', 'id', t.fid,
    'geometry', ST_AsGeoJSON(t.geom, 7)::json, 'properties', json_build_object(${sql.join(props)}),
    ${sql.lit(POSITION_MEMBER)}, ${positionJson('t')})::text`;
}

/** Splits a request document into validated attributes, municipality and geometry; every problem listed. */
export function parseFeature(layer: LayerSchema, doc: unknown): { input: FeatureInput; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const d = (typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? doc : {}) as Record<string, unknown>;
  if (d.type !== 'Feature') errors.push({ field: 'type', reason: 'expected a GeoJSON Feature ("type": "Feature")' });
  const rawProps = d.properties ?? {};
  const propsOk = typeof rawProps === 'object' && rawProps !== null && !Array.isArray(rawProps);
  if (!propsOk) errors.push({ field: 'properties', reason: 'expected an object' });
  const props: Record<string, unknown> = propsOk ? { ...(rawProps as Record<string, unknown>) } : {};
  let municipalityCode: number | null = null;
  if (layer.perMunicipality && MUNICIPALITY_PROPERTY in props) {
    const c = props[MUNICIPALITY_PROPERTY];
    delete props[MUNICIPALITY_PROPERTY];
    if (c !== null && c !== undefined) {
      if (typeof c === 'number' && Number.isInteger(c) && c > 0) municipalityCode = c;
      else errors.push({ field: MUNICIPALITY_PROPERTY, reason: 'expected a municipality RÚIAN code (integer)' });
    }
  }
  const v = validateProperties(layer, props, { rejectUnknown: true });
  errors.push(...v.errors);
  let position: Position | null | undefined;
  if (POSITION_MEMBER in d) {
    const p = parsePosition(d[POSITION_MEMBER]);
    if ('error' in p) errors.push({ field: POSITION_MEMBER, reason: p.error });
    else position = p.position;
  }
  return { input: { values: v.values, municipalityCode, geometry: d.geometry, position }, errors };
}

export function assertCanEditLayer(p: Principal, layer: LayerSchema): void {
  if (!canEditLayer(p, layer))
    throw new Forbidden(
      isLegalDocument(layer)
        ? `${layer.id} is part of the land-use plan, a legal document: it changes only by importing a new plan version (or by the plan administrator)`
        : `your role (${p.role}) may not edit the layer ${layer.id}`,
    );
}

function assertInUserMunicipality(p: Principal, code: number | null, inside: boolean | null, when: 'before' | 'after'): void {
  if (p.role !== 'municipality_editor') return;
  if (code !== p.municipalityCode || inside !== true)
    throw new Forbidden(
      when === 'before'
        ? `the feature does not belong to your municipality (${p.municipalityCode})`
        : `the result would lie outside your municipality (${p.municipalityCode}); you may only edit features inside it`,
    );
}

/**
 * Completes and checks an input against the schema, the geometry rules and
 * the user's scope. Municipality editors get 403 for anything outside their
 * municipality; anyone else gets 422 for a geometry outside the feature's municipality.
 */
async function prepare(db: Kysely<any>, layer: LayerSchema, p: Principal, parsed: { input: FeatureInput; errors: FieldError[] }): Promise<{ input: FeatureInput; geo: GeometryCheck }> {
  const { input } = parsed;
  if (layer.perMunicipality && input.municipalityCode === null && p.role === 'municipality_editor') input.municipalityCode = p.municipalityCode;
  const geo = await checkGeometry(db, layer, input.geometry, input.municipalityCode, p.role === 'municipality_editor' ? p.municipalityCode : null);
  const errors = [...parsed.errors, ...geo.errors];
  if (errors.length) throw new InvalidContent(errors);
  if (layer.perMunicipality) {
    assertInUserMunicipality(p, input.municipalityCode, geo.insideUser, 'after');
    if (input.municipalityCode === null) {
      if (geo.located === null) throw new InvalidContent([{ field: 'geometry', reason: 'the geometry lies outside every municipality of the ORP' }]);
      input.municipalityCode = geo.located;
    } else if (geo.insideClaimed === null || geo.insideClaimed === false) {
      throw new InvalidContent([{ field: 'geometry', reason: `the geometry is not inside municipality ${input.municipalityCode} (${MUNICIPALITY_PROPERTY})` }]);
    }
  }
  return { input, geo };
}

async function asActor<T>(db: Kysely<any>, p: Principal, fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    // read by the history triggers: every row they write names this user
    await sql`SELECT set_config('geoportal.actor', ${actorOf(p)}, true)`.execute(trx);
    return fn(trx);
  });
}

/** The current row (locked when inside a transaction), with whether it lies in the user's municipality. */
export async function currentRow(db: Kysely<any> | Transaction<any>, layer: LayerSchema, fid: number, p: Principal | undefined, lock: boolean): Promise<CurrentRow | undefined> {
  const userCode = p?.role === 'municipality_editor' ? p.municipalityCode : null;
  const r = await sql<CurrentRow>`SELECT t.fid, t.xmin::text AS version, t.municipality_code,
      (SELECT ST_CoveredBy(t.geom, o.geom) FROM ${municipalityTable()} o WHERE o.kod = ${userCode}::int) AS in_user_municipality,
      ${featureJson(layer)} AS feature,
      ST_XMin(t.geom) AS x0, ST_YMin(t.geom) AS y0, ST_XMax(t.geom) AS x1, ST_YMax(t.geom) AS y1
    FROM ${sql.raw(tableName(layer))} t WHERE t.fid = ${fid} ${lock ? sql`FOR UPDATE OF t` : sql``}`.execute(db);
  return r.rows[0];
}

function bboxOf(r: { x0: number; y0: number; x1: number; y1: number }): Bbox {
  return [r.x0, r.y0, r.x1, r.y1];
}

function contentHash(input: FeatureInput): RawBuilder<string> {
  // what the feature is; how its location was captured is not part of it
  return sql<string>`md5(${JSON.stringify([input.values, input.municipalityCode, input.geometry])})`;
}

function attributeSets(layer: LayerSchema, input: FeatureInput): RawBuilder<unknown>[] {
  return layer.attributes.map((a) => sql`${sql.ref(a.name)} = ${input.values[a.name] ?? null}`);
}

async function readBack(trx: Transaction<any>, layer: LayerSchema, fid: number): Promise<WriteResult> {
  const r = await sql<{ version: string; feature: string }>`SELECT t.xmin::text AS version, ${featureJson(layer)} AS feature
    FROM ${sql.raw(tableName(layer))} t WHERE t.fid = ${fid}`.execute(trx);
  return { fid, version: r.rows[0]!.version, feature: r.rows[0]!.feature };
}

/**
 * Creates a feature. `key` (the client's Idempotency-Key, a UUID) names the creation: sent again after
 * a lost answer (a phone's queued change), it returns the feature the first send created, `repeated`.
 */
export async function createFeature(db: Kysely<any>, layer: LayerSchema, p: Principal, doc: unknown, key?: string): Promise<WriteResult & { repeated?: boolean }> {
  assertCanEditLayer(p, layer);
  const t = sql.raw(tableName(layer));
  const sourceId = key ? `edit:${p.userId}:${key}` : `edit:${randomUUID()}`;
  if (key) {
    const done = await sql<{ fid: number }>`SELECT fid FROM ${t} WHERE source_id = ${sourceId}`.execute(db);
    if (done.rows[0]) {
      const row = await currentRow(db, layer, done.rows[0].fid, p, false);
      if (row) return { fid: row.fid, version: row.version, feature: row.feature, repeated: true };
    }
  }
  const { input, geo } = await prepare(db, layer, p, parseFeature(layer, doc));
  return asActor(db, p, async (trx) => {
    const cols = layer.attributes.map((a) => sql.ref(a.name));
    const vals = layer.attributes.map((a) => sql`${input.values[a.name] ?? null}`);
    const r = await sql<{ fid: number }>`INSERT INTO ${t} (source_id, municipality_code, ${sql.join(cols)}, geom, position_source, position_accuracy_m, content_hash)
      VALUES (${sourceId}, ${input.municipalityCode}::int, ${sql.join(vals)}, ${geometryExpr(layer, JSON.stringify(input.geometry))},
        ${input.position?.source ?? null}::text, ${input.position?.accuracy_m ?? null}::numeric, ${contentHash(input)})
      RETURNING fid`.execute(trx);
    const fid = r.rows[0]!.fid;
    await recordChange(trx, { layerId: layer.id, bbox: geo.bbox, source: actorOf(p) });
    return readBack(trx, layer, fid);
  });
}

/** Replaces a feature with a full document (PUT, and PATCH after merging). `expected`: the If-Match versions. */
export async function replaceFeature(db: Kysely<any>, layer: LayerSchema, p: Principal, fid: number, doc: unknown, expected: '*' | string[]): Promise<WriteResult> {
  assertCanEditLayer(p, layer);
  // scope of the current state first: a foreign feature is 403 whatever the body says
  const before = await currentRow(db, layer, fid, p, false);
  if (!before) throw new NotFound(`feature ${fid} does not exist in ${layer.id}`);
  assertInUserMunicipality(p, before.municipality_code, before.in_user_municipality, 'before');
  const { input, geo } = await prepare(db, layer, p, parseFeature(layer, doc));
  const t = sql.raw(tableName(layer));
  return asActor(db, p, async (trx) => {
    const locked = await currentRow(trx, layer, fid, p, true);
    if (!locked) throw new NotFound(`feature ${fid} does not exist in ${layer.id}`);
    assertInUserMunicipality(p, locked.municipality_code, locked.in_user_municipality, 'before');
    if (!matches(expected, locked.version)) throw new PreconditionFailed(`"${locked.version}"`);
    const next = geometryExpr(layer, JSON.stringify(input.geometry));
    const kept = sameGeometry(sql.ref('geom'), next);
    // the geometry is written only when it changed: an attribute-only save keeps the stored bytes
    const r = await sql`UPDATE ${t} SET municipality_code = ${input.municipalityCode}::int, ${sql.join(attributeSets(layer, input))},
        geom = CASE WHEN ${kept} THEN geom ELSE ${next} END, ${sql.join(positionSets(input.position, kept))}, content_hash = ${contentHash(input)}, updated_at = now()
      WHERE fid = ${fid} AND xmin = ${locked.version}::text::xid`.execute(trx);
    if (Number(r.numAffectedRows ?? 0) !== 1) throw new PreconditionFailed();
    await recordChange(trx, { layerId: layer.id, bbox: unionBbox(bboxOf(locked), geo.bbox), source: actorOf(p) });
    return readBack(trx, layer, fid);
  });
}

/** The current feature document and version, for a merge patch to apply to. */
export async function featureForPatch(db: Kysely<any>, layer: LayerSchema, fid: number, p: Principal): Promise<{ doc: Record<string, unknown>; version: string }> {
  const row = await currentRow(db, layer, fid, p, false);
  if (!row) throw new NotFound(`feature ${fid} does not exist in ${layer.id}`);
  assertInUserMunicipality(p, row.municipality_code, row.in_user_municipality, 'before');
  const doc = JSON.parse(row.feature) as Record<string, unknown>;
  delete doc.id;
  return { doc, version: row.version };
}

export async function deleteFeature(db: Kysely<any>, layer: LayerSchema, p: Principal, fid: number, expected: '*' | string[]): Promise<void> {
  assertCanEditLayer(p, layer);
  await asActor(db, p, async (trx) => {
    const locked = await currentRow(trx, layer, fid, p, true);
    if (!locked) throw new NotFound(`feature ${fid} does not exist in ${layer.id}`);
    assertInUserMunicipality(p, locked.municipality_code, locked.in_user_municipality, 'before');
    if (!matches(expected, locked.version)) throw new PreconditionFailed(`"${locked.version}"`);
    // the history trigger keeps the deleted version: a delete is restorable from feature_history
    await sql`DELETE FROM ${sql.raw(tableName(layer))} WHERE fid = ${fid} AND xmin = ${locked.version}::text::xid`.execute(trx);
    await recordChange(trx, { layerId: layer.id, bbox: bboxOf(locked), source: actorOf(p) });
  });
}

/**
 * Re-creates a deleted feature (same fid and source id) from a history state,
 * or, when it exists, replaces it with that state. Either way an audited change.
 */
export async function restoreFeature(
  db: Kysely<any>,
  layer: LayerSchema,
  p: Principal,
  fid: number,
  state: Record<string, unknown>,
  expected: '*' | string[] | undefined,
): Promise<WriteResult> {
  const props: Record<string, unknown> = {};
  for (const a of layer.attributes) props[a.name] = state[a.name] ?? null;
  if (layer.perMunicipality) props[MUNICIPALITY_PROPERTY] = state.municipality_code ?? null;
  const position = typeof state.position_source === 'string' ? { source: state.position_source, accuracy_m: state.position_accuracy_m === null || state.position_accuracy_m === undefined ? null : Number(state.position_accuracy_m) } : null;
  const doc = { type: 'Feature', geometry: state.geom, properties: props, [POSITION_MEMBER]: position };
  const exists = await currentRow(db, layer, fid, p, false);
  if (exists) {
    if (expected === undefined) throw new PreconditionFailed(`"${exists.version}"`);
    return replaceFeature(db, layer, p, fid, doc, expected);
  }
  assertCanEditLayer(p, layer);
  const { input, geo } = await prepare(db, layer, p, parseFeature(layer, doc));
  const t = sql.raw(tableName(layer));
  const sourceId = typeof state.source_id === 'string' ? state.source_id : `edit:${randomUUID()}`;
  return asActor(db, p, async (trx) => {
    const clash = await sql<{ fid: number }>`SELECT fid FROM ${t} WHERE source_id = ${sourceId} OR fid = ${fid}`.execute(trx);
    if (clash.rows.length) throw new Conflict(`feature ${fid} or its source id exists again (re-imported?); edit that one instead`);
    const cols = layer.attributes.map((a) => sql.ref(a.name));
    const vals = layer.attributes.map((a) => sql`${input.values[a.name] ?? null}`);
    // the deletion counts as the change after the last stored version, so the restored one comes after it
    await sql`INSERT INTO ${t} (fid, source_id, municipality_code, ${sql.join(cols)}, geom, position_source, position_accuracy_m, content_hash, version)
      VALUES (${fid}, ${sourceId}, ${input.municipalityCode}::int, ${sql.join(vals)}, ${geometryExpr(layer, JSON.stringify(input.geometry))},
        ${input.position?.source ?? null}::text, ${input.position?.accuracy_m ?? null}::numeric, ${contentHash(input)},
        (SELECT coalesce(max(h.version), 0) + 2 FROM feature_history h WHERE h.layer_id = ${layer.id} AND h.fid = ${fid}))`.execute(trx);
    await recordChange(trx, { layerId: layer.id, bbox: geo.bbox, source: actorOf(p) });
    return readBack(trx, layer, fid);
  });
}
