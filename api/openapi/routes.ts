import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { Context } from 'koa';
import { apiBase } from '../links.ts';
import { NotFound } from '../problem.ts';
import { negotiate } from '../features/negotiate.ts';
import { OPENAPI_TYPE, principal, readableLayers } from '../features/routes.ts';
import { buildOpenApi } from './document.ts';
import { DocumentedRouter } from './registry.ts';

const uiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
/** only these files of swagger-ui-dist are served (no directory listing, no path from the request) */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/** `/api/openapi` (generated) and `/api/docs` (Swagger UI served from the local npm package, works offline). */
export function openapiApi(documented: () => DocumentedRouter[]): DocumentedRouter {
  const api = new DocumentedRouter();
  const self = api;
  api.get(
    {
      path: '/openapi',
      operationId: 'getOpenApi',
      summary: 'This OpenAPI 3.0 document',
      tags: ['Capabilities'],
      parameters: [{ name: 'f', in: 'query', description: 'Format', schema: { type: 'string', enum: ['json'] } }],
      responses: { '200': { description: 'OpenAPI 3.0', content: { [OPENAPI_TYPE]: {} } } },
    },
    (ctx: Context) => {
      negotiate(ctx, { json: OPENAPI_TYPE });
      ctx.body = buildOpenApi(apiBase(ctx), [...documented(), self], readableLayers(ctx));
      ctx.type = OPENAPI_TYPE;
      // the document depends on who asks (non-public collections only for those who may read them)
      ctx.set('Cache-Control', principal(ctx) ? 'private, no-cache' : 'public, max-age=300');
      ctx.vary('Cookie');
      ctx.vary('Authorization');
    },
  );
  api.get(
    {
      path: '/docs',
      operationId: 'getApiDocs',
      summary: 'Interactive API documentation (HTML)',
      tags: ['Capabilities'],
      responses: { '200': { description: 'Swagger UI', content: { 'text/html': {} } } },
    },
    (ctx: Context) => {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = `<!doctype html>
<html lang="cs"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Geoportál Chomutov – dokumentace API</title>
<link rel="icon" href="docs/assets/favicon-32x32.png"><link rel="stylesheet" href="docs/assets/swagger-ui.css"></head>
<body><main id="swagger-ui"></main>
<script src="docs/assets/swagger-ui-bundle.js"></script><script src="docs/init.js"></script></body></html>`;
    },
  );
  // the page's own script, external so a strict CSP (no inline scripts) still works
  api.router.get('/api/docs/init.js', (ctx) => {
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.body = `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(`${apiBase(ctx)}/openapi`)}, dom_id: '#swagger-ui', deepLinking: true });`;
  });
  api.router.get('/api/docs/assets/:file', async (ctx) => {
    const file = ctx.params.file!;
    const type = ASSETS[file];
    if (!type) throw new NotFound(`no asset ${file.slice(0, 60)}`);
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = await readFile(join(uiDir, file));
  });
  return api;
}
