import type { LayerSchema, Localized, Theme } from '../schemas/index.ts';
import { TERMS, type EuFrequency, type EuTheme, type HvdCategory } from './vocab.ts';

/** The four fields of the Czech terms of use (pu:specifikace) as IRIs. */
export interface TermsOfUse {
  authorWork: string;
  authorDatabase: string;
  specialDatabaseRight: string;
  personalData: string;
}

export const OPEN_TERMS: TermsOfUse = {
  authorWork: TERMS.noAuthorWork,
  authorDatabase: TERMS.notAuthorDatabase,
  specialDatabaseRight: TERMS.noSpecialDatabaseRight,
  personalData: TERMS.noPersonalData,
};

/** Catalogue metadata of a layer that `schemas/` does not carry. */
export interface DatasetMetadata {
  euThemes: EuTheme[];
  frequency: EuFrequency;
  /** the High-Value Dataset sub-category under Regulation (EU) 2023/138; null: not a High-Value Dataset */
  hvd: HvdCategory | null;
  terms: TermsOfUse;
  /** extra keywords on top of the schema's */
  keywords?: { cs: string[]; en: string[] };
  /** split into one dataset per municipality, gathered in a dataset series */
  seriesByMunicipality: boolean;
}

/** Defaults by the schema's theme, so a layer added to schemas/ is catalogued sensibly without an override. */
// The regulation's annex lists administrative units, land use and environmental monitoring facilities
// (and transport networks, see the roads override); local pasports such as trees, benches or graves are
// not among its datasets, so they are open data without the HVD marking.
const BY_THEME: Record<Theme, Pick<DatasetMetadata, 'euThemes' | 'frequency' | 'hvd'>> = {
  boundaries: { euThemes: ['REGI', 'GOVE'], frequency: 'ANNUAL', hvd: 'administrativeUnits' },
  infrastructure: { euThemes: ['REGI', 'TRAN'], frequency: 'ANNUAL', hvd: null },
  greenery: { euThemes: ['ENVI', 'REGI'], frequency: 'ANNUAL', hvd: null },
  waste: { euThemes: ['ENVI', 'REGI'], frequency: 'ANNUAL', hvd: null },
  landuse: { euThemes: ['REGI', 'ENVI'], frequency: 'IRREG', hvd: 'landUse' },
  sensors: { euThemes: ['ENVI', 'TECH'], frequency: 'DAILY', hvd: 'environmentalMonitoring' },
  'public-information': { euThemes: ['GOVE', 'REGI'], frequency: 'MONTHLY', hvd: null },
  // ÚAP data are the providers' own datasets, gathered for planning; not an HVD dataset of ours
  'territorial-analysis': { euThemes: ['REGI', 'ENVI'], frequency: 'IRREG', hvd: null },
};

/** Per-layer overrides, keyed by layer id. */
const OVERRIDES: Record<string, Partial<DatasetMetadata>> = {
  obce: {
    euThemes: ['REGI', 'GOVE'],
    frequency: 'ANNUAL',
    keywords: { cs: ['územní členění'], en: ['administrative units'] },
  },
  komunikace: { hvd: 'transportNetworks' },
  'stanoviste-trideneho-odpadu': {
    frequency: 'MONTHLY',
    keywords: { cs: ['životní prostředí'], en: ['environment'] },
  },
};

export function datasetMetadata(layer: LayerSchema): DatasetMetadata {
  return {
    ...BY_THEME[layer.theme],
    terms: OPEN_TERMS,
    seriesByMunicipality: layer.perMunicipality,
    ...OVERRIDES[layer.id],
  };
}

export function datasetKeywords(layer: LayerSchema): { cs: string[]; en: string[] } {
  const extra = datasetMetadata(layer).keywords;
  return {
    cs: [...new Set([...layer.keywords.cs, ...(extra?.cs ?? [])])],
    en: [...new Set([...layer.keywords.en, ...(extra?.en ?? [])])],
  };
}

export const EU_THEME_LABELS: Record<EuTheme, Localized> = {
  AGRI: { cs: 'Zemědělství, rybolov, lesnictví a potraviny', en: 'Agriculture, fisheries, forestry and food' },
  ECON: { cs: 'Hospodářství a finance', en: 'Economy and finance' },
  EDUC: { cs: 'Vzdělávání, kultura a sport', en: 'Education, culture and sport' },
  ENER: { cs: 'Energie', en: 'Energy' },
  ENVI: { cs: 'Životní prostředí', en: 'Environment' },
  GOVE: { cs: 'Vláda a veřejný sektor', en: 'Government and public sector' },
  HEAL: { cs: 'Zdraví', en: 'Health' },
  INTR: { cs: 'Mezinárodní otázky', en: 'International issues' },
  JUST: { cs: 'Spravedlnost, právní systém a veřejná bezpečnost', en: 'Justice, legal system and public safety' },
  REGI: { cs: 'Regiony a města', en: 'Regions and cities' },
  SOCI: { cs: 'Populace a společnost', en: 'Population and society' },
  TECH: { cs: 'Věda a technika', en: 'Science and technology' },
  TRAN: { cs: 'Doprava', en: 'Transport' },
};

export const FREQUENCY_LABELS: Record<EuFrequency, Localized> = {
  CONT: { cs: 'průběžně', en: 'continuous' },
  DAILY: { cs: 'denně', en: 'daily' },
  WEEKLY: { cs: 'týdně', en: 'weekly' },
  MONTHLY: { cs: 'měsíčně', en: 'monthly' },
  QUARTERLY: { cs: 'čtvrtletně', en: 'quarterly' },
  ANNUAL: { cs: 'ročně', en: 'annual' },
  IRREG: { cs: 'nepravidelně', en: 'irregular' },
  UNKNOWN: { cs: 'neznámá', en: 'unknown' },
};
