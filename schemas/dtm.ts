/**
 * JVF DTM (decree 393/2020 Sb., exchange format of the regional digital technical map, version 1.4.3):
 * how a layer type's features become DTM objects. A layer declares this once, next to its own
 * definition (`LayerSchema.dtm`); the export (etl/dtm/) and the reader of JVF files use the same
 * declaration, in both directions.
 */

/** The common-attribute group an object type carries (atributy.xsd: SpolecneAtributyObjektuTI / …ZPS). */
export type DtmCommonGroup = 'TI' | 'ZPS';

/** An object type of the JVF DTM 1.4.3 XSD set (objekty/*.xsd); the fixed values are checked against the XSD by a test. */
export interface DtmObjectType {
  /** element name in index_data.xsd (substitution group ObjektJVFDTM) */
  element: string;
  /** target namespace of the object's XSD (also its prefix) */
  namespace: string;
  /** file in objekty/ */
  xsd: string;
  codeBase: string;
  codeSuffix: string;
  /** fixed ObjektovyTypNazev */
  name: string;
  /** fixed KategorieObjektu, SkupinaObjektu, ObsahovaCast */
  category: string;
  group: string;
  contentPart: 'TI' | 'ZPS' | 'DI';
  common: DtmCommonGroup;
  /** the object's own elements of AtributyObjektu (besides the common groups), `?` marking optional ones */
  attributes: readonly string[];
  /** GeometrieObjektu: a point, a curve, or a surface with its boundary as multi-curve (ZPS areas) */
  geometry: 'point' | 'curve' | 'surface';
}

/**
 * One element of AtributyObjektu (or of the common group: UrovenUmisteniObjektuTI, ZpusobPorizeniTI, …),
 * filled from the feature: a constant, a layer attribute copied, or a layer code mapped to a DTM code.
 * Reading a JVF file runs the same rule backwards (a code map is inverted: the first layer code wins).
 */
export type DtmAttributeRule =
  | { element: string; constant: string }
  | { element: string; from: string; value: 'copy' | 'integer'; otherwise?: string }
  | { element: string; from: string; codes: Record<string, string>; otherwise?: string };

export interface DtmMapping {
  /** the JVF object type of every feature, or chosen by the code of one attribute (codes not listed are not mapped) */
  objectType: DtmObjectType | { by: string; types: Record<string, DtmObjectType> };
  attributes: DtmAttributeRule[];
  /**
   * Position and height accuracy class and way of capture for the common group. A municipal
   * pasport is usually drawn over the orthophoto without heights: class 9 (not known) and
   * "approximate drawing" unless the layer knows better.
   */
  accuracyClass?: string;
  heightAccuracyClass?: string;
  captureMethod?: string;
}

const TI = { category: 'Stavby technické infrastruktury', contentPart: 'TI', common: 'TI' } as const;
const ROADS = { category: 'Dopravní stavby', group: 'Silniční doprava', contentPart: 'ZPS', common: 'ZPS', geometry: 'surface' } as const;

/** The object types the geoportal's layers map to (a subset of the 358 XSDs; add one here when a layer needs it). */
export const DTM_OBJECT_TYPES = {
  PodperneZarizeni: {
    ...TI, element: 'PodperneZarizeni', attributes: ['StavObjektu', 'TypPodpernehoZarizeni', 'TypSloupu?'], namespace: 'podzar', xsd: 'podperne_zarizeni-bod.xsd', codeBase: '0100000095', codeSuffix: '01',
    name: 'podpěrné zařízení', group: 'Sdílená stavba / objekt technické infrastruktury', geometry: 'point',
  },
  TrasaMistniElektrickeSite: {
    ...TI, element: 'TrasaMistniElektrickeSite', attributes: ['StavTrasySiteTI', 'VedeniSiteVJineStavbe', 'TypTrasyMistniElektrickeSite'], namespace: 'trmesi', xsd: 'trasa_mistni_elektricke_site-linie.xsd', codeBase: '0100000099', codeSuffix: '02',
    name: 'trasa místní elektrické sítě', group: 'Elektrické vedení', geometry: 'curve',
  },
  TrasaStokoveSite: {
    ...TI, element: 'TrasaStokoveSite', attributes: ['ICME', 'StavTrasySiteTI', 'VedeniSiteVJineStavbe', 'TypTrasyStokoveSite', 'UceloveZarazeniStokoveSite', 'DruhStokoveSite', 'Dimenze', 'Material'], namespace: 'trstsi', xsd: 'trasa_stokove_site-linie.xsd', codeBase: '0100000121', codeSuffix: '02',
    name: 'trasa stokové sítě', group: 'Kanalizace', geometry: 'curve',
  },
  TrasaSiteEK: {
    ...TI, element: 'TrasaSiteEK', attributes: ['StavTrasySiteTI', 'PocetVedeniVTrase', 'VedeniSiteVJineStavbe', 'MaterialTrasySiteEK', 'ZpusobOchranyVedeniSiteEK'], namespace: 'trsiek', xsd: 'trasa_site_EK-linie.xsd', codeBase: '0100000105', codeSuffix: '02',
    name: 'trasa sítě EK', group: 'Elektronická komunikace', geometry: 'curve',
  },
  SdilenyObjektTI: {
    ...TI, element: 'SdilenyObjektTI', attributes: ['StavObjektu', 'TypSdilenehoObjektuTI'], namespace: 'sotbod', xsd: 'sdileny_objekt_TI-bod.xsd',
    codeBase: '0100000093', codeSuffix: '01', name: 'sdílený objekt TI', group: 'Sdílená stavba / objekt technické infrastruktury', geometry: 'point',
  },
  ProvozniPlochaPozemniKomunikacePlocha: {
    ...ROADS, element: 'ProvozniPlochaPozemniKomunikacePlocha', attributes: ['TypPozemniKomunikace', 'PrevazujiciPovrch'], namespace: 'pokpol', xsd: 'provozni_plocha_pozemni_komunikace-plocha.xsd',
    codeBase: '0100000005', codeSuffix: '03', name: 'provozní plocha pozemní komunikace',
  },
  ChodnikPlocha: {
    ...ROADS, element: 'ChodnikPlocha', attributes: ['PrevazujiciPovrch'], namespace: 'chopol', xsd: 'chodnik-plocha.xsd', codeBase: '0100000007', codeSuffix: '03', name: 'chodník',
  },
  CyklostezkaPlocha: {
    ...ROADS, element: 'CyklostezkaPlocha', attributes: ['PrevazujiciPovrch', 'OznaceniCyklostezky'], namespace: 'cykpol', xsd: 'cyklostezka-plocha.xsd', codeBase: '0100000009', codeSuffix: '03', name: 'cyklostezka',
  },
  ParkovisteOdstavnaPlochaPlocha: {
    ...ROADS, element: 'ParkovisteOdstavnaPlochaPlocha', attributes: ['PrevazujiciPovrch'], namespace: 'paopol', xsd: 'parkoviste_odstavna_plocha-plocha.xsd',
    codeBase: '0100000011', codeSuffix: '03', name: 'parkoviště, odstavná plocha',
  },
  UdrzovanaPlochaZelenePlocha: {
    element: 'UdrzovanaPlochaZelenePlocha', attributes: ['TypUdrzovaneZelene'], namespace: 'upzpol', xsd: 'udrzovana_plocha_zelene-plocha.xsd', codeBase: '0100000215', codeSuffix: '03',
    name: 'udržovaná plocha zeleně', category: 'Vodstvo, vegetace a terén', group: 'Udržovaná zeleň', contentPart: 'ZPS', common: 'ZPS', geometry: 'surface',
  },
} as const satisfies Record<string, DtmObjectType>;

/** The object type a feature maps to, or undefined when its code selects none. */
export function dtmObjectTypeOf(mapping: DtmMapping, props: Record<string, unknown>): DtmObjectType | undefined {
  const t = mapping.objectType;
  if ('element' in t) return t;
  const code = props[t.by];
  return typeof code === 'string' ? t.types[code] : undefined;
}

/** Every object type a mapping can produce. */
export function dtmObjectTypes(mapping: DtmMapping): DtmObjectType[] {
  const t = mapping.objectType;
  return 'element' in t ? [t] : [...new Set(Object.values(t.types))];
}
