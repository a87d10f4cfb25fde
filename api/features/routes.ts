import Router from '@koa/router';
import type { Context } from 'koa';
import { getLayer, layers, type LayerSchema } from '../../schemas/index.ts';
import type { Database } from '../../sql/connection.ts';
import { NotFound } from '../problem.ts';
import { apiBase, withQuery } from '../links.ts';
import { layerMeta, type LayerMeta } from './collections.ts';
import { queryItem, queryItems } from './items.ts';
import { parseBbox, parseCursor, parseLimit, single } from './params.ts';

const GEOJSON = 'application/geo+json';
const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';

export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
];

function collectionDoc(base: string, layer: LayerSchema, meta: LayerMeta) {
  return {
    id: layer.id,
    title: layer.title.cs,
    description: layer.description.cs,
    keywords: layer.keywords.cs,
    itemType: 'feature',
    crs: [CRS84],
    storageCrs: CRS84,
    extent: { spatial: { bbox: meta.bbox ? [meta.bbox] : [], crs: CRS84 } },
    links: [
      { href: `${base}/collections/${layer.id}`, rel: 'self', type: 'application/json', title: layer.title.cs },
      { href: `${base}/collections/${layer.id}/items`, rel: 'items', type: GEOJSON, title: layer.title.cs },
      { href: `${base}/tiles/${layer.id}.json`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector', type: 'application/json', title: 'TileJSON' },
    ],
  };
}

function layerOr404(id: string): LayerSchema {
  const layer = getLayer(id);
  if (!layer) throw new NotFound(`collection "${id.slice(0, 100)}" does not exist`);
  return layer;
}

export function featureRoutes(database: Database): Router {
  const router = new Router();
  const { db } = database;

  router.get('/api', (ctx: Context) => {
    const base = apiBase(ctx);
    ctx.body = {
      title: 'Geoportál Chomutov – API',
      description: 'OGC API – Features a vektorové dlaždice pasportů, územních plánů a čidel statutárního města Chomutov a ORP Chomutov.',
      links: [
        { href: base, rel: 'self', type: 'application/json', title: 'This document' },
        { href: `${base}/conformance`, rel: 'conformance', type: 'application/json', title: 'Conformance classes' },
        { href: `${base}/collections`, rel: 'data', type: 'application/json', title: 'Collections' },
        { href: `${base}/health`, rel: 'status', type: 'application/json', title: 'Health' },
      ],
    };
  });

  router.get('/api/conformance', (ctx: Context) => {
    ctx.body = { conformsTo: CONFORMANCE };
  });

  router.get('/api/collections', async (ctx: Context) => {
    const base = apiBase(ctx);
    const metas = await Promise.all(layers.map((l) => layerMeta(db, l)));
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = {
      links: [{ href: `${base}/collections`, rel: 'self', type: 'application/json' }],
      collections: layers.map((l, i) => collectionDoc(base, l, metas[i]!)),
    };
  });

  router.get('/api/collections/:id', async (ctx: Context) => {
    const layer = layerOr404(ctx.params.id!);
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = collectionDoc(apiBase(ctx), layer, await layerMeta(db, layer));
  });

  router.get('/api/collections/:id/items', async (ctx: Context) => {
    const layer = layerOr404(ctx.params.id!);
    const q = ctx.query as Record<string, string | string[] | undefined>;
    const limit = parseLimit(single(q, 'limit'));
    const bboxRaw = single(q, 'bbox');
    const bbox = parseBbox(bboxRaw);
    const after = parseCursor(single(q, 'cursor'));
    const r = await queryItems(db, layer, { bbox, limit, after });
    const self = `${apiBase(ctx)}/collections/${layer.id}/items`;
    const links = [
      { href: withQuery(self, { limit, bbox: bboxRaw, cursor: after }), rel: 'self', type: GEOJSON },
      { href: `${apiBase(ctx)}/collections/${layer.id}`, rel: 'collection', type: 'application/json' },
    ];
    if (r.more) links.push({ href: withQuery(self, { limit, bbox: bboxRaw, cursor: r.lastFid }), rel: 'next', type: GEOJSON });
    ctx.type = GEOJSON;
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Content-Crs', `<${CRS84}>`);
    ctx.body = `{"type":"FeatureCollection","numberMatched":${r.numberMatched},"numberReturned":${r.features.length},"timeStamp":${JSON.stringify(new Date().toISOString())},"links":${JSON.stringify(links)},"features":[${r.features.join(',')}]}`;
  });

  router.get('/api/collections/:id/items/:fid', async (ctx: Context) => {
    const layer = layerOr404(ctx.params.id!);
    const fid = ctx.params.fid!;
    const f = /^\d{1,15}$/.test(fid) ? await queryItem(db, layer, Number(fid)) : undefined;
    if (!f) throw new NotFound(`feature "${fid.slice(0, 40)}" does not exist in ${layer.id}`);
    const base = apiBase(ctx);
    const links = [
      { href: `${base}/collections/${layer.id}/items/${fid}`, rel: 'self', type: GEOJSON },
      { href: `${base}/collections/${layer.id}`, rel: 'collection', type: 'application/json' },
    ];
    ctx.type = GEOJSON;
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Content-Crs', `<${CRS84}>`);
    ctx.body = `${f.slice(0, -1)},"links":${JSON.stringify(links)}}`;
  });
  return router;
}
