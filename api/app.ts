import Koa from 'koa';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../sql/connection.ts';
import { problemMiddleware } from './problem.ts';
import { featureRoutes } from './features/routes.ts';
import { tileRoutes } from './tiles/routes.ts';
import { healthRoutes } from './health.ts';
import { DEFAULT_AUTH, type AuthConfig } from './auth/config.ts';
import { authMiddleware } from './auth/middleware.ts';
import { authRoutes } from './auth/routes.ts';
import { adminRoutes } from './admin/routes.ts';
import { editingRoutes } from './editing/routes.ts';
import { attachmentRoutes } from './editing/attachments.ts';
import { historyRoutes } from './history/routes.ts';
import { openData } from './catalog/mount.ts';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export interface AppOptions {
  database: Database;
  publicBaseUrl?: string;
  /** SvelteKit's request handler; everything outside /api goes to it */
  portal?: NodeHandler;
  /** extra routes mounted before the portal (the local CLI bridge) */
  extra?: Koa.Middleware[];
  /** accounts and sign-in (defaults: api/auth/config.ts) */
  auth?: AuthConfig;
  /** where attachments are stored (DATA_DIR) */
  dataDir?: string;
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
  const auth = opts.auth ?? DEFAULT_AUTH;
  app.use(authMiddleware(opts.database.db, auth));
  // before the read routes: they add the ETag to single items and answer ?asOf= reads
  for (const router of [authRoutes(opts.database.db, auth), adminRoutes(opts.database.db), historyRoutes(opts.database.db), editingRoutes(opts.database.db), attachmentRoutes(opts.database.db, opts.dataDir ?? 'data')]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
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
