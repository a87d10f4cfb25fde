import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { getLayer, type LayerSchema } from '../../schemas/index.ts';
import type { Database } from '../../sql/connection.ts';
import { BadParameter, NotFound } from '../problem.ts';
import { apiBase } from '../links.ts';
import { layerMeta } from '../features/collections.ts';
import { encodeWithJs } from './encode-js.ts';
import { encodeWithPostgis } from './encode-postgis.ts';
import { tileColumns, type TileCoord } from './tile-query.ts';

const MVT = 'application/vnd.mapbox-vector-tile';

/** `a` or `a,b` → layer schemas; unknown ids are a 404 naming them. */
export function resolveLayers(ids: string): LayerSchema[] {
  const list = ids.split(',');
  if (list.length > 20) throw new BadParameter('collectionId', 'at most 20 collections per tile');
  return list.map((id) => {
    const l = getLayer(id);
    if (!l) throw new NotFound(`collection "${id.slice(0, 100)}" does not exist`);
    return l;
  });
}

export function parseTile(z: string, x: string, y: string): TileCoord {
  const ok = (s: string) => /^\d{1,8}$/.test(s);
  if (!ok(z) || !ok(x) || !ok(y)) throw new BadParameter('z/x/y', 'tile coordinates must be non-negative integers');
  const t = { z: Number(z), x: Number(x), y: Number(y) };
  if (t.z > 24) throw new BadParameter('z', 'zoom must be between 0 and 24');
  const n = 2 ** t.z;
  if (t.x >= n || t.y >= n) throw new BadParameter('x/y', `x and y must be below ${n} at zoom ${t.z}`);
  return t;
}

export function tileRoutes(database: Database): Router {
  const router = new Router();
  const encode = database.canEncodeMvt ? encodeWithPostgis : encodeWithJs;

  router.get('/api/tiles/:ids/:z/:x/:file', async (ctx: Context) => {
    const { ids, z, x, file } = ctx.params as Record<string, string>;
    const m = /^(\d+)\.(mvt|pbf)$/.exec(file!);
    if (!m) throw new NotFound('tiles are served as {z}/{x}/{y}.mvt');
    const t = parseTile(z!, x!, m[1]!);
    const layers = resolveLayers(ids!).filter((l) => t.z >= l.minZoom && t.z <= l.maxZoom);
    const body = layers.length ? await encode(database.db, layers, t) : Buffer.alloc(0);
    ctx.type = MVT;
    ctx.set('Cache-Control', 'public, max-age=60');
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = body;
  });

  router.get('/api/tiles/:file', async (ctx: Context) => {
    const m = /^(.+)\.json$/.exec((ctx.params as Record<string, string>).file!);
    if (!m) throw new NotFound('TileJSON is served at /api/tiles/{collectionId}.json');
    const layers = resolveLayers(m[1]!);
    const metas = await Promise.all(layers.map((l) => layerMeta(database.db, l)));
    const boxes = metas.map((mm) => mm.bbox).filter((b): b is [number, number, number, number] => b !== null);
    const bounds = boxes.length
      ? [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))]
      : [-180, -85.0511, 180, 85.0511];
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = {
      tilejson: '3.0.0',
      name: layers.map((l) => l.title.cs).join(', '),
      description: layers.map((l) => l.description.cs).join(' '),
      attribution: 'Statutární město Chomutov',
      scheme: 'xyz',
      tiles: [`${apiBase(ctx)}/tiles/${layers.map((l) => l.id).join(',')}/{z}/{x}/{y}.mvt`],
      minzoom: Math.min(...layers.map((l) => l.minZoom)),
      maxzoom: Math.max(...layers.map((l) => Math.min(l.maxZoom, 22))),
      bounds,
      center: [(bounds[0]! + bounds[2]!) / 2, (bounds[1]! + bounds[3]!) / 2, 11],
      vector_layers: layers.map((l) => ({
        id: l.id,
        description: l.title.cs,
        minzoom: l.minZoom,
        maxzoom: Math.min(l.maxZoom, 22),
        fields: Object.fromEntries(
          tileColumns(l).map((c) => {
            const a = l.attributes.find((x) => x.name === c.name);
            return [c.name, a ? `${a.type === 'integer' || a.type === 'number' ? 'Number' : a.type === 'boolean' ? 'Boolean' : 'String'}: ${a.label.cs}` : 'Number: kód obce (RÚIAN)'];
          }),
        ),
      })),
    };
  });
  return router;
}
