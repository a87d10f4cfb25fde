import type { LayerSchema } from '../types.ts';
import { PUBLIC_INFORMATION_BASE } from './_verejne-informace.ts';

/**
 * Public information for citizens: road closures, works, events and notices,
 * entered by city staff. Each item is valid between two dates; the map shows only
 * what is valid today (`temporal`), `/informace` what is valid now, planned or past.
 * Places (points); sections of street and areas are `verejne-informace-useky` and `-plochy`.
 */
export const verejneInformace: LayerSchema = {
  ...PUBLIC_INFORMATION_BASE,
  id: 'verejne-informace',
  title: { cs: 'Uzavírky a události', en: 'Closures and events' },
  description: {
    cs: 'Aktuální uzavírky komunikací, práce v ulicích, kulturní a jiné události a oznámení města s dobou platnosti (místa).',
    en: 'Current road closures, street works, cultural and other events and city notices, with their validity period (places).',
  },
  keywords: {
    cs: ['uzavírky', 'události', 'oznámení', 'doprava', 'veřejné informace'],
    en: ['closures', 'events', 'notices', 'traffic', 'public information'],
  },
  geometryType: 'Point',
  style: { color: '#c0392b', categorizeBy: 'druh', radius: 7 },
};
