import Router from '@koa/router';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import { JEVY, JEVY_SOURCE } from '../../schemas/uap/jevy.ts';
import { InputError } from '../../etl/errors.ts';
import { deliverUap, type UapPart } from '../../etl/uap/deliver.ts';
import { listDeliveries, municipalityName, uapState, DEFAULT_UAP_STALE_DAYS } from '../../etl/uap/state.ts';
import { BadParameter, HttpProblem, NotFound } from '../problem.ts';
import { Forbidden, requirePrincipal } from '../auth/middleware.ts';
import { actorOf, type Principal } from '../auth/principal.ts';

/** Largest delivery file taken over HTTP (a provider's whole ORP in one GeoPackage stays well below). */
export const MAX_UAP_UPLOAD_BYTES = 512 * 1024 * 1024;
const FILE_TYPES = /\.(zip|gpkg|geojson|json|fgb|csv)$/i;

/** ÚAP belongs to the planning department (plan_admin) and administrators. */
export function canManageUap(p: Principal): boolean {
  return p.role === 'plan_admin' || p.role === 'admin';
}

function requireUapStaff(ctx: Context): Principal {
  const p = requirePrincipal(ctx);
  if (!canManageUap(p)) throw new Forbidden('ÚAP is kept by the planning department (role plan_admin) and administrators');
  return p;
}

function one(ctx: Context, name: string): string | undefined {
  const v = ctx.query[name];
  if (Array.isArray(v)) throw new BadParameter(name, `${name} is given once`);
  return v === undefined || v === '' ? undefined : v;
}

function many(ctx: Context, name: string): string[] {
  const v = ctx.query[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** `73` or `72:stanice` (the jev and the GeoPackage layer or zipped file holding it) */
function partParam(raw: string): { jev: number; sourceLayer?: string } {
  const m = /^(\d{1,3})(?::(.{1,120}))?$/.exec(raw.trim());
  if (!m) throw new BadParameter('jev', 'jev is a number of the register, optionally with the layer holding it: jev=73 or jev=72:stanice');
  return { jev: Number(m[1]), sourceLayer: m[2] };
}

function booleanParam(ctx: Context, name: string): boolean {
  const v = one(ctx, name);
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new BadParameter(name, `${name} is true or false (the provider's terms: may the data be published?)`);
}

function municipalityParam(raw: string | undefined): number {
  if (!raw || !/^\d{6}$/.test(raw)) throw new BadParameter('kod', 'the path is /api/uap/{6-digit RÚIAN code of the municipality}');
  return Number(raw);
}

/** The uploaded file under a server temporary directory, named as the client named it (the readers go by the suffix). */
async function receiveFile(ctx: Context, name: string): Promise<{ dir: string; path: string }> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > MAX_UAP_UPLOAD_BYTES) throw new HttpProblem(413, 'Content Too Large', `a delivery file is limited to ${MAX_UAP_UPLOAD_BYTES / 1024 / 1024} MB`);
  const dir = await mkdtemp(join(tmpdir(), 'geoportal-uap-'));
  const path = join(dir, name);
  let size = 0;
  try {
    await pipeline(
      ctx.req,
      new Transform({
        transform(chunk: Buffer, _enc, cb) {
          size += chunk.length;
          if (size > MAX_UAP_UPLOAD_BYTES) cb(new HttpProblem(413, 'Content Too Large', `a delivery file is limited to ${MAX_UAP_UPLOAD_BYTES / 1024 / 1024} MB`));
          else cb(null, chunk);
        },
      }),
      createWriteStream(path, { mode: 0o600 }),
    );
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  if (size === 0) {
    await rm(dir, { recursive: true, force: true });
    throw new HttpProblem(400, 'Bad Request', 'the request body (the delivery file) is empty');
  }
  return { dir, path };
}

/**
 * ÚAP (api/uap): the register of phenomena (public), the deliveries and the state per
 * municipality (the planning department). A delivery is the raw file as the body and its
 * description in the query; it runs through the same ETL as pasport imports (etl/uap/deliver.ts).
 */
export function uapRoutes(db: Kysely<any>, opts: { staleAfterDays?: number } = {}): Router {
  const router = new Router();
  const staleAfterDays = opts.staleAfterDays ?? DEFAULT_UAP_STALE_DAYS;

  router.get('/api/uap/jevy', (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = { source: JEVY_SOURCE, count: JEVY.length, jevy: JEVY };
  });

  router.get('/api/uap/deliveries', async (ctx) => {
    requireUapStaff(ctx);
    const limitRaw = one(ctx, 'limit');
    const limit = limitRaw === undefined ? 100 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new BadParameter('limit', 'limit is 1–1000');
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = { deliveries: await listDeliveries(db, { provider: one(ctx, 'provider'), limit }) };
  });

  router.post('/api/uap/deliveries', async (ctx) => {
    const p = requireUapStaff(ctx);
    const provider = one(ctx, 'provider');
    if (!provider) throw new BadParameter('provider', 'provider (poskytovatel údajů) is required');
    const deliveredOn = one(ctx, 'deliveredOn') ?? new Date().toISOString().slice(0, 10);
    const isPublic = booleanParam(ctx, 'public');
    const parts = many(ctx, 'jev').map(partParam);
    if (parts.length === 0) throw new BadParameter('jev', 'name at least one jev: jev=73, or jev=72:stanice for a layer of the file');
    const municipalities = many(ctx, 'municipality').map((m) => {
      if (!/^\d{6}$/.test(m)) throw new BadParameter('municipality', 'municipality is a 6-digit RÚIAN code');
      return Number(m);
    });
    const name = (one(ctx, 'name') ?? '').split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f"]/g, '').trim();
    if (!FILE_TYPES.test(name)) throw new BadParameter('name', 'name is the file name with its suffix: .zip (zipped Shapefile), .gpkg, .geojson, .fgb or .csv');
    const srsRaw = one(ctx, 'srs');
    const srid = srsRaw === undefined ? undefined : Number(/^(?:EPSG:)?(\d{4,6})$/i.exec(srsRaw)?.[1] ?? NaN);
    if (srid !== undefined && !Number.isInteger(srid)) throw new BadParameter('srs', 'srs is an EPSG code, e.g. EPSG:5514');
    const encoding = one(ctx, 'encoding');
    const note = one(ctx, 'note');
    if (note && note.length > 1000) throw new BadParameter('note', 'note is at most 1000 characters');
    const { dir, path } = await receiveFile(ctx, name);
    try {
      const deliveryParts: UapPart[] = parts.map((x) => ({ jev: x.jev, path, sourceLayer: x.sourceLayer, srid, encoding, label: name }));
      const report = await deliverUap(db, { provider, deliveredOn, isPublic, parts: deliveryParts, actor: actorOf(p), note, municipalities: municipalities.length ? municipalities : undefined });
      ctx.status = 201;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        ...report,
        parts: report.parts.map((x) => ({ jev: x.jev, layer: x.layer, file: name, runId: x.run.runId, inserted: x.run.inserted, updated: x.run.updated, deleted: x.run.deleted, rejected: x.run.rejected, rejects: x.run.rejects.map((r) => ({ ...r, file: name })), warnings: x.run.warnings })),
      };
    } catch (e) {
      if (e instanceof InputError) {
        const run = (e as InputError & { report?: { rejects: unknown[] } }).report;
        throw new HttpProblem(422, 'Unprocessable Content', `the delivery was not recorded, nothing changed: ${e.message.replaceAll(dir, '')}`, { file: name, ...(run ? { rejects: run.rejects } : {}) });
      }
      throw e;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  router.get('/api/uap/:kod', async (ctx) => {
    requireUapStaff(ctx);
    const kod = municipalityParam(ctx.params.kod);
    const nazev = await municipalityName(db, kod);
    if (!nazev) throw new NotFound(`${kod} is not a municipality of ORP Chomutov`);
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = await uapState(db, kod, nazev, { staleAfterDays });
  });

  return router;
}
