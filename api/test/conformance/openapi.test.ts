import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type Koa from 'koa';
import type Router from '@koa/router';
import type { Server } from 'node:http';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testBackends, openTestDatabase } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { createUser } from '../../auth/users.ts';
import { createApp } from '../../app.ts';
import { layers } from '../../../schemas/index.ts';

type Param = { name: string; in: string; example?: string | number; schema?: { enum?: unknown[] } };
type Op = { operationId: string; parameters?: Param[]; responses: Record<string, { content?: Record<string, unknown> }> };
type Doc = { paths: Record<string, Record<string, Op>> };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** `/api/collections/:id/items/:fid` and `/collections/{collectionId}/items/{featureId}` → `/collections/{}/items/{}` */
const IDS = new RegExp(`^/collections/(${layers.map((l) => l.id).join('|')})(?=/|$)`);
const shape = (p: string): string => (p.replace(/^\/api/, '').replace(/:\w+/g, '{}').replace(/\{\w+\}/g, '{}').replace(IDS, '/collections/{}') || '/');

/** Every (method, path) the app's routers register under /api. */
function registeredRoutes(app: Koa): Set<string> {
  const out = new Set<string>();
  for (const mw of app.middleware as (Koa.Middleware & { router?: Router })[]) {
    for (const layer of mw.router?.stack ?? []) {
      for (const m of layer.methods.map((x) => x.toLowerCase()).filter((x) => METHODS.includes(x))) out.add(`${m} ${shape(String(layer.path))}`);
    }
  }
  return out;
}

function documentedRoutes(doc: Doc): Set<string> {
  const out = new Set<string>();
  for (const [p, item] of Object.entries(doc.paths)) for (const m of Object.keys(item)) out.add(`${m} ${shape(p)}`);
  return out;
}

/**
 * The OpenAPI document lists only what the caller may read, documents every endpoint the server
 * has, and every documented GET path answers as documented (issue #15, point 6).
 */
describe.each(testBackends())('OpenAPI document on %s', (backend) => {
  let database: Database;
  let app: Koa;
  let server: Server;
  beforeAll(async () => {
    database = await openTestDatabase(backend, { seeded: true });
    await createUser(database.db, 'ctenar@chomutov.test', 'heslo-pro-test-1234', { role: 'reader' });
    app = createApp({ database });
    server = app.listen(0);
  });
  afterAll(async () => {
    server?.close();
    await database?.close();
  });

  it('shows anonymous callers only the public collections, and signed-in readers the others too', async () => {
    const anon = (await request(server).get('/api/openapi').expect(200)).body as Doc;
    const hidden = layers.filter((l) => l.public === false);
    expect(hidden.length).toBeGreaterThan(0);
    for (const l of hidden) {
      expect(Object.keys(anon.paths).filter((p) => p.includes(`/collections/${l.id}/`) || p.endsWith(`/collections/${l.id}`)), l.id).toEqual([]);
      expect(JSON.stringify(anon.paths['/collections/{collectionId}/items']), l.id).not.toContain(`"${l.id}"`);
      await request(server).get(`/api/collections/${l.id}`).expect(404);
    }
    const agent = request.agent(server);
    await agent.post('/api/auth/login').send({ email: 'ctenar@chomutov.test', password: 'heslo-pro-test-1234' }).expect(200);
    const res = await agent.get('/api/openapi').expect(200);
    expect(res.headers['cache-control']).toMatch(/private/);
    const signedIn = res.body as Doc;
    for (const l of hidden) expect(signedIn.paths[`/collections/${l.id}/items`], l.id).toBeTruthy();
  });

  it('documents every route the server has, and nothing it does not have', async () => {
    const doc = (await request(server).get('/api/openapi').expect(200)).body as Doc;
    const documented = documentedRoutes(doc);
    // the Swagger UI page's own script and assets belong to /docs
    const registered = [...registeredRoutes(app)].filter((r) => !r.startsWith('get /docs/'));
    expect(registered.length).toBeGreaterThan(40);
    expect(registered.filter((r) => !documented.has(r)), 'registered but not documented').toEqual([]);
    expect([...documented].filter((r) => !registered.includes(r)), 'documented but not registered').toEqual([]);
    for (const area of ['/collections/{}/items/{}/history', '/auth/login', '/sensors', '/alerts', '/downloads/{}', '/catalog', '/search', '/etl/runs', '/collections/{}/schema', '/collections/{}/sortables'])
      expect([...documented].some((r) => r.endsWith(` ${area}`)), area).toBe(true);
  });

  it('answers every documented GET path with a documented status and media type', async () => {
    const doc = (await request(server).get('/api/openapi').expect(200)).body as Doc;
    const port = (server.address() as AddressInfo).port;
    let called = 0;
    const problems: string[] = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      const op = item.get;
      if (!op) continue;
      const url = '/api' + (p === '/' ? '' : p).replace(/\{(\w+)\}/g, (_, name: string) => {
        const param = op.parameters?.find((x) => x.in === 'path' && x.name === name);
        const v = param?.example ?? param?.schema?.enum?.[0];
        if (v === undefined) throw new Error(`${p}: path parameter ${name} has no example`);
        return encodeURIComponent(String(v));
      });
      const ok = (status: number, type: string | undefined) => {
        const r = op.responses[String(status)];
        if (!r) problems.push(`${url}: status ${status} is not documented (${Object.keys(op.responses).join(', ')})`);
        else if (r.content && !Object.keys(r.content).some((t) => type?.startsWith(t))) problems.push(`${url}: ${status} ${type} not in ${Object.keys(r.content).join(', ')}`);
      };
      if (op.responses['200']?.content?.['text/event-stream']) {
        // a stream does not end: its status and type are checked from the head
        const head = await new Promise<{ status: number; type?: string }>((resolve, reject) => {
          const req = httpGet({ port, path: url }, (res) => {
            resolve({ status: res.statusCode!, type: res.headers['content-type'] });
            req.destroy();
          });
          req.on('error', reject);
        });
        ok(head.status, head.type);
      } else {
        const res = await request(server).get(url).redirects(0).buffer(true).parse((r, cb) => {
          r.on('data', () => {});
          r.on('end', () => cb(null, null));
        });
        ok(res.status, res.headers['content-type']);
      }
      called++;
    }
    expect(problems).toEqual([]);
    expect(called).toBeGreaterThan(40);
  });
});
