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

const GEOJSON = 'application/geo+json';

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function parseAsOf(raw: string): Date {
  // RFC 3339 date-time (or a bare date = its start, UTC)
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw)) throw new BadParameter('asOf', 'asOf must be an RFC 3339 timestamp, e.g. 2026-05-01T12:00:00Z');
  const d = new Date(raw);
  if (Number.isNaN(d.getTime())) throw new BadParameter('asOf', 'asOf is not a valid time');
  return d;
}

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
