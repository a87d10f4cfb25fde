import { sql, type Kysely } from 'kysely';
import type { Geometry } from 'geojson';
import { tableName, type LayerSchema } from '../../schemas/index.ts';
import type { JsonObject } from '../../schemas/ofn.ts';

/** Public layers that declare an OFN (schemas/ofn.ts), in registry order. */
export function ofnLayers(layers: readonly LayerSchema[]): LayerSchema[] {
  return layers.filter((l) => l.ofn !== undefined && l.public !== false);
}

export const ofnPath = (layer: LayerSchema) => `/api/downloads/ofn/${layer.id}.jsonld`;

/**
 * The layer in the shape of its OFN: a JSON array (the norm's list schema) of items, each with the
 * norm's JSON-LD context, as the OFN examples publish them. Attribute values are read by name from
 * the row (the mapping in schemas/ decides what it uses); geometry in WGS 84, 7 decimals (≈ 1 cm).
 */
export async function ofnDocument(db: Kysely<any>, layer: LayerSchema, base: string): Promise<JsonObject[]> {
  const mapping = layer.ofn;
  if (!mapping) return [];
  const rows = await sql<{ fid: string | number; municipality_code: number | null; props: Record<string, unknown>; geometry: string }>`
    SELECT t.fid, t.municipality_code, to_jsonb(t) - 'geom' AS props, ST_AsGeoJSON(t.geom, 7) AS geometry
    FROM ${sql.table(tableName(layer))} t ORDER BY t.fid`.execute(db);
  const out: JsonObject[] = [];
  for (const r of rows.rows) {
    const items = mapping.items({
      iri: `${base}/api/collections/${layer.id}/items/${r.fid}`,
      properties: r.props,
      geometry: JSON.parse(r.geometry) as Geometry,
      municipality: layer.perMunicipality && r.municipality_code !== null ? r.municipality_code : undefined,
    });
    for (const item of items) out.push({ '@context': mapping.norm.context, ...item });
  }
  return out;
}

/** The distribution's bytes: what the route serves and what the catalogue declares the size and SHA-256 of. */
export async function ofnBody(db: Kysely<any>, layer: LayerSchema, base: string): Promise<string> {
  return JSON.stringify(await ofnDocument(db, layer, base));
}
