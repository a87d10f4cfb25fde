import Router from '@koa/router';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Context } from 'koa';
import { getLayer, type LayerSchema } from '../../schemas/index.ts';
import { BadParameter, NotFound } from '../problem.ts';
import { parseBbox, single } from '../features/params.ts';
import { parseDownloadName, type DownloadFormat } from './formats.ts';
import type { DownloadCache } from './cache.ts';
import { compileSelection, type ExportRequest } from './selection.ts';

function resolve(name: string): { layer: LayerSchema; format: DownloadFormat } {
  const parsed = parseDownloadName(name);
  const layer = parsed && getLayer(parsed.layerId);
  if (!parsed || !layer || layer.public === false) throw new NotFound(`no download named "${name.slice(0, 100)}"`);
  return { layer, format: parsed.format };
}

function parseMunicipality(raw: string): number {
  if (!/^\d{6}$/.test(raw)) throw new BadParameter('obec', 'a municipality is its six-digit RÚIAN code');
  return Number(raw);
}

/** CQL2 `filter` (text or JSON, as on the items API) as the export request carries it. */
function parseFilter(q: Record<string, string | string[] | undefined>): ExportRequest['cql2'] {
  const text = single(q, 'filter');
  if (text === undefined) return undefined;
  return { text, lang: single(q, 'filter-lang') ?? 'cql2-text', crs: single(q, 'filter-crs') };
}

/**
 * Downloads of whole layers and of one municipality's part, in five formats.
 * `bbox` and a CQL2 `filter` select features; such downloads are generated
 * for the request and not cached.
 */
export function downloadRoutes(cache: DownloadCache): Router {
  const router = new Router();

  const send = async (ctx: Context, layer: LayerSchema, format: DownloadFormat, municipality?: number) => {
    const q = ctx.query as Record<string, string | string[] | undefined>;
    const bbox = parseBbox(single(q, 'bbox'));
    const cql2 = parseFilter(q);
    if (municipality !== undefined && !layer.perMunicipality)
      throw new NotFound(`layer "${layer.id}" is not split by municipality`);
    // compiled here too, so a bad filter is the client's 400 before any file is started
    if (cql2) compileSelection(layer, { cql2 });
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Access-Control-Expose-Headers', 'ETag, Last-Modified, Content-Disposition, Content-Length');
    if (bbox || cql2) {
      let f: Awaited<ReturnType<DownloadCache['temporary']>>;
      try {
        f = await cache.temporary(layer, format, { municipality, bbox, cql2 });
      } catch (e) {
        // PostgreSQL refusing a value of the filter (bad date, bad geometry) is still the client's input
        if (String((e as { code?: string }).code ?? '').startsWith('22')) throw new BadParameter('filter', (e as Error).message);
        throw e;
      }
      ctx.type = format.mediaType;
      ctx.length = f.bytes;
      ctx.set('Content-Disposition', `attachment; filename="${f.name}"`);
      ctx.set('Cache-Control', 'no-store');
      const stream = createReadStream(f.path);
      stream.on('close', () => void rm(f.path, { force: true }));
      ctx.body = stream;
      return;
    }
    const f = await cache.get(layer, format, municipality);
    ctx.etag = f.sha256;
    ctx.lastModified = f.layerModified;
    ctx.set('Cache-Control', 'public, max-age=0, must-revalidate');
    ctx.set('Content-Disposition', `attachment; filename="${f.name}"`);
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.type = format.mediaType;
    ctx.length = f.bytes;
    ctx.body = ctx.method === 'HEAD' ? null : createReadStream(f.path);
  };

  router.get('/api/downloads/obec/:kod/:name', async (ctx: Context) => {
    const { layer, format } = resolve(ctx.params.name!);
    await send(ctx, layer, format, parseMunicipality(ctx.params.kod!));
  });
  router.get('/api/downloads/:name', async (ctx: Context) => {
    const { layer, format } = resolve(ctx.params.name!);
    await send(ctx, layer, format);
  });
  return router;
}
