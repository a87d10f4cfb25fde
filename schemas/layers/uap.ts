import type { Attribute, GeometryType, LayerSchema } from '../types.ts';
import { JEVY, type JevGeometrie } from '../uap/jevy.ts';

/**
 * ÚAP layers: providers' deliveries of the phenomena (jevy) of decree 500/2006 Sb. One layer per
 * kind of geometry and per publicity: a delivery is public or not as a whole (the provider's
 * terms), and going into a non-public layer is what keeps a non-public delivery off every public
 * surface (tiles, items, downloads, catalogue, search, OpenAPI), which already honour `public`.
 * Features are written only by deliveries (etl/uap), never by the editor.
 */

const ATTRIBUTES: Attribute[] = [
  {
    name: 'jev',
    type: 'code',
    label: { cs: 'Jev ÚAP', en: 'ÚAP phenomenon' },
    description: { cs: 'Číslo jevu podle přílohy č. 1 části A vyhlášky č. 500/2006 Sb.', en: 'Number of the phenomenon in annex 1 part A of decree 500/2006 Sb.' },
    required: true,
    inTiles: true,
    codeList: JEVY.map((j) => ({ code: String(j.cislo), label: { cs: `${j.cislo} – ${j.nazev}`, en: `${j.cislo} – ${j.nazev}` } })),
  },
  { name: 'nazev', type: 'text', label: { cs: 'Název', en: 'Name' }, maxLength: 250, inTiles: true, isTitle: true },
  { name: 'poskytovatel', type: 'text', label: { cs: 'Poskytovatel údajů', en: 'Data provider' }, maxLength: 200, required: true, inTiles: true },
  { name: 'dodavka', type: 'integer', label: { cs: 'Předání údajů (číslo)', en: 'Delivery (number)' }, required: true, min: 1 },
  { name: 'datum_predani', type: 'date', label: { cs: 'Datum předání', en: 'Delivered on' }, required: true },
];

const KINDS: Record<JevGeometrie, { geometryType: GeometryType; cs: string; en: string; color: string }> = {
  plocha: { geometryType: 'MultiPolygon', cs: 'plochy', en: 'areas', color: '#8c510a' },
  linie: { geometryType: 'MultiLineString', cs: 'linie', en: 'lines', color: '#5e3c99' },
  bod: { geometryType: 'Point', cs: 'body', en: 'points', color: '#c51b7d' },
};

/** Layer id of a kind of geometry and publicity. */
export function uapLayerId(kind: JevGeometrie, isPublic: boolean): string {
  const plural = { plocha: 'plochy', linie: 'linie', bod: 'body' }[kind];
  return `uap-${plural}${isPublic ? '' : '-neverejne'}`;
}

function uapLayer(kind: JevGeometrie, isPublic: boolean): LayerSchema {
  const k = KINDS[kind];
  return {
    id: uapLayerId(kind, isPublic),
    title: isPublic
      ? { cs: `ÚAP – ${k.cs}`, en: `ÚAP – ${k.en}` }
      : { cs: `ÚAP – ${k.cs} (neveřejné)`, en: `ÚAP – ${k.en} (not public)` },
    description: {
      cs: `Územně analytické podklady ORP Chomutov: ${k.cs} sledovaných jevů podle přílohy č. 1 vyhlášky č. 500/2006 Sb., jak je předali poskytovatelé údajů${isPublic ? '' : ' s podmínkou, že se nezveřejňují'}.`,
      en: `Territorial analytical materials of ORP Chomutov: ${k.en} of the phenomena of annex 1 of decree 500/2006 Sb., as delivered by the data providers${isPublic ? '' : ' on condition that they are not published'}.`,
    },
    theme: 'territorial-analysis',
    keywords: { cs: ['územně analytické podklady', 'ÚAP', 'územní plánování'], en: ['territorial analytical materials', 'spatial planning'] },
    geometryType: k.geometryType,
    perMunicipality: true,
    attributes: ATTRIBUTES,
    minZoom: 10,
    maxZoom: 20,
    style: { color: k.color, fillOpacity: 0.2, radius: 4, labelBy: 'nazev' },
    source: { cs: 'poskytovatelé údajů o území (§ 27 stavebního zákona)', en: 'providers of data on the territory (building act § 27)' },
    public: isPublic,
  };
}

export const uapLayers: readonly LayerSchema[] = [
  uapLayer('plocha', true), uapLayer('linie', true), uapLayer('bod', true),
  uapLayer('plocha', false), uapLayer('linie', false), uapLayer('bod', false),
];

export const UAP_LAYER_IDS: readonly string[] = uapLayers.map((l) => l.id);
