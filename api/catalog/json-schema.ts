import { readableAttributes, type Attribute, type LayerSchema } from '../../schemas/index.ts';
import { MUNICIPALITY_PROPERTY } from '../features/items.ts';

/** JSON Schema (2020-12) of a layer's feature properties: what dct:conformsTo of its datasets points to. */
export function layerJsonSchema(layer: LayerSchema, iri: string): Record<string, unknown> {
  const prop = (a: Attribute): Record<string, unknown> => {
    const base = { title: a.label.cs, description: a.description?.cs ?? a.label.en, ...(a.readOnly ? { readOnly: true } : {}) };
    switch (a.type) {
      case 'integer':
        return { ...base, type: 'integer', minimum: a.min, maximum: a.max, 'x-unit': a.unit };
      case 'number':
        return { ...base, type: 'number', minimum: a.min, maximum: a.max, 'x-unit': a.unit };
      case 'boolean':
        return { ...base, type: 'boolean' };
      case 'date':
        return { ...base, type: 'string', format: 'date' };
      case 'code':
        return { ...base, type: 'string', oneOf: a.codeList.map((c) => ({ const: c.code, title: c.label.cs })) };
      default:
        return { ...base, type: 'string', maxLength: a.maxLength };
    }
  };
  const properties: Record<string, unknown> = Object.fromEntries(readableAttributes(layer).map((a) => [a.name, prop(a)]));
  if (layer.perMunicipality) properties[MUNICIPALITY_PROPERTY] = { title: 'Kód obce (RÚIAN)', type: 'integer' };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: iri,
    title: layer.title.cs,
    description: layer.description.cs,
    type: 'object',
    properties,
    required: layer.attributes.filter((a) => a.required).map((a) => a.name),
    'x-geometryType': layer.geometryType,
    'x-crs': 'http://www.opengis.net/def/crs/OGC/1.3/CRS84',
  };
}
