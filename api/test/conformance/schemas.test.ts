import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '../../../sql/testing.ts';
import { layers } from '../../../schemas/index.ts';
import { featureProperties } from '../../features/properties.ts';
import { openHarness, rel, type Harness, type Link } from './harness.ts';

type Schema = { $schema: string; $id: string; type: string; additionalProperties?: boolean; properties: Record<string, Record<string, unknown>> };

const SPEC = ['ogcapi-common-3', 'ogcapi-features-5'];
const GEOMETRY_FORMATS = /^geometry-(point|multipoint|linestring|multilinestring|polygon|multipolygon|geometrycollection|any)$/;

/** OGC API – Features Part 5 / Common Part 3 "Schemas": requirements of /req/schemas and of the Web API classes. */
function expectSchemaClass(s: Schema, url: string): void {
  expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  expect(s.$id).toMatch(/^https?:\/\/[^?]+$/);
  expect(new URL(s.$id).pathname).toBe(url);
  expect(s.type).toBe('object');
  for (const [name, p] of Object.entries(s.properties)) {
    if (typeof p.format === 'string' && p.format.startsWith('geometry-')) {
      expect(p.format, name).toMatch(GEOMETRY_FORMATS);
      expect(p.type, name).toBeUndefined();
      expect(p.$ref, name).toBeUndefined();
    } else expect(typeof p.type, name).toBe('string');
    for (const k of Object.keys(p)) if (k.startsWith('x-') && !['x-labels', 'x-unit'].includes(k)) expect(k, name).toMatch(/^x-ogc-/);
  }
  expect(Object.values(s.properties).filter((p) => p['x-ogc-role'] === 'id').length).toBeLessThanOrEqual(1);
}

describe.each(testBackends())('Part 5 schemas on %s', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(backend);
  });
  afterAll(async () => h?.close());

  it('links every collection to its schema and sortables, which follow the Schemas class', async () => {
    const cs = (await h.api().get('/api/collections').expect(200)).body.collections as { id: string; links: Link[] }[];
    for (const c of cs) {
      const layer = layers.find((l) => l.id === c.id)!;
      for (const [r, kind] of [['http://www.opengis.net/def/rel/ogc/1.0/schema', 'schema'], ['http://www.opengis.net/def/rel/ogc/1.0/sortables', 'sortables'], ['http://www.opengis.net/def/rel/ogc/1.0/queryables', 'queryables']]) {
        const link = rel(c.links, r!);
        expect(link, `${c.id} ${kind}`).toBeTruthy();
        const path = new URL(link!.href).pathname;
        expect(path).toBe(`/api/collections/${c.id}/${kind}`);
        const res = await h.api().get(path).set('Accept', 'application/schema+json').expect(200).expect('Content-Type', /application\/schema\+json/);
        expectSchemaClass(res.body as Schema, path);
      }
      const schema = (await h.api().get(`/api/collections/${c.id}/schema`).expect(200)).body as Schema;
      expect(Object.entries(schema.properties).find(([, p]) => p['x-ogc-role'] === 'id')![1].readOnly).toBe(true);
      expect(Object.values(schema.properties).filter((p) => p['x-ogc-role'] === 'primary-geometry')).toHaveLength(1);
      for (const p of featureProperties(layer)) expect(schema.properties[p.name], `${c.id}.${p.name}`).toBeTruthy();
      const sortables = (await h.api().get(`/api/collections/${c.id}/sortables`).expect(200)).body as Schema;
      // /req/sortables: no spatial, object or array properties; additionalProperties false, so others are refused
      expect(Object.keys(sortables.properties).sort()).toEqual([...new Set(featureProperties(layer).map((p) => p.name))].sort());
      for (const p of Object.values(sortables.properties)) {
        expect(['object', 'array']).not.toContain(p.type);
        expect(String(p.format ?? '')).not.toMatch(/^geometry/);
      }
      expect(sortables.additionalProperties).toBe(false);
    }
  });

  it('sorts by every sortable and refuses a name that is not one', async () => {
    for (const name of Object.keys(((await h.api().get('/api/collections/obce/sortables').expect(200)).body as Schema).properties))
      await h.api().get(`/api/collections/obce/items?limit=3&sortby=-${name}`).expect(200);
    const bad = await h.api().get('/api/collections/obce/items?sortby=geometry').expect(400);
    expect(bad.body.parameter).toBe('sortby');
  });

  it('declares the Part 5 conformance classes it passes', async () => {
    const conf = (await h.api().get('/api/conformance').expect(200)).body.conformsTo as string[];
    for (const std of SPEC) for (const c of ['schemas', 'returnables-and-receivables', 'queryables', 'sortables']) expect(conf).toContain(`http://www.opengis.net/spec/${std}/1.0/conf/${c}`);
  });

  it('keeps non-public collections\' schemas from anonymous callers', async () => {
    for (const l of layers.filter((x) => x.public === false)) {
      await h.api().get(`/api/collections/${l.id}/schema`).expect(404);
      await h.api().get(`/api/collections/${l.id}/sortables`).expect(404);
    }
  });
});
