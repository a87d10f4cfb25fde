import type { DtmMapping } from './dtm.ts';
import type { OfnMapping } from './ofn.ts';

/**
 * The one definition of a layer type. Everything else (DB tables, validation,
 * API field lists, tile fields, map style, legends, catalogue metadata) is derived
 * from values of this type, so adding a layer means adding one file in `layers/`.
 */

export type GeometryType =
  | 'Point'
  | 'MultiPoint'
  | 'LineString'
  | 'MultiLineString'
  | 'Polygon'
  | 'MultiPolygon';

export interface Localized {
  cs: string;
  en: string;
}

export interface CodeListEntry {
  /** value stored in the database and sent by the API */
  code: string;
  label: Localized;
  /** colour used by categorised styles and legends */
  color?: string;
}

interface AttributeBase {
  /** column name in the DB and property name in the API: snake_case ASCII */
  name: string;
  label: Localized;
  description?: Localized;
  required?: boolean;
  /** sent in vector tiles (keep tiles small: only what the map styles or labels need) */
  inTiles?: boolean;
  /** the attribute names a feature (search, popups, labels) */
  isTitle?: boolean;
  /** derived by the database from other data (schemas/derived.ts): read everywhere, written by no one */
  readOnly?: boolean;
}

export interface TextAttribute extends AttributeBase {
  type: 'text';
  maxLength?: number;
}
export interface IntegerAttribute extends AttributeBase {
  type: 'integer';
  min?: number;
  max?: number;
  unit?: string;
}
export interface NumberAttribute extends AttributeBase {
  type: 'number';
  min?: number;
  max?: number;
  unit?: string;
}
export interface BooleanAttribute extends AttributeBase {
  type: 'boolean';
}
export interface DateAttribute extends AttributeBase {
  type: 'date';
}
export interface CodeAttribute extends AttributeBase {
  type: 'code';
  codeList: CodeListEntry[];
}

export type Attribute =
  | TextAttribute
  | IntegerAttribute
  | NumberAttribute
  | BooleanAttribute
  | DateAttribute
  | CodeAttribute;

export type AttributeType = Attribute['type'];

export interface LayerStyle {
  /** base colour of the layer's symbols */
  color: string;
  /** attribute whose code list colours the features (categorised style) */
  categorizeBy?: string;
  /** for polygons: fill opacity */
  fillOpacity?: number;
  /** for points: circle radius in px */
  radius?: number;
  /** attribute used as a label on the map */
  labelBy?: string;
}

export type Theme =
  | 'boundaries'
  | 'infrastructure'
  | 'greenery'
  | 'waste'
  | 'landuse'
  | 'sensors'
  | 'public-information'
  /** ÚAP: territorial analytical materials delivered by data providers (schemas/uap) */
  | 'territorial-analysis';

export interface LayerSchema {
  /** URL-safe id, used as collection id, tile layer name and (with `-` → `_`) table suffix */
  id: string;
  title: Localized;
  description: Localized;
  theme: Theme;
  keywords: { cs: string[]; en: string[] };
  geometryType: GeometryType;
  /** pasports belong to a municipality; the municipality layer itself does not */
  perMunicipality: boolean;
  attributes: Attribute[];
  minZoom: number;
  maxZoom: number;
  style: LayerStyle;
  /** where the data comes from, as shown in the catalogue */
  source?: Localized;
  /**
   * Time-bearing layers: the attributes (type `date`) that bound a feature's validity.
   * Items support `datetime` on them; the map shows only features valid now.
   */
  temporal?: { start: string; end?: string };
  /** the title attribute gets a trigram index (type-ahead search over many features: addresses) */
  searchIndex?: boolean;
  /** layers not published openly (readers need an account); default public */
  public?: boolean;
  /** JVF DTM object type and attribute/code mappings (schemas/dtm.ts); layers without one are not delivered to the DTM */
  dtm?: DtmMapping;
  /** the Czech open formal norm (OFN) the layer's data is also published in (schemas/ofn.ts); layers without one have no OFN distribution */
  ofn?: OfnMapping;
}
