import type { Localized } from '../types.ts';

/** Where every RÚIAN layer comes from, as the catalogue shows it. */
export const RUIAN_SOURCE: Localized = {
  cs: 'RÚIAN (ČÚZK), výměnný formát VFR a CSV adresních míst, licence CC BY 4.0. Ukázková data Chomutova jsou syntetická.',
  en: 'RÚIAN (ČÚZK), VFR exchange format and address-point CSV, CC BY 4.0 licence. The Chomutov sample data are synthetic.',
};
