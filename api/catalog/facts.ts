import { sql, type Kysely } from 'kysely';
import { getLayer, MUNICIPALITY_LAYER_ID, tableName, type LayerSchema } from '../../schemas/index.ts';

/** What the database knows about a layer that the catalogue and the dataset pages show. */
export interface LayerFacts {
  layer: LayerSchema;
  modified: Date;
  featureCount: number;
  /** RÚIAN codes of the municipalities the data covers */
  municipalities: number[];
  temporal?: { start?: string; end?: string };
  lastRun?: {
    id: number;
    source: string;
    finishedAt: Date;
    read: number;
    inserted: number;
    updated: number;
    deleted: number;
    rejected: number;
    warnings: number;
  };
}

export async function layerFacts(db: Kysely<any>, layer: LayerSchema): Promise<LayerFacts> {
  const t = sql.raw(tableName(layer));
  const state = await sql<{ modified_at: Date; n: number }>`
    SELECT modified_at, (SELECT count(*)::int FROM ${t}) AS n FROM layer_state WHERE layer_id = ${layer.id}`.execute(db);
  const obce = getLayer(MUNICIPALITY_LAYER_ID);
  let municipalities: number[] = [];
  if (layer.perMunicipality) {
    const r = await sql<{ k: number }>`SELECT DISTINCT municipality_code AS k FROM ${t} WHERE municipality_code IS NOT NULL ORDER BY 1`.execute(db);
    municipalities = r.rows.map((x) => x.k);
  } else if (layer.id === MUNICIPALITY_LAYER_ID) {
    const r = await sql<{ k: number }>`SELECT kod AS k FROM ${t} ORDER BY 1`.execute(db);
    municipalities = r.rows.map((x) => x.k);
  } else if (obce) {
    const r = await sql<{ k: number }>`SELECT o.kod AS k FROM ${sql.raw(tableName(obce))} o
      WHERE EXISTS (SELECT 1 FROM ${t} x WHERE x.geom && o.geom AND ST_Intersects(x.geom, o.geom)) ORDER BY 1`.execute(db);
    municipalities = r.rows.map((x) => x.k);
  }
  let temporal: LayerFacts['temporal'];
  if (layer.temporal) {
    const end = layer.temporal.end ? sql`to_char(max(${sql.ref(layer.temporal.end)}), 'YYYY-MM-DD')` : sql`NULL`;
    const r = await sql<{ s: string | null; e: string | null }>`
      SELECT to_char(min(${sql.ref(layer.temporal.start)}), 'YYYY-MM-DD') AS s, ${end} AS e FROM ${t}`.execute(db);
    temporal = { start: r.rows[0]?.s ?? undefined, end: r.rows[0]?.e ?? undefined };
  }
  const run = await sql<{
    id: number; source: string; finished_at: Date; read_count: number; inserted_count: number; updated_count: number;
    deleted_count: number; rejected_count: number; warnings: unknown;
  }>`SELECT id, source, finished_at, read_count, inserted_count, updated_count, deleted_count, rejected_count, warnings
     FROM etl_run WHERE layer_id = ${layer.id} AND status = 'succeeded' ORDER BY finished_at DESC NULLS LAST, id DESC LIMIT 1`.execute(db);
  const lr = run.rows[0];
  return {
    layer,
    modified: state.rows[0] ? new Date(state.rows[0].modified_at) : new Date(0),
    featureCount: state.rows[0]?.n ?? 0,
    municipalities,
    temporal,
    lastRun: lr && {
      id: lr.id,
      source: lr.source,
      finishedAt: new Date(lr.finished_at),
      read: lr.read_count,
      inserted: lr.inserted_count,
      updated: lr.updated_count,
      deleted: lr.deleted_count,
      rejected: lr.rejected_count,
      warnings: Array.isArray(lr.warnings) ? lr.warnings.length : 0,
    },
  };
}

export async function municipalityNames(db: Kysely<any>): Promise<Map<number, string>> {
  const obce = getLayer(MUNICIPALITY_LAYER_ID);
  if (!obce) return new Map();
  const r = await sql<{ kod: number; nazev: string }>`SELECT kod, nazev FROM ${sql.raw(tableName(obce))}`.execute(db);
  return new Map(r.rows.map((x) => [x.kod, x.nazev]));
}
