import Koa from 'koa';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../sql/connection.ts';
import { problemMiddleware } from './problem.ts';
import { featureRoutes } from './features/routes.ts';
import { tileRoutes } from './tiles/routes.ts';
import { healthRoutes } from './health.ts';
import { openData } from './catalog/mount.ts';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export interface AppOptions {
  database: Database;
  publicBaseUrl?: string;
  /** SvelteKit's request handler; everything outside /api goes to it */
  portal?: NodeHandler;
  /** extra routes mounted before the portal (the local CLI bridge) */
  extra?: Koa.Middleware[];
}

export function createApp(opts: AppOptions): Koa {
  const app = new Koa();
  app.proxy = true;
  app.on('error', (err: Error, ctx?: Koa.Context) => {
    console.error(JSON.stringify({ level: 'error', msg: err.message, path: ctx?.path, stack: err.stack?.split('\n').slice(0, 6) }));
  });
  app.use(async (ctx, next) => {
    ctx.state.publicBaseUrl = opts.publicBaseUrl;
    await next();
  });
  app.use(problemMiddleware);
  for (const mw of opts.extra ?? []) app.use(mw);
  // open data: DCAT-AP-CZ catalogue (api/catalog) and downloads (api/downloads)
  const openDataApi = openData(opts);
  app.use(openDataApi.cors);
  for (const router of openDataApi.routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  for (const router of [featureRoutes(opts.database), tileRoutes(opts.database), healthRoutes(opts.database)]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  if (opts.portal) {
    const portal = opts.portal;
    app.use(async (ctx, next) => {
      if (ctx.path === '/api' || ctx.path.startsWith('/api/')) return next();
      ctx.respond = false;
      await new Promise<void>((resolve) => {
        ctx.res.on('finish', resolve);
        ctx.res.on('close', resolve);
        portal(ctx.req, ctx.res, () => {
          ctx.res.statusCode = 404;
          ctx.res.end('Not found');
        });
      });
    });
  }
  return app;
}
