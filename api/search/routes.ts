import type { Context } from 'koa';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { getLayer, layers, MUNICIPALITY_LAYER_ID, tableName, titleAttribute, type LayerSchema } from '../../schemas/index.ts';
import type { Database } from '../../sql/connection.ts';
import { BadParameter, NotFound } from '../problem.ts';
import { DocumentedRouter, problemResponse } from '../openapi/registry.ts';
import { single } from '../features/params.ts';
import { nearestAddress, searchWithAddresses } from './address.ts';

export interface SearchHit {
  layer: string;
  layerTitle: string;
  id: number;
  title: string;
  /** name of the municipality the feature lies in (for the municipality layer: itself) */
  municipality: string | null;
  municipalityCode: number | null;
  /** a point on the feature (lon, lat) to fly to */
  point: [number, number];
  bbox: [number, number, number, number];
  /** 0 exact, 1 prefix, 2 word prefix, 3 contained */
  rank: number;
}

const MAX_RESULTS = 50;

/** Public layers that have a title attribute (schema `isTitle`), municipalities first. */
function searchableLayers(only?: string[]): LayerSchema[] {
  const all = layers.filter((l) => l.public !== false && titleAttribute(l));
  const chosen = only ? all.filter((l) => only.includes(l.id)) : all;
  return chosen.sort((a, b) => Number(b.id === MUNICIPALITY_LAYER_ID) - Number(a.id === MUNICIPALITY_LAYER_ID));
}

/**
 * Case- and accent-insensitive search over feature titles and municipality
 * names. Both sides go through the SQL function geoportal_search_norm
 * (migration 0006), so PostgreSQL and PGlite rank identically.
 */
export async function search(db: Kysely<any>, q: string, limit: number, only?: string[]): Promise<SearchHit[]> {
  const tokens = q.split(/\s+/).filter(Boolean).slice(0, 6);
  const municipality = getLayer(MUNICIPALITY_LAYER_ID);
  const parts = searchableLayers(only).map((layer, order) => {
    const title = sql.ref(`t.${titleAttribute(layer)!.name}`);
    const norm = sql`geoportal_search_norm(${title})`;
    const nq = sql`geoportal_search_norm(${q})`;
    const conds = tokens.map((tok) => sql`${norm} LIKE '%' || geoportal_search_norm(${tok}) || '%'`);
    let muni: RawBuilder<unknown> = sql`NULL::text AS municipality, NULL::int AS municipality_code`;
    if (layer.id === MUNICIPALITY_LAYER_ID) muni = sql`${title}::text AS municipality, t.kod::int AS municipality_code`;
    else if (layer.perMunicipality && municipality)
      muni = sql`(SELECT o.${sql.raw(titleAttribute(municipality)!.name)}::text FROM ${sql.raw(tableName(municipality))} o WHERE o.kod = t.municipality_code LIMIT 1) AS municipality, t.municipality_code AS municipality_code`;
    return sql`(SELECT ${layer.id}::text AS layer, ${order}::int AS layer_order, t.fid, ${title}::text AS title, ${muni},
        CASE WHEN ${norm} = ${nq} THEN 0 WHEN ${norm} LIKE ${nq} || '%' THEN 1 WHEN ${norm} LIKE '% ' || ${nq} || '%' THEN 2 ELSE 3 END AS rank,
        ST_X(ST_PointOnSurface(t.geom)) AS px, ST_Y(ST_PointOnSurface(t.geom)) AS py,
        ST_XMin(t.geom) AS xmin, ST_YMin(t.geom) AS ymin, ST_XMax(t.geom) AS xmax, ST_YMax(t.geom) AS ymax
      FROM ${sql.raw(tableName(layer))} t WHERE ${sql.join(conds, sql` AND `)}
      ORDER BY rank, length(${title}), t.fid LIMIT ${limit})`;
  });
  if (parts.length === 0) return [];
  const r = await sql<{
    layer: string; fid: number; title: string; municipality: string | null; municipality_code: number | null; rank: number;
    px: number; py: number; xmin: number; ymin: number; xmax: number; ymax: number;
  }>`SELECT * FROM (${sql.join(parts, sql` UNION ALL `)}) h ORDER BY rank, layer_order, length(title), title, fid LIMIT ${limit}`.execute(db);
  return r.rows.map((row) => ({
    layer: row.layer,
    layerTitle: getLayer(row.layer)!.title.cs,
    id: row.fid,
    title: row.title,
    municipality: row.municipality,
    municipalityCode: row.municipality_code,
    point: [round(row.px), round(row.py)],
    bbox: [round(row.xmin), round(row.ymin), round(row.xmax), round(row.ymax)],
    rank: row.rank,
  }));
}

const round = (v: number) => Math.round(v * 1e7) / 1e7;

function coordinate(qs: Record<string, string | string[] | undefined>, name: 'lon' | 'lat', max: number): number {
  const raw = single(qs, name);
  const v = raw !== undefined && /^-?\d{1,3}(\.\d{1,12})?$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(v) || Math.abs(v) > max) throw new BadParameter(name, `${name} must be a number between -${max} and ${max}`);
  return v;
}

export function searchApi(database: Database): DocumentedRouter {
  const api = new DocumentedRouter();
  api.get(
    {
      path: '/search',
      operationId: 'search',
      summary: 'Search addresses, municipalities and feature names (case- and accent-insensitive, typo-tolerant for addresses, ranked)',
      tags: ['Search'],
      parameters: [
        { name: 'q', in: 'query', required: true, description: 'Text to find (2–100 characters)', schema: { type: 'string', minLength: 2, maxLength: 100 } },
        { name: 'limit', in: 'query', description: `Number of hits (1–${MAX_RESULTS})`, schema: { type: 'integer', minimum: 1, maximum: MAX_RESULTS, default: 10 } },
        { name: 'collections', in: 'query', description: 'Only these collections (comma-separated ids)', schema: { type: 'string' } },
        // sent by the portal's search box; the names searched are Czech whatever the language
        { name: 'lang', in: 'query', description: 'Language of the asking client (cs, en); hits carry the Czech names', schema: { type: 'string', enum: ['cs', 'en'] } },
      ],
      responses: { '200': { description: 'Hits, best first', content: { 'application/json': {} } }, '400': problemResponse('Invalid parameter') },
    },
    async (ctx: Context) => {
      const qs = ctx.query as Record<string, string | string[] | undefined>;
      const q = (single(qs, 'q') ?? '').trim();
      if (q.length < 2 || q.length > 100) throw new BadParameter('q', 'q must have 2 to 100 characters');
      const rawLimit = single(qs, 'limit') ?? '10';
      if (!/^\d{1,3}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_RESULTS)
        throw new BadParameter('limit', `limit must be between 1 and ${MAX_RESULTS}`);
      const coll = single(qs, 'collections');
      const only = coll?.split(',').map((s) => s.trim()).filter(Boolean);
      for (const id of only ?? []) if (!getLayer(id)) throw new BadParameter('collections', `unknown collection "${id.slice(0, 60)}"`);
      const hits = await searchWithAddresses(database.db, q, Number(rawLimit), only);
      ctx.set('Cache-Control', 'public, max-age=60');
      ctx.body = { query: q, hits };
    },
  );
  api.get(
    {
      path: '/search/reverse',
      operationId: 'searchReverse',
      summary: 'The address nearest to a point (RÚIAN address points)',
      tags: ['Search'],
      parameters: [
        { name: 'lon', in: 'query', required: true, description: 'Longitude (WGS 84)', schema: { type: 'number', minimum: -180, maximum: 180 } },
        { name: 'lat', in: 'query', required: true, description: 'Latitude (WGS 84)', schema: { type: 'number', minimum: -90, maximum: 90 } },
        { name: 'maxDistance', in: 'query', description: 'Farthest address to give, metres (1–5000)', schema: { type: 'number', minimum: 1, maximum: 5000, default: 500 } },
      ],
      responses: {
        '200': { description: 'The nearest address with its distance in metres', content: { 'application/json': {} } },
        '400': problemResponse('Invalid parameter'),
        '404': problemResponse('No address within maxDistance'),
      },
    },
    async (ctx: Context) => {
      const qs = ctx.query as Record<string, string | string[] | undefined>;
      const lon = coordinate(qs, 'lon', 180);
      const lat = coordinate(qs, 'lat', 90);
      const rawMax = single(qs, 'maxDistance') ?? '500';
      const maxDistance = Number(rawMax);
      if (!/^\d+(\.\d+)?$/.test(rawMax) || maxDistance < 1 || maxDistance > 5000) throw new BadParameter('maxDistance', 'maxDistance must be a number of metres between 1 and 5000');
      const hit = await nearestAddress(database.db, lon, lat, maxDistance);
      if (!hit) throw new NotFound(`no address within ${maxDistance} m of ${lon}, ${lat}`);
      ctx.set('Cache-Control', 'public, max-age=60');
      ctx.body = { query: { lon, lat }, hit };
    },
  );
  return api;
}
