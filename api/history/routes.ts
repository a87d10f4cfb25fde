import Router from '@koa/router';
import type { Kysely } from 'kysely';
import { BadParameter, HttpProblem, NotFound } from '../problem.ts';
import { apiBase, withQuery } from '../links.ts';
import { requirePrincipal } from '../auth/middleware.ts';
import { parseBbox, parseLimit } from '../features/params.ts';
import { etagOf } from '../editing/etag.ts';
import { fidParam, layerOr404 } from '../editing/routes.ts';
import { restoreFeature } from '../editing/features.ts';
import { featureHistory, historyEntry, layerAsOf } from './history.ts';
import { parseAsOf, SETTLED_AFTER_MS } from './as-of.ts';
import { layerChanges, layerTimeline } from './changes.ts';

const GEOJSON = 'application/geo+json';

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export { parseAsOf } from './as-of.ts';

/** Per-feature history, restore, and reading a layer as of a past moment (all from feature_history). */
export function historyRoutes(db: Kysely<any>): Router {
  const router = new Router();

  router.get('/api/collections/:id/items', async (ctx, next) => {
    const raw = one(ctx.query.asOf as string | string[] | undefined);
    if (raw === undefined) return next();
    const layer = layerOr404(ctx.params.id!);
    if (layer.public === false) requirePrincipal(ctx);
    const at = parseAsOf(raw);
    const limit = parseLimit(one(ctx.query.limit as string | undefined));
    const bboxRaw = one(ctx.query.bbox as string | undefined);
    const cursorRaw = one(ctx.query.cursor as string | undefined);
    if (cursorRaw !== undefined && !/^\d{1,15}$/.test(cursorRaw)) throw new BadParameter('cursor', 'cursor must come from a next link');
    const r = await layerAsOf(db, layer, { at, limit, bbox: parseBbox(bboxRaw), after: cursorRaw === undefined ? undefined : Number(cursorRaw) });
    const self = `${apiBase(ctx)}/collections/${layer.id}/items`;
    const links = [{ href: withQuery(self, { asOf: raw, limit, bbox: bboxRaw, cursor: cursorRaw }), rel: 'self', type: GEOJSON }];
    if (r.more) links.push({ href: withQuery(self, { asOf: raw, limit, bbox: bboxRaw, cursor: r.lastFid }), rel: 'next', type: GEOJSON });
    ctx.type = GEOJSON;
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = `{"type":"FeatureCollection","asOf":${JSON.stringify(at.toISOString())},"numberReturned":${r.features.length},"links":${JSON.stringify(links)},"features":[${r.features.join(',')}]}`;
  });

  // time travel (issue 18.9): the moments a layer changed, and what differs between two instants
  router.get('/api/collections/:id/timeline', async (ctx) => {
    const layer = layerOr404(ctx.params.id!);
    if (layer.public === false) requirePrincipal(ctx);
    const moments = await layerTimeline(db, layer);
    ctx.set('Cache-Control', `${layer.public === false ? 'private' : 'public'}, max-age=10`);
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = { collection: layer.id, moments };
  });

  router.get('/api/collections/:id/changes', async (ctx) => {
    const layer = layerOr404(ctx.params.id!);
    if (layer.public === false) requirePrincipal(ctx);
    const rawFrom = one(ctx.query.from as string | string[] | undefined);
    const rawTo = one(ctx.query.to as string | string[] | undefined);
    if (rawFrom === undefined) throw new BadParameter('from', 'from (RFC 3339) is required');
    const from = parseAsOf(rawFrom);
    const to = rawTo === undefined ? new Date() : parseAsOf(rawTo);
    const rawMunicipality = one(ctx.query.municipality as string | undefined);
    if (rawMunicipality !== undefined && !/^\d{6}$/.test(rawMunicipality)) throw new BadParameter('municipality', 'municipality must be a six-digit RÚIAN code');
    const limit = parseLimit(one(ctx.query.limit as string | undefined));
    const r = await layerChanges(db, layer, { from, to, limit, municipality: rawMunicipality === undefined ? undefined : Number(rawMunicipality) });
    const settled = Math.max(from.getTime(), to.getTime()) < Date.now() - SETTLED_AFTER_MS;
    ctx.set('Cache-Control', `${layer.public === false ? 'private' : 'public'}, max-age=${settled ? 86400 : 10}`);
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.type = GEOJSON;
    ctx.body = `{"type":"FeatureCollection","from":${JSON.stringify(from.toISOString())},"to":${JSON.stringify(to.toISOString())},"counts":${JSON.stringify(r.counts)},"numberReturned":${r.features.length},"more":${r.more},"features":[${r.features.join(',')}]}`;
  });

  router.get('/api/collections/:id/items/:fid/history', async (ctx) => {
    const layer = layerOr404(ctx.params.id!);
    // authors are staff e-mails: history is for signed-in users only
    requirePrincipal(ctx);
    const fid = fidParam(ctx.params.fid);
    const entries = await featureHistory(db, layer, fid);
    if (entries.length === 0) throw new NotFound(`feature ${fid} of ${layer.id} has no history`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      collection: layer.id,
      featureId: fid,
      versions: entries.map((e) => ({
        version: e.version,
        op: e.op,
        actor: e.actor,
        actorEmail: e.actor_email,
        at: new Date(e.at).toISOString(),
        before: e.before,
        after: e.after,
      })),
    };
  });

  router.post('/api/collections/:id/items/:fid/history/:version/restore', async (ctx) => {
    const layer = layerOr404(ctx.params.id!);
    const p = requirePrincipal(ctx);
    const fid = fidParam(ctx.params.fid);
    const version = Number(ctx.params.version);
    const entry = Number.isInteger(version) ? await historyEntry(db, layer, fid, version) : undefined;
    if (!entry) throw new NotFound(`feature ${fid} of ${layer.id} has no version ${String(ctx.params.version).slice(0, 20)}`);
    // restoring a delete entry means restoring what was deleted
    const state = entry.after ?? entry.before;
    if (!state) throw new HttpProblem(422, 'Unprocessable Content', 'this version holds no state to restore');
    const ifMatch = ctx.get('if-match').trim();
    const expected = ifMatch === '' ? undefined : ifMatch === '*' ? '*' : ifMatch.split(',').map((s) => /^"(\d{1,20})"$/.exec(s.trim())?.[1]).filter((s): s is string => !!s);
    const r = await restoreFeature(db, layer, p, fid, state, expected);
    ctx.status = 200;
    ctx.type = GEOJSON;
    ctx.set('ETag', etagOf(r.version));
    ctx.body = r.feature;
  });

  return router;
}
