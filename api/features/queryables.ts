import { readableAttributes, type Attribute, type LayerSchema } from '../../schemas/index.ts';
import { MUNICIPALITY_PROPERTY } from './properties.ts';
import { GEOMETRY_PROPERTY, UPDATED_PROPERTY } from './cql2/compile.ts';

/** JSON Schema of one attribute, from its schema definition (types, ranges, code lists). */
export function attributeJsonSchema(a: Attribute): Record<string, unknown> {
  const base = { title: a.label.cs, ...(a.description ? { description: a.description.cs } : {}), ...(a.readOnly ? { readOnly: true } : {}) };
  switch (a.type) {
    case 'text':
      return { ...base, type: 'string', ...(a.maxLength ? { maxLength: a.maxLength } : {}) };
    case 'integer':
    case 'number':
      return {
        ...base,
        type: a.type,
        ...(a.min !== undefined ? { minimum: a.min } : {}),
        ...(a.max !== undefined ? { maximum: a.max } : {}),
        ...(a.unit ? { 'x-unit': a.unit } : {}),
      };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'date':
      return { ...base, type: 'string', format: 'date' };
    case 'code':
      return { ...base, type: 'string', enum: a.codeList.map((c) => c.code), 'x-labels': Object.fromEntries(a.codeList.map((c) => [c.code, c.label.cs])) };
  }
}

const GEOMETRY_FORMAT: Record<string, string> = {
  Point: 'geometry-point',
  MultiPoint: 'geometry-multipoint',
  LineString: 'geometry-linestring',
  MultiLineString: 'geometry-multilinestring',
  Polygon: 'geometry-polygon',
  MultiPolygon: 'geometry-multipolygon',
};

/** The properties a feature of the layer carries (also used for the OpenAPI feature schema). */
export function propertiesJsonSchema(layer: LayerSchema): Record<string, Record<string, unknown>> {
  const props: Record<string, Record<string, unknown>> = {};
  for (const a of readableAttributes(layer)) props[a.name] = attributeJsonSchema(a);
  if (layer.perMunicipality) props[MUNICIPALITY_PROPERTY] = { title: 'Kód obce (RÚIAN)', type: 'integer' };
  return props;
}

/** OGC API – Features Part 3 queryables, generated from schemas/. */
export function queryablesDoc(layer: LayerSchema, id: string): Record<string, unknown> {
  const properties: Record<string, Record<string, unknown>> = {
    [GEOMETRY_PROPERTY]: { title: 'Geometrie', format: GEOMETRY_FORMAT[layer.geometryType], 'x-ogc-role': 'primary-geometry' },
    ...propertiesJsonSchema(layer),
  };
  if (!(UPDATED_PROPERTY in properties)) properties[UPDATED_PROPERTY] = { title: 'Naposledy změněno (úprava nebo import)', type: 'string', format: 'date-time', readOnly: true };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: id,
    type: 'object',
    title: layer.title.cs,
    properties,
    additionalProperties: false,
    // the pre-standard list that GDAL 3.6 reads
    queryables: Object.keys(properties).filter((k) => k !== GEOMETRY_PROPERTY).map((k) => ({ id: k })),
  };
}

const JSON_SCHEMA_2020 = 'https://json-schema.org/draft/2020-12/schema';

/**
 * OGC API – Features Part 5 (Common Part 3) "Returnables and Receivables": the schema of the
 * features of a collection as they are returned and received, from schemas/. The feature id has
 * role `id` (assigned by the server: readOnly), the geometry role `primary-geometry`, the validity
 * attributes of temporal layers `primary-interval-start`/`-end`; `x-ogc-propertySeq` keeps the
 * schema order. Units go to `x-ogc-unit`.
 */
export function schemaDoc(layer: LayerSchema, id: string): Record<string, unknown> {
  const properties: Record<string, Record<string, unknown>> = {
    id: { title: 'Identifikátor prvku', type: 'integer', 'x-ogc-role': 'id', readOnly: true },
    [GEOMETRY_PROPERTY]: { title: 'Geometrie', format: GEOMETRY_FORMAT[layer.geometryType], 'x-ogc-role': 'primary-geometry' },
  };
  for (const [name, p] of Object.entries(propertiesJsonSchema(layer))) {
    const { 'x-unit': unit, ...rest } = p;
    const role =
      layer.temporal?.start === name ? (layer.temporal.end ? 'primary-interval-start' : 'primary-instant')
      : layer.temporal?.end === name ? 'primary-interval-end'
      : undefined;
    properties[name] = { ...rest, ...(typeof unit === 'string' ? { 'x-ogc-unit': unit } : {}), ...(role ? { 'x-ogc-role': role } : {}) };
  }
  Object.values(properties).forEach((p, i) => (p['x-ogc-propertySeq'] = i + 1));
  return { $schema: JSON_SCHEMA_2020, $id: id, type: 'object', title: layer.title.cs, description: layer.description.cs, properties, additionalProperties: false };
}

/**
 * Part 5 sortables: the properties `sortby` accepts (not spatial, not objects or arrays).
 * `additionalProperties: false`: any other name in sortby is a 400 (api/features/params.ts).
 */
export function sortablesDoc(layer: LayerSchema, id: string): Record<string, unknown> {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const [name, p] of Object.entries(propertiesJsonSchema(layer))) {
    const { 'x-labels': _labels, 'x-unit': _unit, ...rest } = p;
    properties[name] = rest;
  }
  return { $schema: JSON_SCHEMA_2020, $id: id, type: 'object', title: layer.title.cs, properties, additionalProperties: false };
}
