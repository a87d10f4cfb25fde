import Router from '@koa/router';
import cors from '@koa/cors';
import { createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { Store } from 'n3';
import { getLayer, type LayerSchema } from '../../schemas/index.ts';
import type { Database } from '../../sql/connection.ts';
import { catalogGraph, datasetGraph, serviceGraph } from '../../data-catalog/rdf.ts';
import { toJsonLd, toTurtle } from '../../data-catalog/serialize.ts';
import { catalogIri, type CatalogContext, type DatasetRecord, type ServiceId } from '../../data-catalog/records.ts';
import { datasetMetadata } from '../../data-catalog/metadata.ts';
import { extraDatasets } from '../../data-catalog/registry.ts';
import { NotFound } from '../problem.ts';
import { apiBase } from '../links.ts';
import type { DownloadCache } from '../downloads/cache.ts';
import {
  catalogEntries, datasetIri, extraDataset, layerDataset, layerSeries, municipalityDataset, publicLayers, schemaIri, services,
} from './build.ts';
import { layerJsonSchema } from './json-schema.ts';
import { portalDataset } from './portal.ts';
import { municipalityNames } from './facts.ts';
import { ofnBody } from './ofn.ts';

type Syntax = 'turtle' | 'jsonld';

/** `.ttl` / `.jsonld` suffix wins; otherwise the Accept header; JSON-LD by default. */
function negotiate(ctx: Context, name: string): { name: string; syntax: Syntax } {
  if (name.endsWith('.ttl')) return { name: name.slice(0, -4), syntax: 'turtle' };
  if (name.endsWith('.jsonld')) return { name: name.slice(0, -7), syntax: 'jsonld' };
  const best = ctx.accepts('application/ld+json', 'application/json', 'text/turtle');
  return { name, syntax: best === 'text/turtle' ? 'turtle' : 'jsonld' };
}

async function respond(ctx: Context, store: Store, mainIri: string, syntax: Syntax, modified: Date): Promise<void> {
  const body = syntax === 'turtle' ? await toTurtle(store) : JSON.stringify(await toJsonLd(store, mainIri), null, 2);
  ctx.vary('Accept');
  ctx.set('Cache-Control', 'public, max-age=0, must-revalidate');
  ctx.etag = createHash('sha256').update(syntax).update(body).digest('base64url').slice(0, 32);
  if (modified.getTime() > 0) ctx.lastModified = modified;
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.type = syntax === 'turtle' ? 'text/turtle; charset=utf-8' : 'application/ld+json; charset=utf-8';
  ctx.body = body;
}

/** CORS for everything open data: harvesters and browser apps of any origin may read it. */
export const openDataCors: Middleware = (() => {
  const c = cors({ origin: '*', allowMethods: 'GET,HEAD,OPTIONS', exposeHeaders: ['ETag', 'Last-Modified', 'Content-Disposition', 'Content-Length'] });
  return (ctx, next) => (ctx.path.startsWith('/api/catalog') || ctx.path.startsWith('/api/downloads') ? c(ctx, next) : next());
})();

export interface CatalogOptions {
  database: Database;
  cache: DownloadCache;
  /** https base of the catalogue's IRIs (PUBLIC_BASE_URL, else the default public address) */
  base: string;
  contactEmail: string;
}

/**
 * Signed-in staff see where an import read its data (server paths); the public only the source's
 * name. The answer then depends on the caller, so it must not be shared by caches.
 */
function staffView(ctx: Context): boolean {
  ctx.vary('Cookie');
  ctx.vary('Authorization');
  if (ctx.state.principal === undefined) return false;
  ctx.set('Cache-Control', 'private, no-store');
  return true;
}

function layerOr404(id: string): LayerSchema {
  const layer = getLayer(id);
  if (!layer || layer.public === false) throw new NotFound(`dataset "${id.slice(0, 100)}" does not exist`);
  return layer;
}

export function catalogRoutes(opts: CatalogOptions): Router {
  const router = new Router();
  const { db } = opts.database;
  const cctx: CatalogContext = { base: opts.base, contactEmail: opts.contactEmail };
  const latest = (xs: { modified: Date }[]) => new Date(Math.max(0, ...xs.map((x) => x.modified.getTime())));

  const catalog = async (ctx: Context, syntax: Syntax) => {
    const entries = await catalogEntries(db, cctx);
    await respond(ctx, catalogGraph(cctx, entries), catalogIri(cctx), syntax, latest(entries));
  };
  router.get('/api/catalog', (ctx) => catalog(ctx, negotiate(ctx, '').syntax));
  router.get('/api/catalog.ttl', (ctx) => catalog(ctx, 'turtle'));
  router.get('/api/catalog.jsonld', (ctx) => catalog(ctx, 'jsonld'));

  const dataset = async (ctx: Context, record: DatasetRecord, syntax: Syntax) => {
    const svc = services(cctx, [record.iri]);
    await respond(ctx, datasetGraph(cctx, record, svc), record.iri, syntax, record.modified);
  };

  router.get('/api/catalog/datasets/:name', async (ctx: Context) => {
    const { name, syntax } = negotiate(ctx, ctx.params.name!);
    const extra = extraDatasets().find((x) => x.id === name);
    const record = extra ? await extraDataset(cctx, extra) : await layerDataset(db, cctx, opts.cache, layerOr404(name));
    await dataset(ctx, record, syntax);
  });

  router.get('/api/catalog/datasets/:layer/obec/:kod', async (ctx: Context) => {
    const { name: kod, syntax } = negotiate(ctx, ctx.params.kod!);
    const layer = layerOr404(ctx.params.layer!);
    const record = /^\d{6}$/.test(kod) && datasetMetadata(layer).seriesByMunicipality
      ? await municipalityDataset(db, cctx, opts.cache, layer, Number(kod))
      : undefined;
    if (!record) throw new NotFound(`no data of "${layer.id}" for municipality "${kod.slice(0, 20)}"`);
    await dataset(ctx, record, syntax);
  });

  router.get('/api/catalog/series/:name', async (ctx: Context) => {
    const { name, syntax } = negotiate(ctx, ctx.params.name!);
    const layer = layerOr404(name);
    if (!datasetMetadata(layer).seriesByMunicipality) throw new NotFound(`"${layer.id}" is not a dataset series`);
    await dataset(ctx, await layerSeries(db, cctx, layer), syntax);
  });

  router.get('/api/catalog/services/:name', async (ctx: Context) => {
    const { name, syntax } = negotiate(ctx, ctx.params.name!);
    const serves = publicLayers().map((l) => datasetIri(cctx, l.id));
    const svc = services(cctx, serves).find((s) => s.id === (name as ServiceId));
    if (!svc) throw new NotFound(`no data service "${name.slice(0, 40)}"`);
    const hvdCategories = [...new Set(publicLayers().flatMap((l) => datasetMetadata(l).hvd ?? []))];
    await respond(ctx, serviceGraph(cctx, svc, hvdCategories), svc.iri, syntax, new Date(0));
  });

  router.get('/api/catalog/schemas/:name', (ctx: Context) => {
    const name = ctx.params.name!.replace(/\.json$/, '');
    const layer = layerOr404(name);
    ctx.type = 'application/schema+json';
    ctx.body = layerJsonSchema(layer, schemaIri(cctx, layer.id));
  });

  // the layer in the shape of its Czech open formal norm (schemas/ofn.ts), an extra distribution of its dataset
  router.get('/api/downloads/ofn/:name', async (ctx: Context) => {
    const id = ctx.params.name!.replace(/\.jsonld$/, '');
    const layer = layerOr404(id);
    if (!layer.ofn || !ctx.params.name!.endsWith('.jsonld')) throw new NotFound(`"${id.slice(0, 100)}" has no OFN distribution`);
    const body = await ofnBody(db, layer, cctx.base);
    ctx.set('Cache-Control', 'public, max-age=0, must-revalidate');
    // the SHA-256 the catalogue declares, as the other download files do
    ctx.etag = createHash('sha256').update(body).digest('hex');
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'application/ld+json; charset=utf-8';
    ctx.set('Content-Disposition', `attachment; filename="${layer.id}.ofn.jsonld"`);
    ctx.body = body;
  });

  // plain JSON for the portal's /data pages; links point at the serving origin so downloads work locally
  router.get('/api/catalog/portal.json', async (ctx: Context) => {
    const names = await municipalityNames(db);
    const datasets = [];
    const staff = staffView(ctx);
    for (const layer of publicLayers())
      datasets.push(await portalDataset(db, opts.cache, layer, { apiBase: apiBase(ctx), catalogIri: datasetIri(cctx, layer.id), names, generate: false, staff }));
    ctx.body = { datasets };
  });

  router.get('/api/catalog/portal/:name', async (ctx: Context) => {
    const layer = layerOr404(ctx.params.name!.replace(/\.json$/, ''));
    const q = ctx.query.obec;
    const municipality = typeof q === 'string' && /^\d{6}$/.test(q) && layer.perMunicipality ? Number(q) : undefined;
    const names = await municipalityNames(db);
    ctx.body = await portalDataset(db, opts.cache, layer, {
      apiBase: apiBase(ctx),
      catalogIri: datasetIri(cctx, layer.id, municipality),
      names,
      generate: true,
      municipality,
      staff: staffView(ctx),
    });
  });
  return router;
}
