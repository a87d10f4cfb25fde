import type { Attribute, LayerSchema } from '../types.ts';

/**
 * Closures and events are one kind of information in three geometries: a place (point), a closed
 * street section or route (line) and an event area or closed zone (polygon). A layer table holds one
 * geometry type (and so do Shapefile and the other download formats), so the three are three layers
 * sharing these attributes, style and validity; `/informace`, the feeds (api/public-information) and
 * the municipality summary read them together.
 */
export const PUBLIC_INFORMATION_ATTRIBUTES: Attribute[] = [
  {
    name: 'nazev',
    type: 'text',
    label: { cs: 'Název', en: 'Title' },
    required: true,
    maxLength: 200,
    inTiles: true,
    isTitle: true,
  },
  {
    name: 'druh',
    type: 'code',
    label: { cs: 'Druh', en: 'Kind' },
    required: true,
    codeList: [
      { code: 'uzavirka', label: { cs: 'uzavírka', en: 'closure' }, color: '#c0392b' },
      { code: 'omezeni', label: { cs: 'omezení provozu', en: 'traffic restriction' }, color: '#d35400' },
      { code: 'prace', label: { cs: 'práce v ulici', en: 'street works' }, color: '#8e6c00' },
      { code: 'udalost', label: { cs: 'událost', en: 'event' }, color: '#6c3483' },
      { code: 'oznameni', label: { cs: 'oznámení', en: 'notice' }, color: '#1f618d' },
    ],
    inTiles: true,
  },
  {
    name: 'popis',
    type: 'text',
    label: { cs: 'Popis', en: 'Description' },
    maxLength: 2000,
  },
  {
    name: 'platnost_od',
    type: 'date',
    label: { cs: 'Platí od', en: 'Valid from' },
    required: true,
    inTiles: true,
  },
  {
    name: 'platnost_do',
    type: 'date',
    label: { cs: 'Platí do', en: 'Valid until' },
    inTiles: true,
  },
  {
    name: 'odkaz',
    type: 'text',
    label: { cs: 'Více informací (odkaz)', en: 'More information (link)' },
    maxLength: 500,
  },
];

/** What the three closure/event layers share; each adds its id, titles and geometry type. */
export const PUBLIC_INFORMATION_BASE: Pick<LayerSchema, 'theme' | 'perMunicipality' | 'attributes' | 'minZoom' | 'maxZoom' | 'temporal' | 'source'> = {
  theme: 'public-information',
  perMunicipality: true,
  attributes: PUBLIC_INFORMATION_ATTRIBUTES,
  minZoom: 9,
  maxZoom: 22,
  temporal: { start: 'platnost_od', end: 'platnost_do' },
  source: { cs: 'Statutární město Chomutov a obce ORP Chomutov', en: 'City of Chomutov and the municipalities of ORP Chomutov' },
};

/** The ids of the three layers, points first. */
export const PUBLIC_INFORMATION_LAYERS = ['verejne-informace', 'verejne-informace-useky', 'verejne-informace-plochy'] as const;
