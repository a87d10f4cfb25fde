import type { LayerSchema } from '../../schemas/index.ts';
import { ENDPOINTS } from './endpoints.ts';
import { propertiesJsonSchema } from '../features/queryables.ts';
import type { DocumentedRouter, OperationDef, ParameterDef } from './registry.ts';

/**
 * The OpenAPI 3.0 document, generated from the route declarations
 * (DocumentedRouter, and endpoints.ts for the plain Koa routers) and schemas/: the generic
 * `{collectionId}` paths, plus one concrete path per collection with its feature properties
 * (QGIS and GDAL read those per-collection paths). Only the collections the caller may read
 * appear (`layers`): a non-public layer's paths would answer 404 to anyone else.
 */
export function buildOpenApi(base: string, routers: DocumentedRouter[], layers: readonly LayerSchema[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = {
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details',
      properties: {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        instance: { type: 'string' },
        parameter: { type: 'string', description: 'the offending parameter' },
      },
    },
    FeatureCollection: {
      type: 'object',
      required: ['type', 'features'],
      properties: {
        type: { type: 'string', enum: ['FeatureCollection'] },
        numberMatched: { type: 'integer', description: 'exact number of matching features; left out when there are more than the server counts exactly (ITEMS_EXACT_COUNT_MAX)' },
        numberMatchedEstimate: { type: 'integer', description: "the query planner's estimate of the matching features, given instead of numberMatched beyond ITEMS_EXACT_COUNT_MAX" },
        numberReturned: { type: 'integer' },
        timeStamp: { type: 'string', format: 'date-time' },
        links: { type: 'array', items: { $ref: '#/components/schemas/Link' } },
        features: { type: 'array', items: { type: 'object' } },
      },
    },
    Link: {
      type: 'object',
      required: ['href', 'rel'],
      properties: { href: { type: 'string' }, rel: { type: 'string' }, type: { type: 'string' }, title: { type: 'string' } },
    },
  };
  for (const layer of layers) schemas[featureSchemaName(layer)] = featureSchema(layer);

  const ids = layers.map((l) => l.id);
  const withIds = (p: ParameterDef): ParameterDef => (p.name === 'collectionId' ? { ...p, schema: { type: 'string', enum: ids }, ...(ids.length ? { example: ids[0] } : {}) } : p);
  for (const op of ENDPOINTS) paths[op.path] = { ...paths[op.path], [op.method ?? 'get']: operation(op, op.operationId, withIds) };
  for (const op of routers.flatMap((r) => r.operations)) {
    paths[op.path] = { ...paths[op.path], get: operation(op, op.operationId, withIds) };
    if (!op.path.includes('{collectionId}')) continue;
    for (const layer of layers) {
      const concrete = op.path.replace('{collectionId}', layer.id);
      const doc = operation(op, `${op.operationId}_${layer.id.replace(/-/g, '_')}`, (p) => (p.name === 'collectionId' ? undefined : p));
      if (op.operationId === 'getFeatures' || op.operationId === 'getFeature') {
        const feature = { $ref: `#/components/schemas/${featureSchemaName(layer)}` };
        const ok = (doc.responses as Record<string, { content?: Record<string, { schema?: unknown }> }>)['200']!;
        const geojson = { 'application/geo+json': { schema: op.operationId === 'getFeature' ? feature : { allOf: [{ $ref: '#/components/schemas/FeatureCollection' }, { type: 'object', properties: { features: { type: 'array', items: feature } } }] } } };
        doc.responses = { ...(doc.responses as object), '200': { ...ok, content: geojson } };
      }
      doc.summary = `${op.summary}: ${layer.title.cs}`;
      paths[concrete] = { ...paths[concrete], get: doc };
    }
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Geoportál Chomutov – API',
      version: '1.0.0',
      description:
        'OGC API – Features (Part 1 Core, Part 2 CRS, Part 3 Filtering with CQL2, Part 5 Schemas), OGC API – Tiles and Mapbox vector tiles, editing, history, accounts, sensors, open-data downloads and catalogue of the geoportal of the city of Chomutov and ORP Chomutov. Errors are RFC 9457 application/problem+json naming the offending parameter.',
      license: { name: 'CC BY 4.0', url: 'https://creativecommons.org/licenses/by/4.0/' },
    },
    servers: [{ url: base }],
    tags: [...new Set(routers.flatMap((r) => r.operations.flatMap((o) => o.tags)))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'geoportal_session', description: 'Session cookie from /auth/login (writes also need the X-CSRF-Token header)' },
        token: { type: 'http', scheme: 'bearer', description: 'API token from /auth/tokens' },
      },
    },
  };
}

function operation(op: OperationDef, operationId: string, mapParam: (p: ParameterDef) => ParameterDef | undefined): Record<string, unknown> {
  return {
    operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: op.tags,
    parameters: (op.parameters ?? []).map(mapParam).filter((p): p is ParameterDef => p !== undefined),
    responses: op.responses,
  };
}

function featureSchemaName(layer: LayerSchema): string {
  return `Feature_${layer.id.replace(/-/g, '_')}`;
}

function featureSchema(layer: LayerSchema): Record<string, unknown> {
  return {
    type: 'object',
    description: layer.description.cs,
    required: ['type', 'geometry', 'properties'],
    properties: {
      type: { type: 'string', enum: ['Feature'] },
      id: { type: 'integer' },
      geometry: { type: 'object', description: `GeoJSON ${layer.geometryType}` },
      properties: { type: 'object', properties: propertiesJsonSchema(layer) },
    },
  };
}
