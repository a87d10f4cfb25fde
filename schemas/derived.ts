import type { Attribute, LayerSchema, Theme } from './types.ts';

/**
 * Attributes the database derives from other data (issue 17.5): every point feature of a pasport
 * carries the code and text of its nearest RÚIAN address point, so a list, a download or a
 * catalogue distribution answers "which bin is by Husova 12" without a map. They are columns of the
 * layer table kept by triggers (schemas/ddl.ts): set when a feature is inserted or moved, refreshed
 * when address points near it change. No writer sets them: imports and edits ignore them, and they
 * are not part of a feature's version (changing them makes no history row).
 */

export const ADDRESS_LAYER_ID = 'adresni-mista';
export const NEAREST_ADDRESS_CODE = 'adresni_misto_kod';
export const NEAREST_ADDRESS_TEXT = 'adresni_misto';
/** farther than this, a feature has no nearest address (a bench in a forest is not "by" a house) */
export const NEAREST_ADDRESS_MAX_METRES = 250;

/**
 * SQL ordering the candidates by distance in metres, closely enough (equirectangular: within 0.3 % across
 * the ORP) and cheaply, where measuring each of them on the spheroid took most of the time of deriving
 * the address on a bulk load. `a` is a candidate's geometry, `g` the feature's; both WGS 84. The
 * reverse lookup (`/api/search/reverse`) and the derived attributes order by the same rule, so they
 * always name the same address.
 */
export function nearestOrderSql(a: string, g: string): string {
  return `(ST_X(${a}) - ST_X(${g}))^2 * cos(radians(ST_Y(${g})))^2 + (ST_Y(${a}) - ST_Y(${g}))^2`;
}

/** How many address points the index offers, nearest in degrees first, for `nearestOrderSql` to choose from. */
export const NEAREST_CANDIDATES = 8;

/**
 * A PL/pgSQL statement putting the code and text of the address nearest to `g` (within reach) into
 * `into`, NULLs when none is. Static SQL in PL/pgSQL keeps its plan for the session.
 */
export function nearestAddressSelectInto(addressTable: string, g: string, into: string): string {
  return `SELECT w.kod, w.adresa INTO ${into} FROM (
          SELECT c.kod, c.adresa, c.geom FROM (
            SELECT a.fid, a.kod, a.adresa, a.geom FROM ${addressTable} a ORDER BY a.geom <-> ${g} LIMIT ${NEAREST_CANDIDATES}) c
          ORDER BY ${nearestOrderSql('c.geom', g)}, c.fid LIMIT 1) w
        WHERE ST_Distance(w.geom::geography, (${g})::geography) <= ${NEAREST_ADDRESS_MAX_METRES}`;
}

const PASPORT_THEMES: readonly Theme[] = ['infrastructure', 'greenery', 'waste'];

const NEAREST_ADDRESS: readonly Attribute[] = [
  {
    name: NEAREST_ADDRESS_CODE,
    type: 'integer',
    label: { cs: 'Kód nejbližšího adresního místa', en: 'Nearest address point code' },
    description: {
      cs: `Kód adresního místa RÚIAN nejblíže prvku (do ${NEAREST_ADDRESS_MAX_METRES} m). Odvozeno, nelze editovat.`,
      en: `RÚIAN code of the address point nearest to the feature (within ${NEAREST_ADDRESS_MAX_METRES} m). Derived, read-only.`,
    },
    readOnly: true,
  },
  {
    name: NEAREST_ADDRESS_TEXT,
    type: 'text',
    label: { cs: 'Nejbližší adresa', en: 'Nearest address' },
    description: {
      cs: `Adresa RÚIAN nejblíže prvku (do ${NEAREST_ADDRESS_MAX_METRES} m). Odvozeno, nelze editovat.`,
      en: `RÚIAN address nearest to the feature (within ${NEAREST_ADDRESS_MAX_METRES} m). Derived, read-only.`,
    },
    readOnly: true,
  },
];

/** Whether a layer's features carry their nearest address: the point layers of pasports. */
export function hasNearestAddress(layer: LayerSchema): boolean {
  return layer.geometryType === 'Point' && layer.perMunicipality && PASPORT_THEMES.includes(layer.theme) && layer.id !== ADDRESS_LAYER_ID;
}

/** The derived, read-only attributes of a layer (after its own in every listing). */
export function derivedAttributes(layer: LayerSchema): readonly Attribute[] {
  return hasNearestAddress(layer) ? NEAREST_ADDRESS : [];
}

/** What a reader sees of a feature: the schema's attributes, then the derived ones. */
export function readableAttributes(layer: LayerSchema): Attribute[] {
  return [...layer.attributes, ...derivedAttributes(layer)];
}
