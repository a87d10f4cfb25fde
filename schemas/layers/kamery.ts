import type { LayerSchema } from '../types.ts';
import { INSTALLED_YEAR, inventoryNumber, NOTE } from './_common.ts';

/**
 * Cameras of the municipal camera system (MKDS) and traffic cameras. Not public:
 * the exact positions and fields of view of security cameras are for staff only.
 */
export const kamery: LayerSchema = {
  id: 'kamery',
  title: { cs: 'Kamery', en: 'Cameras' },
  description: {
    cs: 'Kamery městského kamerového dohlížecího systému a dopravní kamery: účel, typ, provozovatel.',
    en: 'Municipal CCTV and traffic cameras: purpose, type, operator.',
  },
  theme: 'infrastructure',
  keywords: { cs: ['kamery', 'MKDS', 'bezpečnost'], en: ['cameras', 'CCTV', 'safety'] },
  geometryType: 'Point',
  perMunicipality: true,
  public: false,
  attributes: [
    inventoryNumber({ cs: 'Číslo kamery', en: 'Camera number' }),
    {
      name: 'ucel',
      type: 'code',
      label: { cs: 'Účel', en: 'Purpose' },
      required: true,
      inTiles: true,
      codeList: [
        { code: 'mkds', label: { cs: 'městský kamerový systém', en: 'municipal CCTV' }, color: '#d62728' },
        { code: 'doprava', label: { cs: 'dopravní', en: 'traffic' }, color: '#1f77b4' },
        { code: 'rychlost', label: { cs: 'měření rychlosti', en: 'speed enforcement' }, color: '#ff7f0e' },
        { code: 'objekt', label: { cs: 'ochrana objektu', en: 'building protection' }, color: '#7f7f7f' },
      ],
    },
    {
      name: 'typ',
      type: 'code',
      label: { cs: 'Typ kamery', en: 'Camera type' },
      codeList: [
        { code: 'pevna', label: { cs: 'pevná', en: 'fixed' }, color: '#9467bd' },
        { code: 'otocna', label: { cs: 'otočná (PTZ)', en: 'pan-tilt-zoom' }, color: '#8c564b' },
        { code: 'panoramaticka', label: { cs: 'panoramatická', en: 'panoramic' }, color: '#e377c2' },
      ],
    },
    { name: 'provozovatel', type: 'text', label: { cs: 'Provozovatel', en: 'Operator' }, maxLength: 120 },
    { name: 'zaznam', type: 'boolean', label: { cs: 'Pořizuje záznam', en: 'Records' } },
    INSTALLED_YEAR,
    NOTE,
  ],
  minZoom: 14,
  maxZoom: 22,
  style: { color: '#d62728', categorizeBy: 'ucel', radius: 4 },
};
