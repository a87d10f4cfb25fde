import type { Context } from 'koa';
import type Router from '@koa/router';
import type { RawBuilder } from 'kysely';
import { getLayer, layers, type LayerSchema } from '../../schemas/index.ts';
import type { Database } from '../../sql/connection.ts';
import { BadParameter, NotFound } from '../problem.ts';
import { apiBase, withQuery } from '../links.ts';
import { DocumentedRouter, problemResponse, type ParameterDef } from '../openapi/registry.ts';
import { layerMeta, type LayerMeta } from './collections.ts';
import { decodeCursor, encodeCursor, queryItem, queryItems } from './items.ts';
import {
  bboxCondition,
  checkCursorValues,
  datetimeCondition,
  parseBbox,
  parseDatetime,
  parseLimit,
  parseProperties,
  parseSortby,
  single,
  DEFAULT_LIMIT,
  MAX_LIMIT,
} from './params.ts';
import { contentCrsHeader, CRS84, parseCrs, SUPPORTED_CRS } from './crs.ts';
import { negotiate } from './negotiate.ts';
import { canRead, type Principal } from '../auth/principal.ts';
import { compileCql2 } from './cql2/compile.ts';
import { parseCql2Text, type Cql2Json } from './cql2/parse-text.ts';
import { queryablesDoc, schemaDoc, sortablesDoc } from './queryables.ts';

export const GEOJSON = 'application/geo+json';
export const JSON_TYPE = 'application/json';
export const OPENAPI_TYPE = 'application/vnd.oai.openapi+json;version=3.0';
const JSON_OFFERS = { json: JSON_TYPE };
const GEOJSON_OFFERS = { json: GEOJSON, geojson: GEOJSON };

export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison',
  'http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus',
  'http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions',
  // not cql2 temporal-functions: T_MEETS, T_OVERLAPS, T_STARTS … (8 of its operators) are not implemented
  // (docs/api-conformance.md, the standard's examples in api/features/cql2/test)
  'http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting',
  // Part 5 Schemas: the standard's text names it OGC API – Common Part 3 (ogcapi-common-3); the
  // Features Part 5 URIs are declared as well (docs/api-conformance.md)
  ...['ogcapi-common-3', 'ogcapi-features-5'].flatMap((std) =>
    ['schemas', 'returnables-and-receivables', 'queryables', 'sortables'].map((c) => `http://www.opengis.net/spec/${std}/1.0/conf/${c}`),
  ),
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt',
];

const CRS_URIS = SUPPORTED_CRS.map((c) => c.uri);

export function temporalExtent(meta: LayerMeta): (string | null)[][] | undefined {
  return meta.temporal ? [meta.temporal] : undefined;
}

/**
 * The collection schema wants at least one bbox in a spatial extent, so a layer without data has
 * none (the schemas declare no area of their own); a temporal extent without a spatial one is kept.
 */
function collectionExtent(layer: LayerSchema, meta: LayerMeta): { extent?: Record<string, unknown> } {
  const extent: Record<string, unknown> = {};
  if (meta.bbox) extent.spatial = { bbox: [meta.bbox], crs: CRS84.uri };
  if (layer.temporal) extent.temporal = { interval: temporalExtent(meta) ?? [[null, null]], trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian' };
  return Object.keys(extent).length ? { extent } : {};
}

function collectionDoc(base: string, layer: LayerSchema, meta: LayerMeta) {
  const self = `${base}/collections/${layer.id}`;
  return {
    id: layer.id,
    title: layer.title.cs,
    description: layer.description.cs,
    keywords: layer.keywords.cs,
    itemType: 'feature',
    // last successful import or edit of the layer (moves with every committed change)
    updated: meta.modifiedAt.toISOString(),
    crs: CRS_URIS,
    storageCrs: CRS84.uri,
    ...collectionExtent(layer, meta),
    links: [
      { href: self, rel: 'self', type: JSON_TYPE, title: layer.title.cs },
      { href: `${self}/items`, rel: 'items', type: GEOJSON, title: layer.title.cs },
      { href: `${self}/queryables`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables', type: 'application/schema+json', title: 'Queryables' },
      { href: `${self}/schema`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/schema', type: 'application/schema+json', title: 'Schema' },
      { href: `${self}/sortables`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/sortables', type: 'application/schema+json', title: 'Sortables' },
      // GDAL 3.6 looks for the short relation name
      { href: `${self}/queryables`, rel: 'queryables', type: 'application/schema+json', title: 'Queryables' },
      { href: `${self}/tiles`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector', type: JSON_TYPE, title: 'Vector tilesets (OGC API – Tiles)' },
      { href: `${base}/tiles/${layer.id}.json`, rel: 'describedby', type: JSON_TYPE, title: 'TileJSON' },
    ],
  };
}

/** The layer of a request; non-public layers exist only for signed-in users (api/auth). */
export function layerOr404(id: string, ctx: Context): LayerSchema {
  const layer = getLayer(id);
  if (!layer || !canRead(principal(ctx), layer)) throw new NotFound(`collection "${id.slice(0, 100)}" does not exist`);
  return layer;
}

export function principal(ctx: Context): Principal | undefined {
  return (ctx.state as { principal?: Principal }).principal;
}

/** The layers this request may read. */
export function readableLayers(ctx: Context): LayerSchema[] {
  return layers.filter((l) => canRead(principal(ctx), l));
}

const q = (name: string, description: string, schema: Record<string, unknown>, extra: Partial<ParameterDef> = {}): ParameterDef => ({
  name,
  in: 'query',
  description,
  schema,
  ...extra,
});
const P_F_JSON = q('f', 'Format (overrides Accept)', { type: 'string', enum: ['json'] });
const P_COLLECTION: ParameterDef = { name: 'collectionId', in: 'path', required: true, description: 'Collection (layer) id', schema: { type: 'string' } };
const P_CRS = q('crs', 'CRS of the returned geometries', { type: 'string', format: 'uri', enum: CRS_URIS, default: CRS84.uri });
export const ITEMS_PARAMETERS: ParameterDef[] = [
  q('limit', `Page size; larger values are not an error, a page holds at most ${MAX_LIMIT} features`, { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT }),
  q('bbox', 'minx,miny,maxx,maxy (4 or 6 numbers) in bbox-crs', { type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } }, { style: 'form', explode: false }),
  q('bbox-crs', 'CRS of bbox', { type: 'string', format: 'uri', enum: CRS_URIS, default: CRS84.uri }),
  q('datetime', 'Instant or interval (start/end, `..` open) for time-bearing collections', { type: 'string' }),
  P_CRS,
  q('filter', 'CQL2 filter', { type: 'string' }),
  // `cql-text` is the pre-standard name GDAL 3.6 looks for
  q('filter-lang', 'Language of filter', { type: 'string', enum: ['cql2-text', 'cql2-json', 'cql-text'], default: 'cql2-text' }),
  q('filter-crs', 'CRS of geometry literals in filter', { type: 'string', format: 'uri', enum: CRS_URIS, default: CRS84.uri }),
  q('properties', 'Comma-separated properties to return', { type: 'array', items: { type: 'string' } }, { style: 'form', explode: false }),
  q('sortby', 'Sort keys, `+name` or `-name`, comma-separated', { type: 'array', items: { type: 'string' } }, { style: 'form', explode: false }),
  q('cursor', 'Paging position; use the next/prev links', { type: 'string' }),
  q('f', 'Format (overrides Accept)', { type: 'string', enum: ['json', 'geojson'] }),
  // answered by api/history (the layer as it was); listed here so it is documented and known
  q('asOf', 'The collection as it was at this RFC 3339 time (from the edit history); with limit, bbox and cursor only', { type: 'string', format: 'date-time' }),
];
const BAD = { '400': problemResponse('Invalid parameter (the problem names it)') };
const NOT_FOUND = { '404': problemResponse('No such resource') };
const CONTENT_CRS = { 'Content-Crs': { description: 'CRS of the geometries', schema: { type: 'string' } } };

function filterFrom(qs: Record<string, string | string[] | undefined>, layer: LayerSchema): RawBuilder<unknown> | undefined {
  const text = single(qs, 'filter');
  if (text === undefined) return undefined;
  const lang = single(qs, 'filter-lang') ?? 'cql2-text';
  let tree: Cql2Json;
  if (lang === 'cql2-text' || lang === 'cql-text') tree = parseCql2Text(text);
  else if (lang === 'cql2-json') {
    if (text.length > 16_000) throw new BadParameter('filter', 'filter is too long');
    try {
      tree = JSON.parse(text) as Cql2Json;
    } catch {
      throw new BadParameter('filter', 'filter is not valid JSON');
    }
  } else throw new BadParameter('filter-lang', 'filter-lang must be cql2-text or cql2-json');
  return compileCql2(tree, { layer, filterCrs: parseCrs('filter-crs', single(qs, 'filter-crs')) });
}

/** PostGIS/PostgreSQL refusing a value the checks let through is still the client's input: 400, not 500. */
function isDataError(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? '';
  return code.startsWith('22') || (code === 'XX000' && /geom|lwgeom|GEOS|transform|coordinate/i.test(String((e as Error).message)));
}

export interface FeatureApiOptions {
  /** ITEMS_EXACT_COUNT_MAX: matches counted exactly up to this many, estimated beyond (default 100,000) */
  exactCountMax?: number;
}

/** ITEMS_EXACT_COUNT_MAX's default: a count of this many rows by an index takes a few tens of ms */
export const DEFAULT_EXACT_COUNT_MAX = 100_000;

export function featureApi(database: Database, opts: FeatureApiOptions = {}): DocumentedRouter {
  const api = new DocumentedRouter();
  const { db } = database;

  api.get(
    {
      path: '/',
      operationId: 'getLandingPage',
      summary: 'Landing page',
      tags: ['Capabilities'],
      parameters: [P_F_JSON],
      responses: { '200': { description: 'Links to the API', content: { [JSON_TYPE]: {} } } },
    },
    (ctx: Context) => {
      ctx.type = negotiate(ctx, JSON_OFFERS);
      const base = apiBase(ctx);
      ctx.body = {
        title: 'Geoportál Chomutov – API',
        description: 'OGC API – Features a vektorové dlaždice pasportů, územních plánů a čidel statutárního města Chomutov a ORP Chomutov.',
        links: [
          { href: base, rel: 'self', type: JSON_TYPE, title: 'This document' },
          { href: `${base}/openapi`, rel: 'service-desc', type: OPENAPI_TYPE, title: 'OpenAPI 3.0 definition' },
          { href: `${base}/docs`, rel: 'service-doc', type: 'text/html', title: 'Interactive API documentation' },
          { href: `${base}/conformance`, rel: 'conformance', type: JSON_TYPE, title: 'Conformance classes' },
          { href: `${base}/collections`, rel: 'data', type: JSON_TYPE, title: 'Collections' },
          { href: `${base}/search`, rel: 'search', type: JSON_TYPE, title: 'Search features and municipalities' },
          { href: `${base}/health`, rel: 'status', type: JSON_TYPE, title: 'Health' },
        ],
      };
    },
  );

  api.get(
    {
      path: '/conformance',
      operationId: 'getConformance',
      summary: 'Conformance classes',
      tags: ['Capabilities'],
      parameters: [P_F_JSON],
      responses: { '200': { description: 'The conformance classes implemented', content: { [JSON_TYPE]: {} } } },
    },
    (ctx: Context) => {
      ctx.type = negotiate(ctx, JSON_OFFERS);
      ctx.body = { conformsTo: CONFORMANCE };
    },
  );

  api.get(
    {
      path: '/collections',
      operationId: 'getCollections',
      summary: 'The collections (layers)',
      tags: ['Capabilities'],
      parameters: [P_F_JSON],
      responses: { '200': { description: 'Collections with extents', content: { [JSON_TYPE]: {} } } },
    },
    async (ctx: Context) => {
      ctx.type = negotiate(ctx, JSON_OFFERS);
      const base = apiBase(ctx);
      const visible = readableLayers(ctx);
      const metas = await Promise.all(visible.map((l) => layerMeta(db, l)));
      ctx.body = {
        links: [{ href: `${base}/collections`, rel: 'self', type: JSON_TYPE }],
        crs: CRS_URIS,
        collections: visible.map((l, i) => collectionDoc(base, l, metas[i]!)),
      };
    },
  );

  api.get(
    {
      path: '/collections/{collectionId}',
      operationId: 'describeCollection',
      summary: 'One collection',
      tags: ['Capabilities'],
      parameters: [P_COLLECTION, P_F_JSON],
      responses: { '200': { description: 'The collection', content: { [JSON_TYPE]: {} } }, ...NOT_FOUND },
    },
    async (ctx: Context) => {
      const layer = layerOr404(ctx.params.collectionId!, ctx);
      ctx.type = negotiate(ctx, JSON_OFFERS);
      ctx.body = collectionDoc(apiBase(ctx), layer, await layerMeta(db, layer));
    },
  );

  api.get(
    {
      path: '/collections/{collectionId}/queryables',
      operationId: 'getQueryables',
      summary: 'Properties usable in filters (JSON Schema, from schemas/)',
      tags: ['Filtering'],
      parameters: [P_COLLECTION, P_F_JSON],
      responses: { '200': { description: 'Queryables', content: { 'application/schema+json': {} } }, ...NOT_FOUND },
    },
    (ctx: Context) => {
      const layer = layerOr404(ctx.params.collectionId!, ctx);
      negotiate(ctx, { json: 'application/schema+json' });
      // clients that ask for plain JSON (GDAL) get it labelled so
      ctx.type = ctx.query.f === undefined && ctx.accepts('application/schema+json', JSON_TYPE) === JSON_TYPE ? JSON_TYPE : 'application/schema+json';
      ctx.body = queryablesDoc(layer, `${apiBase(ctx)}/collections/${layer.id}/queryables`);
    },
  );

  // OGC API – Features Part 5: the collection's schema and sortables, JSON Schema like the queryables
  for (const [kind, doc, summary] of [
    ['schema', schemaDoc, 'Schema of the features, returned and received (JSON Schema, from schemas/)'],
    ['sortables', sortablesDoc, 'Properties usable in sortby (JSON Schema, from schemas/)'],
  ] as const) {
    api.get(
      {
        path: `/collections/{collectionId}/${kind}`,
        operationId: kind === 'schema' ? 'getSchema' : 'getSortables',
        summary,
        tags: [kind === 'schema' ? 'Capabilities' : 'Filtering'],
        parameters: [P_COLLECTION, P_F_JSON],
        responses: { '200': { description: summary, content: { 'application/schema+json': {} } }, ...NOT_FOUND },
      },
      (ctx: Context) => {
        const layer = layerOr404(ctx.params.collectionId!, ctx);
        negotiate(ctx, { json: 'application/schema+json' });
        ctx.type = 'application/schema+json';
        ctx.body = doc(layer, `${apiBase(ctx)}/collections/${layer.id}/${kind}`);
      },
    );
  }

  api.get(
    {
      path: '/collections/{collectionId}/items',
      operationId: 'getFeatures',
      summary: 'Features of a collection',
      tags: ['Data'],
      parameters: [P_COLLECTION, ...ITEMS_PARAMETERS],
      responses: {
        '200': { description: 'GeoJSON FeatureCollection', content: { [GEOJSON]: { schema: { $ref: '#/components/schemas/FeatureCollection' } } }, headers: CONTENT_CRS },
        ...BAD,
        ...NOT_FOUND,
      },
    },
    async (ctx: Context) => {
      const layer = layerOr404(ctx.params.collectionId!, ctx);
      const qs = ctx.query as Record<string, string | string[] | undefined>;
      ctx.type = negotiate(ctx, GEOJSON_OFFERS);
      const limit = parseLimit(single(qs, 'limit'));
      const crs = parseCrs('crs', single(qs, 'crs'));
      const bboxCrs = parseCrs('bbox-crs', single(qs, 'bbox-crs'));
      const bbox = parseBbox(single(qs, 'bbox'), bboxCrs);
      const datetime = parseDatetime(single(qs, 'datetime'));
      const properties = parseProperties(single(qs, 'properties'), layer);
      const sortby = parseSortby(single(qs, 'sortby'), layer);
      const cursor = decodeCursor(single(qs, 'cursor'), sortby.length);
      checkCursorValues(cursor, sortby);
      const filters: RawBuilder<unknown>[] = [];
      if (bbox) filters.push(bboxCondition(bbox, bboxCrs, layer.geometryType));
      const dt = datetime && datetimeCondition(layer, datetime);
      if (dt) filters.push(dt);
      const cql = filterFrom(qs, layer);
      if (cql) filters.push(cql);
      let r;
      try {
        r = await queryItems(db, layer, { limit, filters, crs, properties, sortby, cursor, exactCountMax: opts.exactCountMax ?? DEFAULT_EXACT_COUNT_MAX });
      } catch (e) {
        if (isDataError(e)) throw new BadParameter(cql ? 'filter' : 'bbox', `the database refused a value: ${(e as Error).message.slice(0, 200)}`);
        throw e;
      }
      const base = apiBase(ctx);
      const self = `${base}/collections/${layer.id}/items`;
      // links repeat every parameter the client gave, with the cursor replaced
      const keep = Object.fromEntries(Object.entries(qs).filter(([k, v]) => k !== 'cursor' && typeof v === 'string')) as Record<string, string>;
      const links = [
        { href: withQuery(self, { ...keep, cursor: cursor && encodeCursor(cursor) }), rel: 'self', type: GEOJSON },
        { href: `${base}/collections/${layer.id}`, rel: 'collection', type: JSON_TYPE },
      ];
      if (r.next) links.push({ href: withQuery(self, { ...keep, cursor: encodeCursor(r.next) }), rel: 'next', type: GEOJSON });
      if (r.prev) links.push({ href: withQuery(self, { ...keep, cursor: encodeCursor(r.prev) }), rel: 'prev', type: GEOJSON });
      ctx.set('Content-Crs', contentCrsHeader(crs));
      // OGC API - Features: numberMatched, when present, is the exact count (/req/core/fc-numberMatched);
      // beyond ITEMS_EXACT_COUNT_MAX it is left out and the estimate travels in a member of our own
      const matched = r.numberMatched !== undefined ? `"numberMatched":${r.numberMatched}` : `"numberMatchedEstimate":${r.numberMatchedEstimate}`;
      const head = `{"type":"FeatureCollection",${matched},"numberReturned":${r.numberReturned},"timeStamp":${JSON.stringify(new Date().toISOString())},"links":${JSON.stringify(links)},"features":[`;
      ctx.body = Buffer.concat([Buffer.from(head), r.featuresJson, Buffer.from(']}')]);
      ctx.type = GEOJSON;
    },
  );

  api.get(
    {
      path: '/collections/{collectionId}/items/{featureId}',
      operationId: 'getFeature',
      summary: 'One feature',
      tags: ['Data'],
      parameters: [P_COLLECTION, { name: 'featureId', in: 'path', required: true, description: 'Feature id', schema: { type: 'integer' }, example: 1 }, P_CRS, ITEMS_PARAMETERS.find((p) => p.name === 'properties')!, ITEMS_PARAMETERS.at(-1)!],
      responses: { '200': { description: 'GeoJSON Feature', content: { [GEOJSON]: {} }, headers: CONTENT_CRS }, ...BAD, ...NOT_FOUND },
    },
    async (ctx: Context) => {
      const layer = layerOr404(ctx.params.collectionId!, ctx);
      const qs = ctx.query as Record<string, string | string[] | undefined>;
      ctx.type = negotiate(ctx, GEOJSON_OFFERS);
      const crs = parseCrs('crs', single(qs, 'crs'));
      const properties = parseProperties(single(qs, 'properties'), layer);
      const fid = ctx.params.featureId!;
      const f = /^\d{1,15}$/.test(fid) ? await queryItem(db, layer, Number(fid), crs, properties) : undefined;
      if (!f) throw new NotFound(`feature "${fid.slice(0, 40)}" does not exist in ${layer.id}`);
      const base = apiBase(ctx);
      const links = [
        { href: `${base}/collections/${layer.id}/items/${fid}`, rel: 'self', type: GEOJSON },
        { href: `${base}/collections/${layer.id}`, rel: 'collection', type: JSON_TYPE },
      ];
      ctx.type = GEOJSON;
      ctx.set('Content-Crs', contentCrsHeader(crs));
      ctx.body = `${f.slice(0, -1)},"links":${JSON.stringify(links)}}`;
    },
  );
  return api;
}

