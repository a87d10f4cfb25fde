import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { BadParameter } from '../problem.ts';

/**
 * Routes are declared once, with their OpenAPI description; the same
 * declaration registers the Koa handler and feeds the generated OpenAPI
 * document, so the document cannot drift from what is served.
 */
export interface ParameterDef {
  name: string;
  in: 'query' | 'path' | 'header';
  description: string;
  required?: boolean;
  schema: Record<string, unknown>;
  style?: 'form' | 'simple';
  explode?: boolean;
  /** a value that works (the test walking the document calls each GET path with it) */
  example?: string | number;
}

export interface ResponseDef {
  description: string;
  /** media type → JSON schema of the body */
  content?: Record<string, { schema?: Record<string, unknown> }>;
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
}

export interface OperationDef {
  /** default `get` (DocumentedRouter registers only GET; other methods are declared in endpoints.ts) */
  method?: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path relative to /api, e.g. `/collections/{collectionId}/items` */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: ParameterDef[];
  responses: Record<string, ResponseDef>;
  /**
   * Query parameters the declaration does not list answer 400 (OGC API Features Part 1,
   * Req /req/core/query-param-unknown). `ignore` keeps them harmless instead, for URLs that
   * clients decorate with cache-busters (map tiles: `?v=` of the portal's editor).
   */
  unknownParameters?: 'reject' | 'ignore';
}

export class DocumentedRouter {
  readonly router = new Router();
  readonly operations: OperationDef[] = [];

  get(def: OperationDef, handler: Middleware): this {
    this.operations.push(def);
    const known = new Set(queryParameterNames(def));
    const check = def.unknownParameters === 'ignore' ? undefined : (ctx: Context) => rejectUnknownParameters(ctx.query, known);
    this.router.get(koaPath(def.path), check ? async (ctx, next) => {
      check(ctx);
      return handler(ctx, next);
    } : handler);
    return this;
  }
}

/** `/collections/{collectionId}` → `/api/collections/:collectionId` */
export function koaPath(openapiPath: string): string {
  return `/api${openapiPath === '/' ? '' : openapiPath.replace(/\{(\w+)\}/g, ':$1')}`;
}

export const PROBLEM = 'application/problem+json';

export function problemResponse(description: string): ResponseDef {
  return { description, content: { [PROBLEM]: { schema: { $ref: '#/components/schemas/Problem' } } } };
}

/** The query parameters a declaration knows: the same list the OpenAPI document is generated from. */
export function queryParameterNames(def: OperationDef): string[] {
  return (def.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
}

export function rejectUnknownParameters(query: Record<string, unknown>, known: ReadonlySet<string>): void {
  for (const name of Object.keys(query)) {
    if (!known.has(name))
      throw new BadParameter(name.slice(0, 60), `unknown parameter "${name.slice(0, 60)}"; this operation knows ${known.size ? [...known].join(', ') : 'no query parameters'}`);
  }
}
