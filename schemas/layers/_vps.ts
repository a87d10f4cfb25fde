import type { CodeListEntry } from '../types.ts';

/**
 * Prefixes of VPS/VPO ids in JSÚPD (VpsVpoAs_p/_l). The first part says how the
 * land can be acquired (V vyvlastnění, P předkupní právo, VP both), the letter
 * after it the kind. Prefixes whose meaning we could not confirm from a
 * trustworthy source are labelled by their code only.
 */
export const VPS_CODES: CodeListEntry[] = [
  { code: 'VD', label: { cs: 'VPS dopravní infrastruktury (vyvlastnění)', en: 'transport (expropriation)' }, color: '#636363' },
  { code: 'PD', label: { cs: 'VPS dopravní infrastruktury (předkupní právo)', en: 'transport (pre-emption)' }, color: '#969696' },
  { code: 'VPD', label: { cs: 'VPS dopravní infrastruktury (obojí)', en: 'transport (both)' }, color: '#252525' },
  { code: 'VT', label: { cs: 'VPS technické infrastruktury (vyvlastnění)', en: 'utilities (expropriation)' }, color: '#2166ac' },
  { code: 'PT', label: { cs: 'VPS technické infrastruktury (předkupní právo)', en: 'utilities (pre-emption)' }, color: '#67a9cf' },
  { code: 'VPT', label: { cs: 'VPS technické infrastruktury (obojí)', en: 'utilities (both)' }, color: '#053061' },
  { code: 'VK', label: { cs: 'VPS/VPO – kód VK', en: 'code VK' }, color: '#8073ac' },
  { code: 'VR', label: { cs: 'VPS/VPO – kód VR', en: 'code VR' }, color: '#542788' },
  { code: 'VU', label: { cs: 'VPO – založení prvků ÚSES', en: 'ecological network measure' }, color: '#1b7837' },
  { code: 'VG', label: { cs: 'VPS/VPO – kód VG', en: 'code VG' }, color: '#a6611a' },
  { code: 'VB', label: { cs: 'VPS/VPO – kód VB', en: 'code VB' }, color: '#dfc27d' },
  { code: 'VA', label: { cs: 'asanace', en: 'clearance' }, color: '#8c2d04' },
  { code: 'PO', label: { cs: 'občanské vybavení (předkupní právo)', en: 'civic amenities (pre-emption)' }, color: '#c51b7d' },
  { code: 'PP', label: { cs: 'veřejné prostranství (předkupní právo)', en: 'public space (pre-emption)' }, color: '#e6ab02' },
];
