import type { LayerSchema } from '../types.ts';

/** Municipalities of ORP Chomutov (RÚIAN obec). Every pasport feature points to one by `kod`. */
export const obce: LayerSchema = {
  id: 'obce',
  title: { cs: 'Obce ORP Chomutov', en: 'Municipalities of ORP Chomutov' },
  description: {
    cs: 'Hranice 25 obcí správního obvodu obce s rozšířenou působností Chomutov s kódy RÚIAN.',
    en: 'Boundaries of the 25 municipalities of the Chomutov administrative district (ORP) with RÚIAN codes.',
  },
  theme: 'boundaries',
  keywords: { cs: ['obce', 'hranice', 'RÚIAN', 'ORP Chomutov'], en: ['municipalities', 'boundaries', 'RÚIAN'] },
  geometryType: 'MultiPolygon',
  perMunicipality: false,
  attributes: [
    {
      name: 'kod',
      type: 'integer',
      label: { cs: 'Kód obce (RÚIAN)', en: 'Municipality code (RÚIAN)' },
      required: true,
      min: 500000,
      max: 999999,
      inTiles: true,
    },
    {
      name: 'nazev',
      type: 'text',
      label: { cs: 'Název', en: 'Name' },
      required: true,
      maxLength: 100,
      inTiles: true,
      isTitle: true,
    },
    {
      name: 'obyvatel',
      type: 'integer',
      label: { cs: 'Počet obyvatel', en: 'Population' },
      min: 0,
      inTiles: true,
    },
  ],
  minZoom: 0,
  maxZoom: 22,
  style: { color: '#5b6b8c', fillOpacity: 0.08, labelBy: 'nazev' },
  source: {
    cs: 'Hranice obcí odvozené z RÚIAN (zjednodušené), DataRozhlas/covid-obce-mapa, licence ISC.',
    en: 'Municipality boundaries derived from RÚIAN (simplified), DataRozhlas/covid-obce-mapa, ISC licence.',
  },
};
