import { DataFactory, Store, type Quad } from 'n3';
import { PUBLISHER } from './publisher.ts';
import { catalogIri, contactIri, type CatalogContext, type DatasetRecord, type ServiceRecord } from './records.ts';
import { EU, HVD_CATEGORIES, HVD_LEGISLATION, NS, RUIAN_OBEC, type HvdCategory } from './vocab.ts';
import type { Localized } from '../schemas/index.ts';

const { namedNode, literal, quad } = DataFactory;

const iri = (ns: keyof typeof NS, local: string) => namedNode(NS[ns] + local);
const A = iri('rdf', 'type');

/** A tiny builder over an N3 store: every node is an IRI (the catalogue allows no blank nodes). */
class Graph {
  readonly store = new Store();
  add(s: string, p: ReturnType<typeof iri>, o: ReturnType<typeof namedNode> | ReturnType<typeof literal>): void {
    this.store.addQuad(quad(namedNode(s), p, o));
  }
  ref(s: string, p: ReturnType<typeof iri>, o: string): void {
    this.add(s, p, namedNode(o));
  }
  text(s: string, p: ReturnType<typeof iri>, l: Localized): void {
    this.add(s, p, literal(l.cs, 'cs'));
    this.add(s, p, literal(l.en, 'en'));
  }
  typed(s: string, p: ReturnType<typeof iri>, value: string, type: keyof typeof XSD): void {
    this.add(s, p, literal(value, namedNode(XSD[type])));
  }
}

const XSD = {
  dateTime: NS.xsd + 'dateTime',
  date: NS.xsd + 'date',
  nonNegativeInteger: NS.xsd + 'nonNegativeInteger',
  hexBinary: NS.xsd + 'hexBinary',
} as const;

function contactPoint(g: Graph, ctx: CatalogContext): string {
  const c = contactIri(ctx);
  g.ref(c, A, NS.vcard + 'Organization');
  g.text(c, iri('vcard', 'fn'), PUBLISHER.name);
  g.ref(c, iri('vcard', 'hasEmail'), `mailto:${ctx.contactEmail}`);
  return c;
}

/**
 * The publisher is the RPP IRI (DCAT-AP-CZ); DCAT-AP 3.0.0 wants a foaf:Agent there, and dct:publisher's own
 * range (dct:Agent) does not make it one, so even a validator that loads the vocabularies needs the type stated.
 */
function publisher(g: Graph, s: string): void {
  g.ref(s, iri('dct', 'publisher'), PUBLISHER.iri);
  g.ref(PUBLISHER.iri, A, NS.foaf + 'Agent');
  g.text(PUBLISHER.iri, iri('foaf', 'name'), PUBLISHER.name);
}

/** HVD marking: the legislation, and on datasets and data services their sub-categories (none on distributions). */
function hvd(g: Graph, s: string, categories: readonly HvdCategory[]): void {
  g.ref(s, iri('dcatap', 'applicableLegislation'), HVD_LEGISLATION);
  for (const c of categories) g.ref(s, iri('dcatap', 'hvdCategory'), HVD_CATEGORIES[c].iri);
}

/** The catalogue document: the catalogue and the IRIs of its datasets and series. */
export function catalogGraph(ctx: CatalogContext, datasets: { iri: string }[]): Store {
  const g = new Graph();
  const c = catalogIri(ctx);
  g.ref(c, A, NS.dcat + 'Catalog');
  g.text(c, iri('dct', 'title'), { cs: 'Katalog otevřených dat – Geoportál Chomutov', en: 'Open data catalogue – Chomutov Geoportal' });
  g.text(c, iri('dct', 'description'), {
    cs: 'Lokální katalog otevřených dat statutárního města Chomutov a obcí ORP Chomutov: pasporty, hranice obcí, územní plány a data čidel.',
    en: 'Local open data catalogue of the City of Chomutov and the municipalities of ORP Chomutov: pasports, municipal boundaries, land-use plans and sensor data.',
  });
  publisher(g, c);
  g.ref(c, iri('foaf', 'homepage'), `${ctx.base}/data`);
  g.ref(c, iri('dcat', 'contactPoint'), contactPoint(g, ctx));
  for (const d of datasets) g.ref(c, iri('dcat', 'dataset'), d.iri);
  return g.store;
}

/** One dataset (or series) document: the record, its distributions, their terms of use and checksums, and the services. */
export function datasetGraph(ctx: CatalogContext, d: DatasetRecord, services: ServiceRecord[]): Store {
  const g = new Graph();
  const s = d.iri;
  g.ref(s, A, NS.dcat + (d.kind === 'series' ? 'DatasetSeries' : 'Dataset'));
  g.text(s, iri('dct', 'title'), d.title);
  g.text(s, iri('dct', 'description'), d.description);
  for (const k of d.keywords.cs) g.add(s, iri('dcat', 'keyword'), literal(k, 'cs'));
  for (const k of d.keywords.en) g.add(s, iri('dcat', 'keyword'), literal(k, 'en'));
  publisher(g, s);
  for (const t of d.euThemes) g.ref(s, iri('dcat', 'theme'), EU.theme + t);
  g.ref(s, iri('dct', 'accrualPeriodicity'), EU.frequency + d.frequency);
  for (const m of d.municipalities) g.ref(s, iri('dct', 'spatial'), RUIAN_OBEC + m);
  if (d.temporal && (d.temporal.start || d.temporal.end)) {
    const t = `${s}#casove-pokryti`;
    g.ref(s, iri('dct', 'temporal'), t);
    g.ref(t, A, NS.dct + 'PeriodOfTime');
    if (d.temporal.start) g.typed(t, iri('dcat', 'startDate'), d.temporal.start, 'date');
    if (d.temporal.end) g.typed(t, iri('dcat', 'endDate'), d.temporal.end, 'date');
  }
  g.typed(s, iri('dct', 'modified'), d.modified.toISOString(), 'dateTime');
  g.ref(s, iri('dcat', 'contactPoint'), contactPoint(g, ctx));
  if (d.page) g.ref(s, iri('foaf', 'page'), d.page);
  if (d.conformsTo) g.ref(s, iri('dct', 'conformsTo'), d.conformsTo);
  if (d.inSeries) g.ref(s, iri('dcat', 'inSeries'), d.inSeries);
  if (d.hvd) hvd(g, s, [d.hvd]);

  const usedServices = new Set<string>();
  for (const dist of d.distributions) {
    const x = `${s}#distribuce-${dist.key}`;
    g.ref(s, iri('dcat', 'distribution'), x);
    g.ref(x, A, NS.dcat + 'Distribution');
    g.text(x, iri('dct', 'title'), dist.title);
    g.ref(x, iri('dcat', 'accessURL'), dist.accessUrl);
    if (dist.downloadUrl) g.ref(x, iri('dcat', 'downloadURL'), dist.downloadUrl);
    g.ref(x, iri('dct', 'format'), EU.fileType + dist.euFileType);
    g.ref(x, iri('dcat', 'mediaType'), EU.iana + dist.mediaType);
    if (dist.conformsTo) g.ref(x, iri('dct', 'conformsTo'), dist.conformsTo);
    if (dist.file) {
      g.typed(x, iri('dcat', 'byteSize'), String(dist.file.bytes), 'nonNegativeInteger');
      const c = `${s}#kontrolni-soucet-${dist.key}`;
      g.ref(x, iri('spdx', 'checksum'), c);
      g.ref(c, A, NS.spdx + 'Checksum');
      g.ref(c, iri('spdx', 'algorithm'), NS.spdx + 'checksumAlgorithm_sha256');
      g.typed(c, iri('spdx', 'checksumValue'), dist.file.sha256, 'hexBinary');
    }
    const pu = `${s}#podminky-uziti-${dist.key}`;
    g.ref(x, iri('pu', 'specifikace'), pu);
    g.ref(pu, A, NS.pu + 'Specifikace');
    g.ref(pu, iri('pu', 'autorské-dílo'), d.terms.authorWork);
    g.ref(pu, iri('pu', 'databáze-jako-autorské-dílo'), d.terms.authorDatabase);
    g.ref(pu, iri('pu', 'databáze-chráněná-zvláštními-právy'), d.terms.specialDatabaseRight);
    g.ref(pu, iri('pu', 'osobní-údaje'), d.terms.personalData);
    if (d.hvd) hvd(g, x, []);
    if (dist.service) {
      const svc = services.find((v) => v.id === dist.service);
      if (svc) {
        g.ref(x, iri('dcat', 'accessService'), svc.iri);
        usedServices.add(svc.id);
      }
    }
  }
  for (const svc of services) if (usedServices.has(svc.id)) serviceInto(g, ctx, svc, d.hvd ? [d.hvd] : [], [d.iri]);
  return g.store;
}

function serviceInto(g: Graph, ctx: CatalogContext, svc: ServiceRecord, hvdCategories: readonly HvdCategory[], serves: string[]): void {
  const s = svc.iri;
  g.ref(s, A, NS.dcat + 'DataService');
  g.text(s, iri('dct', 'title'), svc.title);
  g.ref(s, iri('dcat', 'endpointURL'), svc.endpointUrl);
  g.ref(s, iri('dcat', 'endpointDescription'), svc.endpointDescription);
  publisher(g, s);
  g.ref(s, iri('dcat', 'contactPoint'), contactPoint(g, ctx));
  g.ref(s, iri('foaf', 'page'), svc.page);
  for (const d of serves) g.ref(s, iri('dcat', 'servesDataset'), d);
  if (hvdCategories.length) hvd(g, s, hvdCategories);
}

/** A data service document (the OGC API, the tile service) with every dataset it serves and their HVD sub-categories. */
export function serviceGraph(ctx: CatalogContext, svc: ServiceRecord, hvdCategories: readonly HvdCategory[]): Store {
  const g = new Graph();
  serviceInto(g, ctx, svc, hvdCategories, svc.serves);
  return g.store;
}

export function quadsOf(store: Store): Quad[] {
  return store.getQuads(null, null, null, null);
}
