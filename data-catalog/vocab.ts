/** Namespaces and code lists used by the DCAT-AP-CZ records. */
export const NS = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  dcatap: 'http://data.europa.eu/r5r/',
  spdx: 'http://spdx.org/rdf/terms#',
  pu: 'https://data.gov.cz/slovník/podmínky-užití/',
} as const;

export const EU = {
  theme: 'http://publications.europa.eu/resource/authority/data-theme/',
  frequency: 'http://publications.europa.eu/resource/authority/frequency/',
  fileType: 'http://publications.europa.eu/resource/authority/file-type/',
  iana: 'http://www.iana.org/assignments/media-types/',
} as const;

/** Implementing Regulation (EU) 2023/138 (High-Value Datasets). */
export const HVD_LEGISLATION = 'http://data.europa.eu/eli/reg_impl/2023/138/oj';

/**
 * The sub-categories of the regulation's annex (EU vocabulary "High-value dataset categories") that
 * our layers fall under. A record names the sub-category, not one of the six top-level categories:
 * NKOD's LKOD validator rejects those.
 */
export const HVD_CATEGORIES = {
  administrativeUnits: { iri: 'http://data.europa.eu/bna/c_9427236f', label: { cs: 'Geoprostorové údaje – správní jednotky', en: 'Geospatial – administrative units' } },
  landUse: { iri: 'http://data.europa.eu/bna/c_ad9ae929', label: { cs: 'Pozorování Země a životní prostředí – využití území', en: 'Earth observation and environment – land use' } },
  environmentalMonitoring: {
    iri: 'http://data.europa.eu/bna/c_7b8fbb64',
    label: { cs: 'Pozorování Země a životní prostředí – zařízení pro monitorování životního prostředí', en: 'Earth observation and environment – environmental monitoring facilities' },
  },
  transportNetworks: { iri: 'http://data.europa.eu/bna/c_4b74ea13', label: { cs: 'Mobilita – dopravní sítě', en: 'Mobility – transport networks' } },
} as const;
export type HvdCategory = keyof typeof HVD_CATEGORIES;

export const RUIAN_OBEC = 'https://linked.cuzk.cz/resource/ruian/obec/';

/** Values of the four fields of the Czech terms of use (OFN "Podmínky užití", data.gov.cz). */
export const TERMS = {
  noAuthorWork: 'https://data.gov.cz/podmínky-užití/neobsahuje-autorská-díla/',
  notAuthorDatabase: 'https://data.gov.cz/podmínky-užití/není-autorskoprávně-chráněnou-databází/',
  noSpecialDatabaseRight: 'https://data.gov.cz/podmínky-užití/není-chráněna-zvláštním-právem-pořizovatele-databáze/',
  noPersonalData: 'https://data.gov.cz/podmínky-užití/neobsahuje-osobní-údaje/',
  ccBy4: 'https://creativecommons.org/licenses/by/4.0/',
} as const;

export type EuTheme = 'AGRI' | 'ECON' | 'EDUC' | 'ENER' | 'ENVI' | 'GOVE' | 'HEAL' | 'INTR' | 'JUST' | 'REGI' | 'SOCI' | 'TECH' | 'TRAN';
export type EuFrequency = 'CONT' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'QUARTERLY' | 'ANNUAL' | 'IRREG' | 'UNKNOWN';

/** How long data may go unrefreshed under a declared frequency before the portal calls it stale (days). */
export const FREQUENCY_MAX_AGE_DAYS: Partial<Record<EuFrequency, number>> = {
  CONT: 1,
  DAILY: 2,
  WEEKLY: 8,
  MONTHLY: 32,
  QUARTERLY: 93,
  ANNUAL: 366,
};
