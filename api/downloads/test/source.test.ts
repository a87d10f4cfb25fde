import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import Sqlite from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { to as copyToStdout } from 'pg-copy-streams';
import { openTestDatabase } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { getLayer, tableName, type LayerSchema } from '../../../schemas/index.ts';
import { compileCql2 } from '../../features/cql2/compile.ts';
import { parseCql2Text } from '../../features/cql2/parse-text.ts';
import { CRS84 } from '../../features/crs.ts';
import { copyBinaryTuples, decodeBatches } from '../copy-binary.ts';
import { copySql } from '../copy-sql.ts';
import { exportPlan, type ExportRow, type ExportSelection, type GeometryWanted } from '../rows.ts';
import { copyExportSource, queryExportSource, type ExportSource } from '../source.ts';
import { writeGpkg } from '../write-gpkg.ts';

/**
 * The binary COPY row source against the keyset-query source on the same
 * PostgreSQL tables: whatever the query source reads (node-postgres's text
 * results) the COPY source must read too, value for value. PGlite has no COPY
 * TO STDOUT for a client, so this runs on PostgreSQL only.
 */
const N = 257;
const FID_BASE = 2 ** 40; // beyond int4, and beyond a 32-bit read of an int8
const QUOTED = "O'Brien \\ ž";

/** Layers covering every attribute type (date, boolean, number) and point, polygon and multi-line geometries. */
const LAYERS = ['hrobova-mista', 'detska-hriste', 'destova-kanalizace'].map((id) => getLayer(id)!);

function valueSql(type: string, k: number) {
  // each column has NULLs at its own rows; text is Czech and long enough to cross the stream's chunks
  const nullIf = sql.raw(`i % ${k + 3} = 0`);
  switch (type) {
    case 'text':
    case 'code':
      return sql`CASE WHEN ${nullIf} THEN NULL WHEN i = 7 THEN ${QUOTED} ELSE 'Příliš žluťoučký kůň ' || repeat('úpěl ďábelské ódy ', i % 23) || i END`;
    case 'integer':
      return sql`CASE WHEN ${nullIf} THEN NULL ELSE (i * 7919) % 2001 - 1000 END`;
    case 'number':
      return sql`CASE WHEN ${nullIf} THEN NULL ELSE i * 0.001 - 0.1 + 1.0 / 3 END`;
    case 'boolean':
      return sql`CASE WHEN ${nullIf} THEN NULL ELSE i % 2 = 0 END`;
    case 'date':
      return sql`CASE WHEN ${nullIf} THEN NULL ELSE date '1999-12-31' + i END`;
    default:
      throw new Error(type);
  }
}

function geomSql(layer: LayerSchema) {
  const x = sql`13.3 + i * 0.0001`;
  if (layer.geometryType === 'Point') return sql`ST_SetSRID(ST_MakePoint(${x}, 50.46), 4326)`;
  // counter-clockwise outer rings, so `clockwise` changes the WKB
  if (layer.geometryType === 'Polygon') return sql`ST_ForcePolygonCCW(ST_MakeEnvelope(${x}, 50.46, ${x} + 0.00005, 50.46 + 0.00005 * (1 + i % 3), 4326))`;
  return sql`ST_Multi(ST_SetSRID(ST_MakeLine(ST_MakePoint(${x}, 50.46), ST_MakePoint(${x} + 0.0002, 50.47 + i * 0.00001)), 4326))`;
}

async function collect(it: AsyncIterable<ExportRow[]>): Promise<{ rows: ExportRow[]; chunks: number; largest: number }> {
  const rows: ExportRow[] = [];
  let chunks = 0;
  let largest = 0;
  for await (const c of it) {
    rows.push(...c);
    chunks++;
    largest = Math.max(largest, c.length);
  }
  return { rows, chunks, largest };
}

/** Raw batches decoded field by field, as ExportRows (what the FlatGeobuf and dBASE writers read, made comparable). */
async function decodeRaw(source: ExportSource, layer: LayerSchema, want: GeometryWanted, chunk?: number): Promise<ExportRow[]> {
  const plan = exportPlan(layer, {}, want);
  const rows: ExportRow[] = [];
  async function* batches() {
    yield* source.batches(layer, {}, want, chunk);
  }
  for await (const t of decodeBatches(batches(), plan.decoders)) rows.push(...t.map((f) => plan.toRow(f)));
  return rows;
}

const WANTS: GeometryWanted[] = [
  { wkb: true },
  { wkb: true, clockwise: true, envelope: true },
  { geojson: true, propsJson: true, values: false },
  { point: true, wkt: true },
];

describe.runIf(!!process.env.TEST_DATABASE_URL)('export row sources on PostgreSQL', () => {
  let database: Database;
  let copy: ExportSource;
  let query: ExportSource;

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    const conn = database.connection!;
    expect(conn.searchPath).toBeTruthy();
    copy = copyExportSource(conn.url, conn.searchPath);
    query = queryExportSource(database.db);
    for (const layer of LAYERS) {
      const attrs = layer.attributes.map((a) => sql.ref(a.name));
      await sql`INSERT INTO ${sql.raw(tableName(layer))} (fid, source_id, municipality_code, ${sql.join(attrs)}, geom, content_hash)
        SELECT ${FID_BASE}::bigint + i, 's' || i, CASE WHEN i % 11 = 0 THEN NULL ELSE 562971 + i % 2 END,
          ${sql.join(layer.attributes.map((a, k) => valueSql(a.type, k)))}, ${geomSql(layer)}, md5(i::text)
        FROM generate_series(1, ${N}) i`.execute(database.db);
    }
  }, 120_000);
  afterAll(async () => {
    await copy?.close?.();
    await database?.close();
  });

  it('reads the same rows as the query source: every value type, NULLs, int8, UTF-8, bytea', async () => {
    for (const layer of LAYERS) {
      for (const want of WANTS) {
        const a = await collect(query.rows(layer, {}, want, 50));
        const b = await collect(copy.rows(layer, {}, want, 50));
        expect(a.rows.length).toBe(N);
        // batches of at most the asked size (COPY's may end early where a received chunk ends)
        expect(b.chunks).toBeGreaterThanOrEqual(Math.ceil(N / 50));
        expect(b.largest).toBeLessThanOrEqual(50);
        expect(b.rows, `${layer.id} ${JSON.stringify(want)}`).toEqual(a.rows);
        // the undecoded form: COPY's own bytes, and the query source's values encoded the same way
        expect(await decodeRaw(copy, layer, want, 50)).toEqual(a.rows);
        expect(await decodeRaw(query, layer, want, 50)).toEqual(a.rows);
      }
      // the data really holds what the comparison is meant to cover
      const { rows } = await collect(copy.rows(layer, {}, { wkb: true }));
      expect(rows[0]!.values[0]).toBe(FID_BASE + 1);
      expect(rows.some((r) => r.values.includes(null))).toBe(true);
      expect(rows.some((r) => r.values.includes(QUOTED))).toBe(true);
      expect(Buffer.isBuffer(rows[0]!.wkb)).toBe(true);
    }
    const types = new Set(LAYERS.flatMap((l) => l.attributes.map((a) => a.type)));
    expect([...types].sort()).toEqual(['boolean', 'code', 'date', 'integer', 'number', 'text']);
  }, 120_000);

  it('applies municipality, bbox (negative numbers) and a CQL2 filter with quotes and Czech text bound to settings, not written into the COPY text', async () => {
    const layer = LAYERS[0]!;
    const attr = layer.attributes.find((a) => a.type === 'text')!.name;
    const sels: ExportSelection[] = [
      { municipality: 562972 },
      { bbox: [-180, -90, 13.31, 90] },
      { filter: compileCql2(parseCql2Text(`${attr} = 'O''Brien \\ ž' OR ${attr} LIKE 'Příliš%1'`), { layer, filterCrs: CRS84 }) },
    ];
    for (const sel of sels) {
      const a = await collect(query.rows(layer, sel, { wkb: true }));
      const b = await collect(copy.rows(layer, sel, { wkb: true }));
      expect(a.rows.length).toBeGreaterThan(0);
      expect(a.rows.length).toBeLessThan(N);
      expect(b.rows).toEqual(a.rows);
      expect(await copy.textWidths(layer, sel)).toEqual(await query.textWidths(layer, sel));
    }
    const quoted = await collect(copy.rows(layer, sels[2]!, { wkb: true }));
    expect(quoted.rows.some((r) => r.values.includes(QUOTED))).toBe(true);
    for (const sel of sels) {
      const plan = exportPlan(layer, sel, { wkb: true });
      const c = copySql(sql`SELECT ${plan.select} FROM ${plan.from} WHERE ${plan.where}`);
      expect(c.settings.length).toBeGreaterThan(0);
      for (const [, value] of c.settings) expect(c.sql).not.toContain(value);
    }
  });

  it('decodes tuples and UTF-8 text split at every point between stream chunks', async () => {
    const layer = LAYERS[0]!;
    const want: GeometryWanted = { wkb: true, point: true, wkt: true };
    const plan = exportPlan(layer, {}, want);
    const conn = database.connection!;
    const client = new pg.Client({ connectionString: conn.url, options: `-c search_path=${conn.searchPath},public` });
    await client.connect();
    const raw: Buffer[] = [];
    try {
      const c = copySql(sql`SELECT ${plan.select} FROM ${plan.from} WHERE ${plan.where} ORDER BY t.fid`);
      expect(c.settings).toEqual([]);
      const stream = client.query(copyToStdout(`COPY (${c.sql}) TO STDOUT (FORMAT binary)`));
      for await (const c of stream) raw.push(c as Buffer);
    } finally {
      await client.end();
    }
    const all = Buffer.concat(raw);
    // pieces of 1 to 7 bytes: every field boundary, length word and multi-byte character gets cut somewhere
    async function* pieces(): AsyncGenerator<Buffer> {
      for (let o = 0, k = 0; o < all.length; k++) {
        const n = 1 + (k % 7);
        yield all.subarray(o, o + n);
        o += n;
      }
    }
    async function* whole(): AsyncGenerator<Buffer> {
      yield all;
    }
    const split: ExportRow[] = [];
    for await (const t of copyBinaryTuples(pieces(), plan.decoders, 100)) split.push(...t.map((f) => plan.toRow(f)));
    const one: ExportRow[] = [];
    for await (const t of copyBinaryTuples(whole(), plan.decoders, 100)) one.push(...t.map((f) => plan.toRow(f)));
    const { rows } = await collect(query.rows(layer, {}, want));
    expect(split).toEqual(rows);
    expect(one).toEqual(rows);
    // a stream cut short is an error, not a shorter file
    async function* truncated(): AsyncGenerator<Buffer> {
      yield all.subarray(0, all.length - 2);
    }
    await expect(collect((async function* () {
      for await (const t of copyBinaryTuples(truncated(), plan.decoders, 100)) yield t.map((f) => plan.toRow(f));
    })())).rejects.toThrow(/before the trailer/);
  });

  it('GeoPackage records the extent of the features it wrote (from their blobs, no extra query)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'geoportal-gpkg-'));
    try {
      for (const layer of LAYERS) {
        const sel: ExportSelection = { municipality: 562972 };
        const file = join(dir, `${layer.id}.gpkg`);
        await writeGpkg(copy, layer, sel, file);
        const db = new Sqlite(file, { readonly: true });
        const got = db.prepare('SELECT min_x, min_y, max_x, max_y FROM gpkg_contents').get() as Record<string, number>;
        db.close();
        const exact = await sql<{ x0: number; y0: number; x1: number; y1: number }>`SELECT min(ST_XMin(geom)) AS x0, min(ST_YMin(geom)) AS y0,
          max(ST_XMax(geom)) AS x1, max(ST_YMax(geom)) AS y1 FROM ${sql.raw(tableName(layer))} WHERE municipality_code = 562972`.execute(database.db);
        expect([got.min_x, got.min_y, got.max_x, got.max_y]).toEqual(Object.values(exact.rows[0]!));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives its connection back, or drops it when the reader stops early', async () => {
    const layer = LAYERS[1]!;
    for (let i = 0; i < 6; i++) {
      for await (const rows of copy.rows(layer, {}, { wkb: true }, 10)) {
        // at most 10: a batch also ends where a received network chunk ends (wider rows, fewer per chunk)
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.length).toBeLessThanOrEqual(10);
        break;
      }
    }
    // more abandoned COPYs than the pool has connections: they were not left checked out
    const { rows } = await collect(copy.rows(layer, {}, { wkb: true }, 100));
    expect(rows).toHaveLength(N);
  });

  it('reports a failing statement as an error of the export', async () => {
    const layer = LAYERS[0]!;
    const attr = layer.attributes.find((a) => a.type === 'text')!.name;
    // a value PostgreSQL refuses while it streams (invalid date text)
    const filter = compileCql2(parseCql2Text(`${attr} = 'x'`), { layer, filterCrs: CRS84 });
    const bad: ExportSelection = { filter: sql`${filter} OR (${sql.ref(`t.${attr}`)} || ${'-bad'})::date IS NULL` };
    await expect(collect(copy.rows(layer, bad, { wkb: true }))).rejects.toThrow();
    // and the source still works afterwards
    expect((await collect(copy.rows(layer, {}, { wkb: true }))).rows).toHaveLength(N);
  });
});
