import { hash } from 'node:crypto';
import { basename } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { getLayer, MUNICIPALITY_LAYER_ID, tableName } from '../../schemas/index.ts';
import { uapLayerId, UAP_LAYER_IDS } from '../../schemas/layers/uap.ts';
import { getJev, type JevGeometrie } from '../../schemas/uap/jevy.ts';
import { recordChange } from '../../sql/changes.ts';
import { InputError } from '../errors.ts';
import { finishImport, prepareImport, stageAndPublish, type PreparedImport, type RunReport } from '../import.ts';
import { openSource } from '../readers/index.ts';

/** One jev of a delivery: the file (or a layer of it) that holds it. */
export interface UapPart {
  jev: number;
  path: string;
  /** GeoPackage layer or file inside a zip */
  sourceLayer?: string;
  /** EPSG code when the file does not state its CRS */
  srid?: number;
  encoding?: string;
  /** the provider's column holding the feature's name (default: a column `nazev`, any case) */
  nameField?: string;
  /** file name shown in reports instead of the path (uploads are stored under a temporary name) */
  label?: string;
}

export interface UapDeliveryInput {
  provider: string;
  /** the date the provider handed the data over (YYYY-MM-DD) */
  deliveredOn: string;
  /** the provider's terms allow publishing the data */
  isPublic: boolean;
  parts: UapPart[];
  /** who records it: `user:<id>` or `cli` */
  actor: string;
  note?: string;
  /**
   * The territory the delivery covers (RÚIAN codes), declared by the provider: a jev with no feature
   * in a covered municipality is delivered there as empty. Default: the municipalities its features touch.
   */
  municipalities?: number[];
  /** test and sample data made up for the purpose */
  synthetic?: boolean;
  dryRun?: boolean;
}

export interface UapDeliveryReport {
  deliveryId: number;
  provider: string;
  deliveredOn: string;
  isPublic: boolean;
  jevy: number[];
  featureCount: number;
  /** RÚIAN codes of the municipalities the delivered features touch */
  municipalities: number[];
  parts: { jev: number; layer: string; file: string; run: RunReport }[];
  dryRun: boolean;
}

/** The source-id prefix of one provider's jev: a delivery replaces exactly what it holds. */
export function uapScope(provider: string, jev: number): string {
  return `uap:${jev}:${hash('sha1', provider.trim(), 'hex').slice(0, 16)}:`;
}

const KIND_OF: Record<string, JevGeometrie> = {
  Point: 'bod',
  MultiPoint: 'bod',
  LineString: 'linie',
  MultiLineString: 'linie',
  Polygon: 'plocha',
  MultiPolygon: 'plocha',
};

/** The kind of geometry of a file's first feature: it chooses the ÚAP layer. */
async function kindOfFile(part: UapPart): Promise<JevGeometrie> {
  const source = await openSource(part.path, { encoding: part.encoding, sourceLayer: part.sourceLayer });
  try {
    for await (const r of source.records()) {
      const kind = r.geometry ? KIND_OF[r.geometry.type] : undefined;
      if (!kind) throw new InputError(`record ${r.record}: geometry ${r.geometry?.type ?? '(none)'} is not a point, line or area`, source.file);
      return kind;
    }
    throw new InputError('the source holds no features', source.file);
  } finally {
    await source.close?.();
  }
}

export function checkDeliveryInput(input: UapDeliveryInput): void {
  const provider = input.provider?.trim() ?? '';
  if (provider.length === 0 || provider.length > 200) throw new InputError('the provider (poskytovatel) is missing or longer than 200 characters', 'delivery');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.deliveredOn) || Number.isNaN(Date.parse(input.deliveredOn)))
    throw new InputError('the delivery date must be YYYY-MM-DD', 'delivery');
  if (input.deliveredOn > new Date().toISOString().slice(0, 10)) throw new InputError('the delivery date lies in the future', 'delivery');
  if (input.parts.length === 0) throw new InputError('a delivery holds at least one jev', 'delivery');
  const seen = new Set<number>();
  for (const p of input.parts) {
    if (!getJev(p.jev)) throw new InputError(`jev ${p.jev} is not in the register (1–119, schemas/uap/jevy.json)`, 'delivery');
    if (seen.has(p.jev)) throw new InputError(`jev ${p.jev} is named twice in one delivery`, 'delivery');
    seen.add(p.jev);
  }
}

/**
 * Records a provider's delivery of one or more jevy, in ONE transaction: each jev's file goes
 * through the ETL (readers, CRS, encoding, validation, rejects) into the ÚAP layer of its kind of
 * geometry and publicity, replacing what this provider delivered for this jev before (wherever it
 * was: a jev delivered public and now not public leaves the public layer). What was replaced stays
 * in feature_history and as the earlier uap_delivery rows. A failure leaves everything as it was.
 */
export async function deliverUap(db: Kysely<any>, input: UapDeliveryInput): Promise<UapDeliveryReport> {
  checkDeliveryInput(input);
  const provider = input.provider.trim();
  const kinds: JevGeometrie[] = [];
  for (const p of input.parts) kinds.push(await kindOfFile(p));
  const deliveryId = Number((await sql<{ id: string }>`SELECT nextval('uap_delivery_id_seq') AS id`.execute(db)).rows[0]!.id);

  const prepared: PreparedImport[] = [];
  try {
    for (let i = 0; i < input.parts.length; i++) {
      const part = input.parts[i]!;
      const layerId = uapLayerId(kinds[i]!, input.isPublic);
      const p = await prepareImport(db, {
        path: part.path,
        layerId,
        sourceLayer: part.sourceLayer,
        srid: part.srid,
        encoding: part.encoding,
        mapping: {
          layer: layerId,
          // providers' files rarely carry ids that survive their next export: a record's content is its id
          idFromContent: true,
          fields: part.nameField ? { nazev: part.nameField } : undefined,
          fixed: { jev: String(part.jev), poskytovatel: provider, dodavka: deliveryId, datum_predani: input.deliveredOn },
        },
        sourceIdScope: uapScope(provider, part.jev),
        // a delivery replaces the provider's jev as a whole
        fullReplacement: true,
        dryRun: input.dryRun,
        trigger: `uap:${deliveryId}`,
      });
      if (part.label) p.report.source = part.label;
      const jev = getJev(part.jev)!;
      if (!jev.geometrie.includes(kinds[i]!))
        p.report.warnings.push(`jev ${jev.cislo} is usually delivered as ${jev.geometrie.join('/')}, this file holds ${kinds[i]} / jev se obvykle předává jako ${jev.geometrie.join('/')}`);
      prepared.push(p);
    }
  } catch (e) {
    for (const p of prepared) {
      p.report.status = 'failed';
      p.report.error = `not run: ${(e as Error).message}`;
      await finishImport(db, p).catch(() => {});
    }
    throw e;
  }

  let failure: unknown;
  let featureCount = 0;
  let municipalities: number[] = [];
  try {
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext('geoportal:uap'))`.execute(trx);
      if (input.municipalities?.length) {
        const obce = sql.raw(tableName(getLayer(MUNICIPALITY_LAYER_ID)!));
        const known = new Set((await sql<{ kod: number }>`SELECT kod FROM ${obce} WHERE kod = ANY(${input.municipalities}::integer[])`.execute(trx)).rows.map((r) => Number(r.kod)));
        const unknown = input.municipalities.filter((m) => !known.has(m));
        if (unknown.length) throw new InputError(`not municipalities of ORP Chomutov: ${unknown.join(', ')}`, 'delivery');
      }
      await sql`INSERT INTO uap_delivery (id, provider, delivered_on, is_public, jevy, actor, note, synthetic)
        VALUES (${deliveryId}, ${provider}, ${input.deliveredOn}::date, ${input.isPublic}, ${input.parts.map((p) => p.jev)}::integer[],
          ${input.actor}, ${input.note ?? null}, ${input.synthetic ?? false})`.execute(trx);
      for (let i = 0; i < prepared.length; i++) {
        const p = prepared[i]!;
        const part = input.parts[i]!;
        const scope = uapScope(provider, part.jev);
        await stageAndPublish(trx, p);
        // the provider's earlier data of this jev in the other ÚAP layers (another kind, the other publicity)
        for (const other of UAP_LAYER_IDS.filter((id) => id !== p.layer.id)) {
          const t = sql.raw(tableName(getLayer(other)!));
          const gone = await sql`DELETE FROM ${t} WHERE left(source_id, ${scope.length}::integer) = ${scope}`.execute(trx);
          if (Number(gone.numAffectedRows ?? 0) > 0) await recordChange(trx, { layerId: other, bbox: null, source: `etl:uap:${deliveryId}` });
        }
        const t = sql.raw(tableName(p.layer));
        const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${t} WHERE left(source_id, ${scope.length}::integer) = ${scope}`.execute(trx)).rows[0]!.n;
        featureCount += n;
        await sql`INSERT INTO uap_delivery_part (delivery_id, jev, layer_id, run_id, source, feature_count)
          VALUES (${deliveryId}, ${part.jev}, ${p.layer.id}, ${p.report.runId}, ${part.label ?? basename(part.path)}, ${n})`.execute(trx);
        const obce = sql.raw(tableName(getLayer(MUNICIPALITY_LAYER_ID)!));
        await sql`INSERT INTO uap_coverage (delivery_id, jev, municipality_code, feature_count)
          SELECT ${deliveryId}, ${part.jev}, o.kod, count(*)::int FROM ${t} f JOIN ${obce} o ON ST_Intersects(o.geom, f.geom)
          WHERE left(f.source_id, ${scope.length}::integer) = ${scope} GROUP BY o.kod`.execute(trx);
        if (input.municipalities?.length)
          await sql`INSERT INTO uap_coverage (delivery_id, jev, municipality_code, feature_count)
            SELECT ${deliveryId}, ${part.jev}, m, 0 FROM unnest(${input.municipalities}::integer[]) AS m ON CONFLICT DO NOTHING`.execute(trx);
      }
      const extent = sql.join(
        UAP_LAYER_IDS.map((id) => sql`SELECT geom FROM ${sql.raw(tableName(getLayer(id)!))} WHERE dodavka = ${deliveryId}`),
        sql` UNION ALL `,
      );
      await sql`UPDATE uap_delivery SET feature_count = ${featureCount},
        extent = (SELECT ST_Envelope(ST_Extent(geom)::geometry) FROM (${extent}) x) WHERE id = ${deliveryId}`.execute(trx);
      municipalities = (
        await sql<{ kod: number }>`SELECT DISTINCT municipality_code AS kod FROM uap_coverage WHERE delivery_id = ${deliveryId} ORDER BY 1`.execute(trx)
      ).rows.map((r) => Number(r.kod));
      if (input.dryRun) throw new DryRun();
    });
  } catch (e) {
    if (!(e instanceof DryRun)) failure = e;
  }
  const parts: UapDeliveryReport['parts'] = [];
  for (let i = 0; i < prepared.length; i++) {
    const p = prepared[i]!;
    if (failure && p.report.status !== 'failed') {
      p.report.status = 'failed';
      p.report.error = `delivery not recorded: ${(failure as Error).message}`;
    }
    try {
      parts.push({ jev: input.parts[i]!.jev, layer: p.layer.id, file: p.report.source, run: await finishImport(db, p) });
    } catch (e) {
      if (!failure) failure = e;
    }
  }
  if (failure) throw failure instanceof InputError ? failure : new InputError((failure as Error).message, 'delivery');
  return {
    deliveryId,
    provider,
    deliveredOn: input.deliveredOn,
    isPublic: input.isPublic,
    jevy: input.parts.map((p) => p.jev),
    featureCount,
    municipalities,
    parts,
    dryRun: input.dryRun ?? false,
  };
}

class DryRun extends Error {}
