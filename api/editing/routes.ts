import Router from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import { getLayer, type LayerSchema } from '../../schemas/index.ts';
import { NotFound } from '../problem.ts';
import { apiBase } from '../links.ts';
import { readJsonBody } from '../auth/body.ts';
import { requirePrincipal } from '../auth/middleware.ts';
import { mergePatch } from './merge-patch.ts';
import { etagOf, parseIfMatch } from './etag.ts';
import { createFeature, currentRow, deleteFeature, featureForPatch, replaceFeature, type WriteResult } from './features.ts';
import { PreconditionFailed } from './errors.ts';
import { POSITION_MEMBER } from './position.ts';

const GEOJSON = 'application/geo+json';
const FEATURE_TYPES = ['application/geo+json', 'application/json'];
const PATCH_TYPES = ['application/merge-patch+json', 'application/json'];
const MAX_FEATURE_BYTES = 5_000_000;

export function layerOr404(id: string): LayerSchema {
  const layer = getLayer(id);
  if (!layer) throw new NotFound(`collection "${id.slice(0, 100)}" does not exist`);
  return layer;
}

export function fidParam(raw: string | undefined): number {
  if (!raw || !/^\d{1,15}$/.test(raw)) throw new NotFound(`feature "${String(raw).slice(0, 40)}" does not exist`);
  return Number(raw);
}

function respond(ctx: Context, layer: LayerSchema, r: WriteResult, status: number): void {
  ctx.status = status;
  ctx.type = GEOJSON;
  ctx.set('ETag', etagOf(r.version));
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Location', `${apiBase(ctx)}/collections/${layer.id}/items/${r.fid}`);
  ctx.body = r.feature;
}

/**
 * OGC API – Features – Part 4 (Create, Replace, Update, Delete) on the
 * collections' items. Every write needs a signed-in user allowed on the layer
 * (and, for municipality editors, on the feature's municipality) and, except
 * create, the feature's current ETag in If-Match.
 */
export function editingRoutes(db: Kysely<any>): Router {
  const router = new Router();

  // the version a client must send back in If-Match; added to the read served by api/features
  // The version is read before the body: a write in between makes the ETag older than the body, so
  // a write based on it is refused (412). Read after, it could name a newer version than the body
  // shows, and a write of the older values would pass If-Match and silently undo that change.
  router.get('/api/collections/:id/items/:fid', async (ctx, next) => {
    const layer = getLayer(ctx.params.id!);
    const row = layer && /^\d{1,15}$/.test(ctx.params.fid!) ? await currentRow(db, layer, Number(ctx.params.fid), undefined, false) : undefined;
    await next();
    if (ctx.status === 200 && row) ctx.set('ETag', etagOf(row.version));
  });

  router.post('/api/collections/:id/items', async (ctx) => {
    const layer = layerOr404(ctx.params.id!);
    const p = requirePrincipal(ctx);
    const body = await readJsonBody(ctx, MAX_FEATURE_BYTES, FEATURE_TYPES);
    const key = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.exec(ctx.get('idempotency-key').trim())?.[0].toLowerCase();
    const r = await createFeature(db, layer, p, body, key);
    respond(ctx, layer, r, r.repeated ? 200 : 201);
  });

  router.put('/api/collections/:id/items/:fid', async (ctx) => {
    const layer = layerOr404(ctx.params.id!);
    const p = requirePrincipal(ctx);
    const fid = fidParam(ctx.params.fid);
    const expected = parseIfMatch(ctx);
    const body = await readJsonBody(ctx, MAX_FEATURE_BYTES, FEATURE_TYPES);
    respond(ctx, layer, await replaceFeature(db, layer, p, fid, body, expected), 200);
  });

  router.patch('/api/collections/:id/items/:fid', async (ctx) => {
    const layer = layerOr404(ctx.params.id!);
    const p = requirePrincipal(ctx);
    const fid = fidParam(ctx.params.fid);
    const expected = parseIfMatch(ctx);
    const patch = await readJsonBody(ctx, MAX_FEATURE_BYTES, PATCH_TYPES);
    const current = await featureForPatch(db, layer, fid, p);
    // the patch applies to the version the client named; a newer one is a 412, not a silent merge
    if (expected !== '*' && !expected.includes(current.version)) throw new PreconditionFailed(etagOf(current.version));
    const merged = mergePatch(current.doc, patch);
    // a patch that does not say how the location was captured keeps it only while the feature stays put
    // (a merge patch's null removes a member; for the position it means "unknown" from now on)
    if (typeof merged === 'object' && merged !== null && typeof patch === 'object' && patch !== null) {
      const given = (patch as Record<string, unknown>)[POSITION_MEMBER];
      // a position given replaces the stored one as a whole (how it was captured is one fact, not members to merge)
      if (given === undefined) delete (merged as Record<string, unknown>)[POSITION_MEMBER];
      else (merged as Record<string, unknown>)[POSITION_MEMBER] = given;
    }
    respond(ctx, layer, await replaceFeature(db, layer, p, fid, merged, [current.version]), 200);
  });

  router.delete('/api/collections/:id/items/:fid', async (ctx) => {
    const layer = layerOr404(ctx.params.id!);
    const p = requirePrincipal(ctx);
    const fid = fidParam(ctx.params.fid);
    const expected = parseIfMatch(ctx);
    await deleteFeature(db, layer, p, fid, expected);
    ctx.status = 204;
  });

  return router;
}

/** The write operations, for the OpenAPI document (api/openapi) to describe. */
export const EDITING_OPERATIONS = [
  { method: 'post', path: '/collections/{collectionId}/items', operationId: 'createFeature', summary: 'Create a feature (OGC API – Features – Part 4); body: GeoJSON Feature', tags: ['Editing'] },
  { method: 'put', path: '/collections/{collectionId}/items/{featureId}', operationId: 'replaceFeature', summary: 'Replace a feature; needs If-Match with its ETag', tags: ['Editing'] },
  { method: 'patch', path: '/collections/{collectionId}/items/{featureId}', operationId: 'updateFeature', summary: 'Update a feature with a JSON merge patch (RFC 7396); needs If-Match', tags: ['Editing'] },
  { method: 'delete', path: '/collections/{collectionId}/items/{featureId}', operationId: 'deleteFeature', summary: 'Delete a feature (restorable from its history); needs If-Match', tags: ['Editing'] },
  { method: 'get', path: '/collections/{collectionId}/items/{featureId}/history', operationId: 'featureHistory', summary: 'Every version of a feature with author, time, before and after', tags: ['History'] },
  { method: 'post', path: '/collections/{collectionId}/items/{featureId}/history/{version}/restore', operationId: 'restoreFeature', summary: 'Restore a version (itself an audited change)', tags: ['History'] },
  { method: 'get', path: '/collections/{collectionId}/items/{featureId}/attachments', operationId: 'listAttachments', summary: 'Photos and documents of a feature', tags: ['Editing'] },
  { method: 'post', path: '/collections/{collectionId}/items/{featureId}/attachments', operationId: 'addAttachment', summary: 'Attach a photo or PDF (raw body, ?name=)', tags: ['Editing'] },
  { method: 'get', path: '/attachments/{attachmentId}', operationId: 'getAttachment', summary: 'Download an attachment', tags: ['Editing'] },
  { method: 'post', path: '/auth/login', operationId: 'login', summary: 'Sign in with e-mail and password (sets the session cookie)', tags: ['Accounts'] },
  { method: 'post', path: '/auth/logout', operationId: 'logout', summary: 'Sign out', tags: ['Accounts'] },
  { method: 'get', path: '/auth/me', operationId: 'me', summary: 'The signed-in user and the CSRF token', tags: ['Accounts'] },
  { method: 'get', path: '/auth/tokens', operationId: 'listTokens', summary: 'Your API tokens', tags: ['Accounts'] },
  { method: 'post', path: '/auth/tokens', operationId: 'createToken', summary: 'Create an API token (shown once)', tags: ['Accounts'] },
  { method: 'delete', path: '/auth/tokens/{tokenId}', operationId: 'revokeToken', summary: 'Revoke an API token', tags: ['Accounts'] },
  { method: 'get', path: '/admin/users', operationId: 'listUsers', summary: 'Users (administrators)', tags: ['Accounts'] },
  { method: 'post', path: '/admin/users', operationId: 'createUser', summary: 'Create a user (administrators)', tags: ['Accounts'] },
  { method: 'patch', path: '/admin/users/{userId}', operationId: 'updateUser', summary: 'Change role, password or block a user (administrators)', tags: ['Accounts'] },
] as const;

