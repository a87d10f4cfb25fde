/**
 * The publisher of the catalogue: the statutory city of Chomutov, identified in
 * the Czech register of rights and obligations (RPP) by its IČO 00261891.
 */
export const PUBLISHER = {
  ico: '00261891',
  iri: 'https://rpp-opendata.egon.gov.cz/odrpp/zdroj/orgán-veřejné-moci/00261891',
  name: { cs: 'Statutární město Chomutov', en: 'Statutory City of Chomutov' },
  /** RÚIAN code of the city: the spatial coverage of a layer that has no data yet */
  ruianObec: 562971,
} as const;

/** Used when PUBLIC_BASE_URL is unset: the catalogue's IRIs must be stable https IRIs, never a request's origin. */
export const DEFAULT_CATALOG_BASE = 'https://geoportal.chomutov.cz';

/** Contact of the open-data catalogue; override with CATALOG_CONTACT_EMAIL. */
export const DEFAULT_CONTACT_EMAIL = 'geoportal@chomutov-mesto.cz';
