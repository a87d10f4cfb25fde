import { readableAttributes, type LayerSchema } from '../../schemas/index.ts';
import { sqlType } from '../../schemas/ddl.ts';

/** Name of the property that carries a pasport feature's municipality (RÚIAN code). */
export const MUNICIPALITY_PROPERTY = 'obec_kod';

export interface FeatureProperty {
  /** property name in the API */
  name: string;
  /** column of the layer table (from the schema registry) */
  column: string;
  /** SQL type of the column, used to cast bound values */
  sqlType: string;
}

/** The properties of a layer's features, in schema order, derived from schemas/. */
export function featureProperties(layer: LayerSchema): FeatureProperty[] {
  const props = readableAttributes(layer).map((a) => ({ name: a.name, column: a.name, sqlType: sqlType(a.type) }));
  if (layer.perMunicipality) props.push({ name: MUNICIPALITY_PROPERTY, column: 'municipality_code', sqlType: 'integer' });
  return props;
}
