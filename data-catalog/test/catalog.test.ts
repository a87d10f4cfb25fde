import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import jsonld from 'jsonld';
import { Parser, Store, type Quad } from 'n3';
import rdf from '@zazuko/env-node';
import SHACLValidator from 'rdf-validate-shacl';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { recordChange } from '../../sql/changes.ts';
import { createApp } from '../../api/app.ts';
import { layers } from '../../schemas/index.ts';
import { LOCAL_CONTEXT, localDocumentLoader, OFN_CONTEXT_IRI } from '../serialize.ts';
import { registerDataset, unregisterDataset } from '../registry.ts';
import { HVD_CATEGORIES, HVD_LEGISLATION, NS } from '../vocab.ts';

const BASE = 'https://geoportal.example.cz';
const here = dirname(fileURLToPath(import.meta.url));
const shapesTtl = readFileSync(join(here, '../shapes/dcat-ap-cz.ttl'), 'utf8');

function parseTurtle(text: string): Quad[] {
  return new Parser({ format: 'text/turtle' }).parse(text);
}
async function parseJsonLd(doc: unknown): Promise<Quad[]> {
  const nq = (await jsonld.toRDF(doc as jsonld.JsonLdDocument, { format: 'application/n-quads', documentLoader: localDocumentLoader as never })) as unknown as string;
  return new Parser({ format: 'N-Quads' }).parse(nq);
}
const canon = (qs: Quad[]) => qs.map((q) => `${q.subject.value} ${q.predicate.value} ${q.object.termType}:${q.object.value}@${'language' in q.object ? q.object.language : ''}^${'datatype' in q.object ? q.object.datatype?.value : ''}`).sort();

async function validate(quads: Quad[]) {
  const shapes = rdf.dataset(parseTurtle(shapesTtl) as never);
  const data = rdf.dataset(quads as never);
  const report = await new SHACLValidator(shapes, { factory: rdf }).validate(data);
  return { conforms: report.conforms, messages: report.results.map((r) => `${r.focusNode?.value} ${r.path?.value}: ${r.message.map((m) => m.value).join('; ')}`) };
}

/**
 * SHA-256 of the OFN DCAT-AP-CZ 2024-05-28 context (datagov-cz/otevrene-formalni-normy, commit 4899626b,
 * kontexty/rozhraní-katalogů-otevřených-dat.jsonld) in a layout-free form: term -> definition, keys sorted.
 * NKOD expands our documents with that file, so a term we compact with must mean the same there.
 */
const OFN_CONTEXT_SHA256 = 'c3c692e2c7069fea81b8f5d1b4abf62a193c85596055719e0c20a3062a78966e';
function contextDigest(ctx: Record<string, unknown>): string {
  const canonical = Object.keys(ctx).sort().map((k) => {
    const v = ctx[k];
    return [k, v && typeof v === 'object' ? Object.keys(v).sort().map((x) => [x, (v as Record<string, unknown>)[x]]) : v];
  });
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

it('compacts with exactly the terms of the official OFN context', () => {
  expect(contextDigest(LOCAL_CONTEXT['@context'])).toBe(OFN_CONTEXT_SHA256);
});

describe.each(testBackends())('DCAT-AP-CZ catalogue on %s', (backend) => {
  let database: Database;
  let server: Server;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-catalog-'));
  const api = () => request(server);
  const path = (iri: string) => iri.slice(BASE.length).replace(/#.*$/, '');
  const all: Quad[] = [];
  let datasetIris: string[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(backend, { seeded: true });
    server = createApp({ database, publicBaseUrl: BASE, dataDir }).listen(0);
  }, 300_000);
  afterAll(async () => {
    server?.close();
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the catalogue as JSON-LD with the official context, listing every layer, series and member', async () => {
    const res = await api().get('/api/catalog').expect(200).expect('Content-Type', /application\/ld\+json/);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.body['@context']).toBe(OFN_CONTEXT_IRI);
    const quads = await parseJsonLd(res.body);
    const cat = quads.filter((q) => q.subject.value === `${BASE}/api/catalog`);
    expect(cat.find((q) => q.predicate.value === NS.rdf + 'type')?.object.value).toBe(NS.dcat + 'Catalog');
    datasetIris = cat.filter((q) => q.predicate.value === NS.dcat + 'dataset').map((q) => q.object.value);
    for (const l of layers.filter((x) => x.public !== false)) expect(datasetIris).toContain(`${BASE}/api/catalog/datasets/${l.id}`);
    expect(datasetIris).toContain(`${BASE}/api/catalog/series/stanoviste-trideneho-odpadu`);
    expect(datasetIris.some((i) => /\/datasets\/stanoviste-trideneho-odpadu\/obec\/\d{6}$/.test(i))).toBe(true);
    const ttl = await api().get('/api/catalog.ttl').expect(200).expect('Content-Type', /text\/turtle/);
    expect(canon(parseTurtle(ttl.text))).toEqual(canon(quads));
    all.push(...quads);
  });

  it('dereferences every dataset IRI in Turtle and JSON-LD to the same complete record', async () => {
    for (const iri of datasetIris) {
      expect(iri.startsWith(`${BASE}/`)).toBe(true);
      const ttl = await api().get(path(iri)).set('Accept', 'text/turtle').expect(200).expect('Content-Type', /text\/turtle/);
      const js = await api().get(path(iri)).set('Accept', 'application/ld+json').expect(200);
      const a = parseTurtle(ttl.text);
      expect(canon(await parseJsonLd(js.body))).toEqual(canon(a));
      expect(a.some((q) => q.subject.value === iri && q.predicate.value === NS.dct + 'modified')).toBe(true);
      all.push(...a);
    }
    for (const q of all) {
      expect(q.subject.termType).toBe('NamedNode');
      expect(q.object.termType).not.toBe('BlankNode');
    }
  }, 120_000);

  it('validates against the DCAT-AP 3.0.0 / HVD / DCAT-AP-CZ shapes', async () => {
    const r = await validate(all);
    expect(r.messages).toEqual([]);
    expect(r.conforms).toBe(true);
    // the shapes bite: dropping the terms of use of one distribution or the HVD marking of another fails validation
    const dist = all.find((q) => q.predicate.value === NS.pu + 'specifikace')!;
    const broken = await validate(all.filter((q) => q !== dist));
    expect(broken.conforms).toBe(false);
    const hvdDist = all.find((q) => q.predicate.value === NS.dcatap + 'applicableLegislation' && q.subject.value.includes('#distribuce-'))!;
    expect((await validate(all.filter((q) => q !== hvdDist))).conforms).toBe(false);
    // … so do an untyped publisher (DCAT-AP 3.0.0: foaf:Agent), a listed IRI no document describes,
    // and an HVD distribution reached through a data service that is not HVD-marked
    const agent = (q: Quad) => q.predicate.value === NS.rdf + 'type' && q.object.value === NS.foaf + 'Agent';
    expect((await validate(all.filter((q) => !agent(q)))).conforms).toBe(false);
    const series = `${BASE}/api/catalog/series/stanoviste-trideneho-odpadu`;
    expect((await validate(all.filter((q) => !(q.subject.value === series && q.predicate.value === NS.rdf + 'type')))).conforms).toBe(false);
    const svcLegislation = (q: Quad) => q.subject.value === `${BASE}/api/catalog/services/tiles` && q.predicate.value === NS.dcatap + 'applicableLegislation';
    expect((await validate(all.filter((q) => !svcLegislation(q)))).conforms).toBe(false);
  }, 120_000);

  it('declares byte size and SHA-256 of the files the download URLs serve', async () => {
    const store = new Store(all);
    const dls = store.getQuads(null, NS.dcat + 'downloadURL', null, null);
    expect(dls.length).toBeGreaterThanOrEqual(5 * layers.filter((x) => x.public !== false).length);
    for (const q of dls.slice(0, 12)) {
      const res = await api().get(path(q.object.value)).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      }).expect(200);
      const body = res.body as Buffer;
      const size = store.getObjects(q.subject, NS.dcat + 'byteSize', null)[0]!.value;
      const checksum = store.getObjects(q.subject, NS.spdx + 'checksum', null)[0]!;
      const value = store.getObjects(checksum, NS.spdx + 'checksumValue', null)[0]!.value;
      expect(body.length).toBe(Number(size));
      expect(createHash('sha256').update(body).digest('hex')).toBe(value);
      expect(res.headers.etag).toBe(`"${value}"`);
    }
  }, 120_000);

  it('marks HVD on dataset, distributions and data services with contact point and documentation', async () => {
    const store = new Store(all);
    const ds = `${BASE}/api/catalog/datasets/obce`;
    expect(store.getObjects(ds, NS.dcatap + 'applicableLegislation', null).map((o) => o.value)).toEqual([HVD_LEGISLATION]);
    // a sub-category of the annex (administrative units), never one of the six top-level categories NKOD refuses
    expect(store.getObjects(ds, NS.dcatap + 'hvdCategory', null).map((o) => o.value)).toEqual([HVD_CATEGORIES.administrativeUnits.iri]);
    const used = new Set(store.getObjects(null, NS.dcatap + 'hvdCategory', null).map((o) => o.value));
    expect([...used].sort()).toEqual(Object.values(HVD_CATEGORIES).map((c) => c.iri).sort());
    // local pasports such as trees are open data, but not High-Value Datasets under the regulation
    const trees = store.getSubjects(null, null, null).filter((s) => /\/(datasets|series)\/stromy(-|$)/.test(s.value));
    expect(trees.length).toBeGreaterThan(0);
    for (const t of trees) expect(store.getObjects(t, NS.dcatap + 'applicableLegislation', null)).toEqual([]);
    const svc = `${BASE}/api/catalog/services/features`;
    expect(store.getObjects(svc, NS.dcat + 'contactPoint', null)).toHaveLength(1);
    expect(store.getObjects(svc, NS.foaf + 'page', null)).toHaveLength(1);
    const svcDoc = await api().get('/api/catalog/services/features').set('Accept', 'text/turtle').expect(200);
    expect((await validate(parseTurtle(svcDoc.text))).conforms).toBe(true);
    const spatial = store.getObjects(ds, NS.dct + 'spatial', null).map((o) => o.value);
    expect(spatial).toHaveLength(25);
    expect(spatial).toContain('https://linked.cuzk.cz/resource/ruian/obec/562971');
  });

  it('answers conditional GETs with 304 and moves modified when the layer changes', async () => {
    const first = await api().get('/api/catalog/datasets/obce').set('Accept', 'text/turtle').expect(200);
    const etag = first.headers.etag!;
    expect(first.headers['last-modified']).toBeTruthy();
    await api().get('/api/catalog/datasets/obce').set('Accept', 'text/turtle').set('If-None-Match', etag).expect(304);
    await new Promise((r) => setTimeout(r, 1100));
    await recordChange(database.db, { layerId: 'obce', bbox: null, source: 'test' });
    const second = await api().get('/api/catalog/datasets/obce').set('Accept', 'text/turtle').set('If-None-Match', etag).expect(200);
    expect(second.headers.etag).not.toBe(etag);
    const mod = (t: string) => parseTurtle(t).find((q) => q.subject.value === `${BASE}/api/catalog/datasets/obce` && q.predicate.value === NS.dct + 'modified')!.object.value;
    expect(new Date(mod(second.text)).getTime()).toBeGreaterThan(new Date(mod(first.text)).getTime());
    const pre = await api().options('/api/catalog').set('Origin', 'https://example.org').set('Access-Control-Request-Method', 'GET').set('Access-Control-Request-Headers', 'If-None-Match');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
  });

  it('lists datasets registered from elsewhere (sensors) and validates them', async () => {
    registerDataset({
      id: 'test-pozorovani',
      title: { cs: 'Pozorování čidel', en: 'Sensor observations' },
      description: { cs: 'Denní souhrny měření.', en: 'Daily summaries.' },
      keywords: { cs: ['čidla'], en: ['sensors'] },
      euThemes: ['ENVI'],
      frequency: 'DAILY',
      municipalities: async () => [562971],
      modified: async () => new Date('2026-01-02T00:00:00Z'),
      temporal: async () => ({ start: '2026-01-01' }),
      distributions: [{ id: 'csv', title: { cs: 'Denní CSV', en: 'Daily CSV' }, path: '/api/sensors/daily.csv', mediaType: 'text/csv', euFileType: 'CSV', file: async () => ({ bytes: 10, sha256: 'a'.repeat(64) }) }],
    });
    try {
      const cat = await api().get('/api/catalog.ttl').expect(200);
      expect(cat.text).toContain('/api/catalog/datasets/test-pozorovani');
      const doc = await api().get('/api/catalog/datasets/test-pozorovani.ttl').expect(200);
      const r = await validate(parseTurtle(doc.text));
      expect(r.messages).toEqual([]);
    } finally {
      unregisterDataset('test-pozorovani');
    }
  });

  it('refuses unknown datasets with problem+json', async () => {
    const r = await api().get('/api/catalog/datasets/neexistuje').expect(404);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
