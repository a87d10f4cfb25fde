import type { LayerSchema } from '../types.ts';
import { PUBLIC_INFORMATION_BASE } from './_verejne-informace.ts';

/** Closures and events along a line: a closed section of street, a detour, a parade route. */
export const verejneInformaceUseky: LayerSchema = {
  ...PUBLIC_INFORMATION_BASE,
  id: 'verejne-informace-useky',
  title: { cs: 'Uzavírky a události – úseky', en: 'Closures and events – sections' },
  description: {
    cs: 'Uzavřené úseky ulic, objízdné trasy a trasy průvodů a závodů s dobou platnosti.',
    en: 'Closed street sections, detours and routes of parades and races, with their validity period.',
  },
  keywords: {
    cs: ['uzavírky', 'objížďky', 'události', 'doprava', 'veřejné informace'],
    en: ['closures', 'detours', 'events', 'traffic', 'public information'],
  },
  geometryType: 'MultiLineString',
  style: { color: '#c0392b', categorizeBy: 'druh' },
};
