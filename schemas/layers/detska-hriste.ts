import type { LayerSchema } from '../types.ts';
import { compact, ofnLocation, ofnText, OFN_NORMS } from '../ofn.ts';
import { conditionAttribute, inventoryNumber, LAST_INSPECTION, NOTE } from './_common.ts';

/** Playgrounds (dětská hřiště) with the inspection data ČSN EN 1176 requires. */
export const detskaHriste: LayerSchema = {
  id: 'detska-hriste',
  title: { cs: 'Dětská hřiště', en: 'Playgrounds' },
  description: {
    cs: 'Pasport dětských hřišť: věková kategorie, počet herních prvků, povrch dopadové plochy, oplocení, poslední revize a stav.',
    en: 'Playground pasport: age group, number of play elements, impact surface, fencing, last inspection and condition.',
  },
  theme: 'public-information',
  keywords: { cs: ['dětská hřiště', 'herní prvky', 'volný čas'], en: ['playgrounds', 'play equipment', 'leisure'] },
  geometryType: 'Point',
  perMunicipality: true,
  attributes: [
    inventoryNumber({ cs: 'Číslo hřiště', en: 'Playground number' }),
    { name: 'nazev', type: 'text', label: { cs: 'Název', en: 'Name' }, required: true, maxLength: 120, inTiles: true },
    {
      name: 'vekova_kategorie',
      type: 'code',
      label: { cs: 'Věková kategorie', en: 'Age group' },
      inTiles: true,
      codeList: [
        { code: '0-3', label: { cs: '0–3 roky', en: '0–3 years' }, color: '#fbb4ae' },
        { code: '3-12', label: { cs: '3–12 let', en: '3–12 years' }, color: '#b3cde3' },
        { code: '12+', label: { cs: '12 a více let', en: '12+ years' }, color: '#ccebc5' },
        { code: 'vse', label: { cs: 'všechny věkové kategorie', en: 'all ages' }, color: '#decbe4' },
      ],
    },
    { name: 'pocet_prvku', type: 'integer', label: { cs: 'Počet herních prvků', en: 'Play elements' }, min: 0, max: 200, unit: 'ks' },
    {
      name: 'dopadova_plocha',
      type: 'code',
      label: { cs: 'Dopadová plocha', en: 'Impact surface' },
      codeList: [
        { code: 'pisek', label: { cs: 'písek', en: 'sand' }, color: '#f6e8c3' },
        { code: 'kacirek', label: { cs: 'kačírek', en: 'pea gravel' }, color: '#c7b299' },
        { code: 'pryz', label: { cs: 'pryžová dlažba', en: 'rubber' }, color: '#d6604d' },
        { code: 'trava', label: { cs: 'trávník', en: 'grass' }, color: '#a6d96a' },
        { code: 'stepka', label: { cs: 'dřevní štěpka', en: 'wood chips' }, color: '#8c510a' },
      ],
    },
    { name: 'oploceno', type: 'boolean', label: { cs: 'Oploceno', en: 'Fenced' } },
    conditionAttribute(),
    LAST_INSPECTION,
    NOTE,
  ],
  minZoom: 12,
  maxZoom: 22,
  style: { color: '#e7298a', categorizeBy: 'vekova_kategorie', radius: 6, labelBy: 'nazev' },
  // a public playground is a sports ground of the MV code list's type "hřiště" (the OFN's own example of the list)
  ofn: {
    norm: OFN_NORMS.sportoviste,
    items: (f) => [
      compact({
        typ: 'Sportoviště',
        iri: f.iri,
        název: ofnText(f.properties.nazev),
        popis: ofnText(f.properties.poznamka),
        umístění: ofnLocation(f),
        typ_sportoviště: ['https://data.mvcr.gov.cz/zdroj/číselníky/typy-sportovišť/položky/hřiště'],
      }),
    ],
  },
};
