import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Geometry } from 'geojson';
import { layers as allLayers, tableName } from '../../schemas/index.ts';
import type { LayerSchema } from '../../schemas/types.ts';
import { assertIdentifier } from '../../schemas/ddl.ts';
import { mapFeature, type MappedAttributes } from './mapping.ts';
import { COORDINATE_DECIMALS, writeJvf, type DtmGeometry, type DtmRecord, type ZapisObjektu } from './xml.ts';
import { validateJvf, type XsdResult } from './validate.ts';

/**
 * JVF DTM delivery of one municipality: a complete delivery ("kompletní zápis") of every feature of
 * the layers with a DTM object type, or a change delivery ("změnové věty") of what changed since the
 * previous recorded delivery, built from feature versions (the live row's, or an ended one in feature_history:
 * sql/migrations/0019_dtm_deliveries.sql, 0025_system_versioned_history.sql).
 * The file is checked against the official XSD set before it is handed out or recorded.
 */

export type DeliveryKind = 'complete' | 'changes';

export interface DtmExportOptions {
  municipality: number;
  kind: DeliveryKind;
  /** record the delivery (the next change delivery starts from it); false for a preview */
  record: boolean;
  /** who asked (`user:1`, `cli`) */
  actor: string;
  now?: Date;
}

export interface UnmappedFeature {
  layer: string;
  fid: number;
  reason: string;
}

export interface DtmExportResult {
  kind: DeliveryKind;
  municipality: { code: number; name: string };
  xml: string;
  counts: Record<ZapisObjektu, number>;
  unmapped: UnmappedFeature[];
  validation: XsdResult;
  /** set when the delivery was recorded */
  deliveryId?: number;
  /** the delivery this one follows (change deliveries) */
  previousDeliveryId?: number;
}

export class UnknownMunicipality extends Error {
  constructor(readonly code: number) {
    super(`no municipality with RÚIAN code ${code}`);
  }
}

/** The export refused to hand out a file the XSD set rejects. */
export class InvalidDelivery extends Error {
  constructor(readonly result: DtmExportResult) {
    super(`the JVF DTM file fails XSD validation: ${result.validation.errors.slice(0, 3).join('; ')}`);
  }
}

export function dtmLayers(): LayerSchema[] {
  return allLayers.filter((l) => l.dtm && l.perMunicipality);
}

interface Snapshot {
  fid: number;
  version: number;
  props: Record<string, unknown>;
  geom: string;
}

/** A stored geometry (EPSG:4326) as S-JTSK GeoJSON at the centimetre; single-part multi geometries and mergeable lines become simple ones. */
function sjtsk(g: string): string {
  return `ST_AsGeoJSON(ST_Transform(CASE
      WHEN GeometryType(${g}) = 'MULTILINESTRING' THEN ST_LineMerge(${g})
      WHEN GeometryType(${g}) LIKE 'MULTI%' AND ST_NumGeometries(${g}) = 1 THEN ST_GeometryN(${g}, 1)
      ELSE ${g} END, 5514), ${COORDINATE_DECIMALS})`;
}

async function currentFeatures(trx: Transaction<any>, layer: LayerSchema, municipality: number): Promise<Snapshot[]> {
  const t = tableName(layer);
  assertIdentifier(t);
  const rows = await sql<Snapshot>`SELECT t.fid::int AS fid, (to_jsonb(t) - 'geom') AS props, ${sql.raw(sjtsk('t.geom'))} AS geom, t.version
    FROM ${sql.table(t)} t WHERE t.municipality_code = ${municipality} ORDER BY t.fid`.execute(trx);
  return rows.rows;
}

/**
 * The delivered version of every delivered feature, as it was delivered: the live row while it is
 * still that version, else its row in feature_history (issue 16.3: the history holds ended versions).
 */
async function deliveredSnapshots(trx: Transaction<any>, layer: LayerSchema, municipality: number): Promise<Snapshot[]> {
  const t = tableName(layer);
  assertIdentifier(t);
  const g = `ST_SetSRID(ST_GeomFromGeoJSON((h.row -> 'geom')::text), 4326)`;
  const rows = await sql<Snapshot>`SELECT d.fid::int AS fid, d.version, (to_jsonb(h.row) - 'geom') AS props, ${sql.raw(sjtsk(g))} AS geom
      FROM dtm_delivered_feature d
      JOIN feature_history h ON h.layer_id = d.layer_id AND h.fid = d.fid AND h.version = d.version
      WHERE d.municipality_code = ${municipality} AND d.layer_id = ${layer.id}
    UNION ALL
    SELECT d.fid::int AS fid, d.version, (to_jsonb(t) - 'geom') AS props, ${sql.raw(sjtsk('t.geom'))} AS geom
      FROM dtm_delivered_feature d
      JOIN ${sql.table(t)} t ON t.fid = d.fid AND t.version = d.version
      WHERE d.municipality_code = ${municipality} AND d.layer_id = ${layer.id}
    ORDER BY fid`.execute(trx);
  return rows.rows;
}

function fitsType(mapped: MappedAttributes, g: Geometry): string | undefined {
  const want = { point: 'Point', curve: 'LineString', surface: 'Polygon' }[mapped.type.geometry];
  if (g.type === want) return undefined;
  if (g.type.startsWith('Multi') && 'coordinates' in g)
    return `${g.type} of ${g.coordinates.length} parts: ${mapped.type.element} takes one ${want} per object (split the feature)`;
  return `${g.type} cannot be a ${mapped.type.element} (${want})`;
}

interface Planned {
  record: DtmRecord;
  layer: string;
  fid: number;
  /** the version the delivered state records for this feature afterwards; undefined = no longer delivered */
  version?: number;
}

function plan(layer: LayerSchema, s: Snapshot, op: ZapisObjektu, unmapped: UnmappedFeature[]): Planned | undefined {
  const m = mapFeature(layer, s.props);
  if (!m.ok) {
    unmapped.push({ layer: layer.id, fid: s.fid, reason: m.reason });
    return undefined;
  }
  const geometry = JSON.parse(s.geom) as Geometry;
  const misfit = fitsType(m.value, geometry);
  if (misfit) {
    unmapped.push({ layer: layer.id, fid: s.fid, reason: misfit });
    return undefined;
  }
  return {
    record: { op, externalId: `${layer.id}/${s.fid}`, mapped: m.value, geometry: geometry as DtmGeometry },
    layer: layer.id,
    fid: s.fid,
    version: op === 'd' ? undefined : s.version,
  };
}

/** Records of a change delivery for one layer: new, changed and gone features against the delivered state. */
async function changesOf(trx: Transaction<any>, layer: LayerSchema, municipality: number, unmapped: UnmappedFeature[]): Promise<Planned[]> {
  const current = await currentFeatures(trx, layer, municipality);
  const delivered = new Map((await deliveredSnapshots(trx, layer, municipality)).map((s) => [s.fid, s]));
  const out: Planned[] = [];
  const seen = new Set<number>();
  for (const s of current) {
    seen.add(s.fid);
    const before = delivered.get(s.fid);
    if (before && before.version === s.version) continue;
    if (!before) {
      const p = plan(layer, s, 'i', unmapped);
      if (p) out.push(p);
      continue;
    }
    const now = plan(layer, s, 'u', unmapped);
    const old = mapFeature(layer, before.props);
    if (now && old.ok && old.value.type.element === now.record.mapped.type.element) out.push(now);
    else {
      // another object type (or no longer deliverable): the DTM object is removed, the new one inserted
      const gone = plan(layer, before, 'd', []);
      if (gone) out.push(gone);
      if (now) out.push({ ...now, record: { ...now.record, op: 'i' } });
    }
  }
  for (const [fid, before] of delivered) {
    if (seen.has(fid)) continue;
    const gone = plan(layer, before, 'd', unmapped);
    if (gone) out.push(gone);
  }
  return out;
}

export async function exportDtm(db: Kysely<any>, opts: DtmExportOptions): Promise<DtmExportResult> {
  const now = opts.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    // one delivery of a municipality at a time: the delivered state is read and written in one go
    await sql`SELECT pg_advisory_xact_lock(1920, ${opts.municipality})`.execute(trx);
    const muni = (await sql<{ nazev: string }>`SELECT nazev FROM layer_obce WHERE kod = ${opts.municipality} LIMIT 1`.execute(trx)).rows[0];
    if (!muni) throw new UnknownMunicipality(opts.municipality);
    const previous = (
      await sql<{ id: number }>`SELECT id::int AS id FROM dtm_delivery WHERE municipality_code = ${opts.municipality} ORDER BY id DESC LIMIT 1`.execute(trx)
    ).rows[0];
    // a change delivery needs a delivery to follow; without one it is the complete delivery
    const kind: DeliveryKind = opts.kind === 'changes' && previous ? 'changes' : 'complete';
    const unmapped: UnmappedFeature[] = [];
    const planned: Planned[] = [];
    for (const layer of dtmLayers()) {
      if (kind === 'complete') {
        for (const s of await currentFeatures(trx, layer, opts.municipality)) {
          const p = plan(layer, s, 'i', unmapped);
          if (p) planned.push(p);
        }
      } else planned.push(...(await changesOf(trx, layer, opts.municipality, unmapped)));
    }
    const counts: Record<ZapisObjektu, number> = { i: 0, u: 0, d: 0 };
    for (const p of planned) counts[p.record.op]++;
    const date = now.toISOString().slice(0, 10);
    const xml = writeJvf({
      kind,
      writtenAt: now,
      records: planned.map((p) => p.record),
      change: {
        title: `Pasport obce ${muni.nazev} (${opts.municipality}): ${kind === 'complete' ? 'kompletní zápis' : 'změny od předchozího předání'}`,
        processor: opts.actor,
        organisation: `Obec ${muni.nazev}`,
        measuredOn: date,
        processedOn: date,
        consolidation: kind === 'complete' ? !previous : false,
      },
    });
    const validation = await validateJvf(xml);
    const result: DtmExportResult = {
      kind,
      municipality: { code: opts.municipality, name: muni.nazev },
      xml,
      counts,
      unmapped,
      validation,
      previousDeliveryId: kind === 'changes' ? previous?.id : undefined,
    };
    if (!validation.valid) throw new InvalidDelivery(result);
    if (!opts.record) return result;
    const sha256 = createHash('sha256').update(xml).digest('hex');
    const id = (
      await sql<{ id: number }>`INSERT INTO dtm_delivery (municipality_code, kind, created_by, inserted, updated, deleted, unmapped, sha256)
        VALUES (${opts.municipality}, ${kind}, ${opts.actor}, ${counts.i}, ${counts.u}, ${counts.d}, ${unmapped.length}, ${sha256})
        RETURNING id::int AS id`.execute(trx)
    ).rows[0]!.id;
    if (kind === 'complete') await sql`DELETE FROM dtm_delivered_feature WHERE municipality_code = ${opts.municipality}`.execute(trx);
    // in batches: a town's complete delivery is thousands of features
    const gone = planned.filter((p) => p.version === undefined);
    const kept = planned.filter((p) => p.version !== undefined);
    for (let i = 0; i < gone.length; i += 1000)
      await sql`DELETE FROM dtm_delivered_feature WHERE municipality_code = ${opts.municipality}
        AND (layer_id, fid) IN (${sql.join(gone.slice(i, i + 1000).map((p) => sql`(${p.layer}, ${p.fid}::bigint)`))})`.execute(trx);
    for (let i = 0; i < kept.length; i += 1000)
      await sql`INSERT INTO dtm_delivered_feature (municipality_code, layer_id, fid, version, delivery_id)
        VALUES ${sql.join(kept.slice(i, i + 1000).map((p) => sql`(${opts.municipality}, ${p.layer}, ${p.fid}, ${p.version}, ${id})`))}
        ON CONFLICT (municipality_code, layer_id, fid) DO UPDATE SET version = EXCLUDED.version, delivery_id = EXCLUDED.delivery_id`.execute(trx);
    return { ...result, deliveryId: id };
  });
}
