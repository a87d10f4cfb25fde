import { sql, type Kysely } from 'kysely';
import { getLayer, MUNICIPALITY_LAYER_ID, tableName } from '../../schemas/index.ts';
import { JEVY, jevConcerns, type JevGeometrie } from '../../schemas/uap/jevy.ts';

/** Two years: the longest a provider's data may go without an update before the planning department asks again. */
export const DEFAULT_UAP_STALE_DAYS = 730;

export type JevStatus = 'delivered' | 'stale' | 'missing' | 'not-concerned';

export interface CurrentDelivery {
  id: number;
  provider: string;
  deliveredOn: string;
  receivedAt: string;
  isPublic: boolean;
  synthetic: boolean;
  /** features of this jev touching the municipality */
  features: number;
}

export interface JevState {
  cislo: number;
  nazev: string;
  geometrie: JevGeometrie[];
  poskytovatele: string[];
  status: JevStatus;
  /** every provider's current (not superseded) delivery of the jev touching the municipality */
  deliveries: CurrentDelivery[];
}

export interface UapState {
  municipality: { kod: number; nazev: string };
  generatedAt: string;
  staleAfterDays: number;
  counts: Record<JevStatus, number>;
  jevy: JevState[];
}

/** A municipality of the ORP (from the boundaries layer), or undefined. */
export async function municipalityName(db: Kysely<any>, kod: number): Promise<string | undefined> {
  const obce = sql.raw(tableName(getLayer(MUNICIPALITY_LAYER_ID)!));
  const r = await sql<{ nazev: string }>`SELECT nazev FROM ${obce} WHERE kod = ${kod}`.execute(db);
  return r.rows[0]?.nazev;
}

/**
 * The state of ÚAP in one municipality: for each jev of the register, the current deliveries
 * (the newest delivery of each provider that holds the jev) whose features or declared extent
 * touch the municipality. Delivered = at least one such delivery younger than the update period;
 * stale = only older ones; missing = none.
 */
export async function uapState(db: Kysely<any>, kod: number, nazev: string, opts: { staleAfterDays?: number; now?: Date } = {}): Promise<UapState> {
  const staleAfterDays = opts.staleAfterDays ?? DEFAULT_UAP_STALE_DAYS;
  const now = opts.now ?? new Date();
  const limit = new Date(now.getTime() - staleAfterDays * 86_400_000).toISOString().slice(0, 10);
  const rows = (
    await sql<{ id: string | number; provider: string; jev: number; delivered_on: string; received_at: Date; is_public: boolean; synthetic: boolean; features: number }>`
      WITH cur AS (
        SELECT DISTINCT ON (d.provider, j.jev) d.id, d.provider, j.jev, d.delivered_on, d.received_at, d.is_public, d.synthetic
        FROM uap_delivery d CROSS JOIN LATERAL unnest(d.jevy) AS j(jev)
        ORDER BY d.provider, j.jev, d.id DESC)
      SELECT cur.id, cur.provider, cur.jev, to_char(cur.delivered_on, 'YYYY-MM-DD') AS delivered_on, cur.received_at, cur.is_public, cur.synthetic,
        c.feature_count AS features
      FROM cur JOIN uap_coverage c ON c.delivery_id = cur.id AND c.jev = cur.jev AND c.municipality_code = ${kod}
      ORDER BY cur.jev, cur.delivered_on DESC, cur.provider`.execute(db)
  ).rows;
  const byJev = new Map<number, CurrentDelivery[]>();
  for (const r of rows) {
    const list = byJev.get(Number(r.jev)) ?? [];
    list.push({
      id: Number(r.id),
      provider: r.provider,
      deliveredOn: r.delivered_on,
      receivedAt: new Date(r.received_at).toISOString(),
      isPublic: r.is_public,
      synthetic: r.synthetic,
      features: Number(r.features),
    });
    byJev.set(Number(r.jev), list);
  }
  const counts: Record<JevStatus, number> = { delivered: 0, stale: 0, missing: 0, 'not-concerned': 0 };
  const jevy = JEVY.map((j): JevState => {
    const deliveries = byJev.get(j.cislo) ?? [];
    let status: JevStatus;
    if (deliveries.some((d) => d.deliveredOn >= limit)) status = 'delivered';
    else if (deliveries.length > 0) status = 'stale';
    else status = jevConcerns(j, kod) ? 'missing' : 'not-concerned';
    counts[status]++;
    return { cislo: j.cislo, nazev: j.nazev, geometrie: j.geometrie, poskytovatele: j.poskytovatele, status, deliveries };
  });
  return { municipality: { kod, nazev }, generatedAt: now.toISOString(), staleAfterDays, counts, jevy };
}

export interface DeliveryRow {
  id: number;
  provider: string;
  deliveredOn: string;
  receivedAt: string;
  isPublic: boolean;
  jevy: number[];
  featureCount: number;
  actor: string;
  note: string | null;
  synthetic: boolean;
  /** jevy of this delivery that a later delivery of the same provider replaced */
  superseded: number[];
  parts: { jev: number; layer: string; runId: number; source: string; features: number }[];
  municipalities: number[];
}

/** Deliveries, newest first, with what of each a later one replaced (history is kept, never deleted). */
export async function listDeliveries(db: Kysely<any>, opts: { provider?: string; limit?: number } = {}): Promise<DeliveryRow[]> {
  const limit = opts.limit ?? 100;
  const rows = (
    await sql<{ id: string | number; provider: string; delivered_on: string; received_at: Date; is_public: boolean; jevy: number[]; feature_count: number; actor: string; note: string | null; synthetic: boolean; superseded: number[] | null; parts: { jev: number; layer: string; runId: number; source: string; features: number }[] | null; municipalities: number[] | null }>`
      SELECT d.id, d.provider, to_char(d.delivered_on, 'YYYY-MM-DD') AS delivered_on, d.received_at, d.is_public, d.jevy, d.feature_count, d.actor, d.note, d.synthetic,
        (SELECT array_agg(j ORDER BY j) FROM unnest(d.jevy) AS j
          WHERE EXISTS (SELECT 1 FROM uap_delivery l WHERE l.provider = d.provider AND l.id > d.id AND j = ANY(l.jevy))) AS superseded,
        (SELECT json_agg(json_build_object('jev', p.jev, 'layer', p.layer_id, 'runId', p.run_id, 'source', p.source, 'features', p.feature_count) ORDER BY p.jev)
          FROM uap_delivery_part p WHERE p.delivery_id = d.id) AS parts,
        (SELECT array_agg(DISTINCT c.municipality_code) FROM uap_coverage c WHERE c.delivery_id = d.id) AS municipalities
      FROM uap_delivery d
      ${opts.provider ? sql`WHERE d.provider = ${opts.provider}` : sql``}
      ORDER BY d.id DESC LIMIT ${limit}`.execute(db)
  ).rows;
  return rows.map((r) => ({
    id: Number(r.id),
    provider: r.provider,
    deliveredOn: r.delivered_on,
    receivedAt: new Date(r.received_at).toISOString(),
    isPublic: r.is_public,
    jevy: (r.jevy ?? []).map(Number),
    featureCount: r.feature_count,
    actor: r.actor,
    note: r.note,
    synthetic: r.synthetic,
    superseded: (r.superseded ?? []).map(Number),
    parts: (typeof r.parts === 'string' ? JSON.parse(r.parts) : (r.parts ?? [])) as DeliveryRow['parts'],
    municipalities: (r.municipalities ?? []).map(Number).sort((a, b) => a - b),
  }));
}
