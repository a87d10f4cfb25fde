import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Server } from 'node:http';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { fromRoot } from '../../schemas/paths.ts';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { seedIfEmpty } from '../../etl/seed.ts';
import { importFile } from '../../etl/import.ts';
import { sampleFeatureCollection } from '../../etl/test/sample-feature.ts';
import { createApp } from '../../api/app.ts';
import { getLayer, layers } from '../../schemas/index.ts';
import { ofnLayers } from '../../api/catalog/ofn.ts';
import { OFN_NORMS } from '../../schemas/ofn.ts';

const BASE = 'https://geoportal.example.cz';
const OFN_DIR = fromRoot('data-catalog/test/ofn');
const GEOJSON_ID = 'https://raw.githubusercontent.com/ropensci/geojsonlint/master/inst/schema/geojson.json';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/**
 * Ajv with every OFN schema of the test data registered under its `$id`. The OFN schemas mix drafts;
 * their keywords mean the same in 2020-12, so one 2020-12 validator reads them all (meta-schema
 * checks off: it knows no 2019-09 or draft-04 meta-schema). `iri` and `text` are OFN formats;
 * their patterns escape `:` and `/`, which only non-unicode regular expressions allow.
 */
function ofnValidator(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  ajv.addFormat('iri', (s: string) => URL.canParse(s));
  ajv.addFormat('text', true);
  for (const f of files(OFN_DIR).filter((p) => p.endsWith('.json'))) {
    const schema = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
    const id = relative(OFN_DIR, f).startsWith('geojsonlint') ? GEOJSON_ID : (schema.$id as string);
    delete schema.$schema;
    delete schema.id;
    ajv.addSchema(asciiRefs({ ...schema, $id: id }) as Record<string, unknown>);
  }
  return ajv;
}

/** The OFN's `$id`s and `$ref`s are IRIs with Czech letters; Ajv resolves references as URIs, so both are written percent-encoded. */
function asciiRefs(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(asciiRefs);
  if (x === null || typeof x !== 'object') return x;
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, (k === '$ref' || k === '$id') && typeof v === 'string' ? uri(v) : asciiRefs(v)]));
}
// one `$id` upstream (seznam-časových-specifikací.json) is written in decomposed Unicode (NFD): NFC makes it match its references
const uri = (iri: string) => encodeURI(decodeURI(iri).normalize('NFC'));
const schema = (iri: string) => {
  const v = ajv.getSchema(uri(iri));
  if (!v) throw new Error(`no OFN schema ${iri} in the test data`);
  return v;
};

const ajv = ofnValidator();

/** Examples of the norms (by path prefix) that do not meet their own schema, and how (README.md). */
const UPSTREAM_DEVIATIONS: Record<string, RegExp> = {
  // opening hours "06:00:00" without a UTC offset, which JSON Schema's `time` (RFC 3339 full-time) requires
  'sportoviště/2020-07-01/příklady/': /časová_doba\/\d+(\/od|\/do)? must (match format "time"|have required property 'čas'|match exactly one schema in oneOf)/,
};
const check = (v: ValidateFunction, doc: unknown) => (v(doc) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

describe('the OFN schemas used as test data', () => {
  it('accept the norms’ own examples, except where an example breaks its own schema (README)', () => {
    const examples = files(OFN_DIR).filter((p) => p.includes('/příklady/'));
    expect(examples.length).toBe(6);
    for (const f of examples) {
      const norm = f.includes('sportoviště') ? OFN_NORMS.sportoviste : OFN_NORMS.nadobyNaTridenyOdpad;
      const doc: unknown = JSON.parse(readFileSync(f, 'utf8'));
      // a list example is checked by the list schema (the waste norm's list example breaks its own item schema)
      const errors = check(schema(Array.isArray(doc) ? norm.listSchema : norm.itemSchema), doc);
      const known = Object.entries(UPSTREAM_DEVIATIONS).find(([prefix]) => relative(OFN_DIR, f).startsWith(prefix))?.[1];
      if (known) expect(errors.length > 0 && errors.every((e) => known.test(e)), errors.join('; ')).toBe(true);
      else expect(errors, f).toEqual([]);
    }
  });

  it('reject items that are not of the norm', () => {
    const sport = schema('https://ofn.gov.cz/sportoviště/2020-07-01/schémata/sportoviště.json');
    const good = {
      '@context': 'https://ofn.gov.cz/sportoviště/2020-07-01/kontexty/sportoviště.jsonld',
      typ: 'Sportoviště',
      iri: 'https://example.cz/sportoviste/1',
      název: { cs: 'Hřiště' },
      umístění: { typ: 'Umístění', geometrie: { type: 'Point', coordinates: [13.4, 50.46] } },
      typ_sportoviště: ['https://data.mvcr.gov.cz/zdroj/číselníky/typy-sportovišť/položky/hřiště'],
    };
    expect(check(sport, good)).toEqual([]);
    expect(check(sport, { ...good, typ: 'Park' })).not.toEqual([]);
    expect(check(sport, { ...good, typ_sportoviště: ['https://example.cz/hriste'] })).not.toEqual([]);
    expect(check(sport, { ...good, umístění: { typ: 'Umístění', geometrie: { type: 'Point', coordinates: 'x' } } })).not.toEqual([]);
    const bin = schema('https://ofn.gov.cz/nádoby-na-tříděný-odpad/2022-04-19/schémata/nádoba-na-tříděný-odpad.json');
    expect(check(bin, { typ: 'Nádoba na tříděný odpad', objem: { typ: 'Množství', hodnota: 1100 } })).not.toEqual([]);
  });
});

describe.each(testBackends())('OFN distributions on %s', (backend) => {
  let database: Database;
  let server: Server;
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-ofn-'));
  const api = () => request(server);

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await seedIfEmpty(database.db);
    // playgrounds have no sample data of their own: a few schema-derived features, with and without a note
    const hriste = getLayer('detska-hriste')!;
    const path = join(dataDir, 'detska-hriste.geojson');
    writeFileSync(path, JSON.stringify(sampleFeatureCollection(hriste, 5)));
    await importFile(database.db, { path, layerId: hriste.id, municipality: 562971 });
    server = createApp({ database, publicBaseUrl: BASE, dataDir }).listen(0);
  }, 300_000);
  afterAll(async () => {
    server?.close();
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('has an OFN for playgrounds and sorted-waste sites, and none for the other layers', () => {
    expect(ofnLayers(layers).map((l) => l.id).sort()).toEqual(['detska-hriste', 'stanoviste-trideneho-odpadu']);
  });

  it.each(ofnLayers(layers).map((l) => [l.id]))('publishes %s in its OFN shape, valid against the OFN JSON Schemas', async (id) => {
    const layer = getLayer(id)!;
    const norm = layer.ofn!.norm;
    const res = await api().get(`/api/downloads/ofn/${id}.jsonld`).expect(200).expect('Content-Type', /application\/ld\+json/);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers.etag).toBe(`"${createHash('sha256').update(res.text).digest('hex')}"`);
    const doc = JSON.parse(res.text) as Record<string, unknown>[];
    expect(doc.length).toBeGreaterThan(0);
    expect(check(schema(norm.listSchema), doc)).toEqual([]);
    const item = schema(norm.itemSchema);
    for (const x of doc) {
      expect(x['@context']).toBe(norm.context);
      expect(check(item, x), JSON.stringify(x)).toEqual([]);
      expect(String(x.iri).startsWith(`${BASE}/api/collections/${id}/items/`)).toBe(true);
    }
    // every feature is in the document
    const count = (await api().get(`/api/collections/${id}/items?limit=1`).expect(200)).body.numberMatched as number;
    expect(new Set(doc.map((x) => String(x.iri).replace(/#.*$/, ''))).size).toBe(count);
  });

  it('declares the OFN distribution in the catalogue with dct:conformsTo the norm', async () => {
    for (const layer of ofnLayers(layers)) {
      const ttl = (await api().get(`/api/catalog/datasets/${layer.id}.ttl`).expect(200)).text;
      expect(ttl).toContain(`${BASE}/api/downloads/ofn/${layer.id}.jsonld`);
      expect(ttl).toContain(`<${layer.ofn!.norm.iri}>`);
    }
    const other = (await api().get('/api/catalog/datasets/parkoviste.ttl').expect(200)).text;
    expect(other).not.toContain('/api/downloads/ofn/');
    await api().get('/api/downloads/ofn/parkoviste.jsonld').expect(404);
  });
});
