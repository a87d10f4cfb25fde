import type { LayerSchema } from '../types.ts';
import { PUBLIC_INFORMATION_BASE } from './_verejne-informace.ts';

/** Closures and events over an area: an event ground, a closed zone, a works site. */
export const verejneInformacePlochy: LayerSchema = {
  ...PUBLIC_INFORMATION_BASE,
  id: 'verejne-informace-plochy',
  title: { cs: 'Uzavírky a události – plochy', en: 'Closures and events – areas' },
  description: {
    cs: 'Místa konání akcí, uzavřená území a staveniště s dobou platnosti.',
    en: 'Event grounds, closed zones and works sites, with their validity period.',
  },
  keywords: {
    cs: ['uzavírky', 'akce', 'události', 'staveniště', 'veřejné informace'],
    en: ['closures', 'events', 'works sites', 'public information'],
  },
  geometryType: 'MultiPolygon',
  style: { color: '#c0392b', categorizeBy: 'druh', fillOpacity: 0.3 },
};
