import Router from '@koa/router';
import type { Middleware } from 'koa';

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
}

export interface ResponseDef {
  description: string;
  /** media type → JSON schema of the body */
  content?: Record<string, { schema?: Record<string, unknown> }>;
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
}

export interface OperationDef {
  /** OpenAPI path relative to /api, e.g. `/collections/{collectionId}/items` */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: ParameterDef[];
  responses: Record<string, ResponseDef>;
}

export class DocumentedRouter {
  readonly router = new Router();
  readonly operations: OperationDef[] = [];

  get(def: OperationDef, handler: Middleware): this {
    this.operations.push(def);
    this.router.get(koaPath(def.path), handler);
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
