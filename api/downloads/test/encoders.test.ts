import { describe, expect, it } from 'vitest';
import wkx from 'wkx';
import type { Feature, Geometry } from 'geojson';
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js';
import { buildHeader } from 'flatgeobuf/lib/mjs/generic/featurecollection.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import type { AttributeType } from '../../../schemas/index.ts';
import { writeFeature } from '../write-flatgeobuf.ts';
import { ByteWriter, readWkb } from '../wkb.ts';
import { csvField } from '../write-csv.ts';

const wkb = (g: Geometry) => wkx.Geometry.parseGeoJSON(g).toWkb();

const COLUMNS: { name: string; type: AttributeType; fgb: ColumnType }[] = [
  { name: 'fid', type: 'integer', fgb: ColumnType.Long },
  { name: 'nazev', type: 'text', fgb: ColumnType.String },
  { name: 'pocet', type: 'integer', fgb: ColumnType.Long },
  { name: 'plocha', type: 'number', fgb: ColumnType.Double },
  { name: 'verejne', type: 'boolean', fgb: ColumnType.Bool },
  { name: 'datum', type: 'date', fgb: ColumnType.DateTime },
];

/** Our encoder's features behind the flatgeobuf package's header, read back by the package's own reader. */
async function roundTrip(geometryType: GeometryType, rows: { g: Geometry; values: unknown[] }[]): Promise<Feature[]> {
  const header: HeaderMeta = {
    geometryType,
    columns: COLUMNS.map((c) => ({ name: c.name, type: c.fgb, title: null, description: null, width: -1, precision: -1, scale: -1, nullable: true, unique: false, primary_key: false })),
    envelope: null,
    featuresCount: rows.length,
    indexNodeSize: 0,
    crs: null,
    title: null,
    description: null,
    metadata: null,
  };
  const w = new ByteWriter(16);
  for (const r of rows) writeFeature(w, readWkb(wkb(r.g)), geometryType, COLUMNS.map((c) => c.type), r.values);
  const file = Buffer.concat([Buffer.from([0x66, 0x67, 0x62, 0x03, 0x66, 0x67, 0x62, 0x00]), buildHeader(header, 4326), w.bytes()]);
  const out: Feature[] = [];
  for await (const f of deserialize(new Uint8Array(file))) out.push(f as Feature);
  return out;
}

describe('FlatGeobuf feature encoder', () => {
  it('keeps every property at its column, NULLs in between included', async () => {
    const rows = [
      { g: { type: 'Point', coordinates: [13.4, 50.46] } as Geometry, values: [1, 'Chomutov, náměstí "1. máje"', null, 2.5, true, '2024-05-28'] },
      { g: { type: 'Point', coordinates: [-1e-9, 1e9] } as Geometry, values: [2 ** 40 + 3, null, -7, null, false, null] },
      { g: { type: 'Point', coordinates: [0, 0] } as Geometry, values: [3, null, null, null, null, null] },
    ];
    const got = await roundTrip(GeometryType.Point, rows);
    expect(got.map((f) => f.geometry)).toEqual(rows.map((r) => r.g));
    for (const [i, f] of got.entries()) {
      const want = Object.fromEntries(COLUMNS.map((c, k) => [c.name, rows[i]!.values[k]]).filter(([, v]) => v !== null));
      expect(f.properties).toEqual(want);
    }
  });

  it('encodes polygons with holes, multipolygons and one-part multilinestrings', async () => {
    const hole: Geometry = {
      type: 'Polygon',
      coordinates: [
        [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
        [[2, 2], [2, 3], [3, 3], [2, 2]],
      ],
    };
    const multi: Geometry = {
      type: 'MultiPolygon',
      coordinates: [hole.coordinates, [[[20, 20], [21, 20], [21, 21], [20, 20]]]],
    };
    const line: Geometry = { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1], [2, 0]]] };
    const values = [1, 'a', 1, 1, true, null];
    expect((await roundTrip(GeometryType.Polygon, [{ g: hole, values }]))[0]!.geometry).toEqual(hole);
    expect((await roundTrip(GeometryType.MultiPolygon, [{ g: multi, values }, { g: multi, values }])).map((f) => f.geometry)).toEqual([multi, multi]);
    expect((await roundTrip(GeometryType.MultiLineString, [{ g: line, values }]))[0]!.geometry).toEqual(line);
  });
});

describe('CSV fields', () => {
  it('quotes only what needs it, doubling quotes', () => {
    expect(csvField('Chomutov')).toBe('Chomutov');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "x"')).toBe('"say ""x"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
  });
});
