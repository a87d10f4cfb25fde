import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { importFile } from '../import.ts';
import { loadMapping } from '../mapping.ts';
import { InputError } from '../errors.ts';

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const mappings = new URL('../mappings/', import.meta.url).pathname;
const VFR = join(fixtures, 'ruian/ruian_vfr_trimmed_test_sample.xml');
const CSV_ZIP = join(fixtures, 'ruian/synthetic_20261130_OB_562971_ADR.csv.zip');
const GPKG = join(fixtures, 'gpkg/praha_zizkov_ruian_budovy_ulice_osm.gpkg');

/**
 * The hand-edited VFR fragment keeps its Parcely and StavebniObjekty (with their unclosed rings) inside one
 * XML comment; this copy lifts the comment so the reader meets those elements. Made at test time, from the fixture.
 */
function vfrWithBuildings(): string {
  const dir = mkdtempSync(join(tmpdir(), 'geoportal-vfr-'));
  const text = readFileSync(VFR, 'utf8');
  const lifted = text.replace('<!--<vf:Parcely>', '<vf:Parcely>').replace('</vf:StavebniObjekty>-->', '</vf:StavebniObjekty>');
  expect(lifted).not.toBe(text);
  const path = join(dir, 'ruian_vfr_with_buildings.xml');
  writeFileSync(path, lifted);
  return path;
}

describe.each(testBackends())('RÚIAN import on %s', (backend) => {
  let database: Database;
  const rows = async <T,>(q: ReturnType<typeof sql<T>>) => (await q.execute(database.db)).rows;

  beforeAll(async () => {
    database = await openTestDatabase(backend, { seeded: true });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('seeds the synthetic Chomutov streets, buildings, parts and addresses from VFR', async () => {
    const counts = await rows(sql<{ layer: string; n: number }>`
      SELECT 'a' AS layer, count(*)::int AS n FROM layer_adresni_mista UNION ALL SELECT 'u', count(*)::int FROM layer_ulice
      UNION ALL SELECT 's', count(*)::int FROM layer_stavebni_objekty UNION ALL SELECT 'c', count(*)::int FROM layer_casti_obci`);
    const n = Object.fromEntries(counts.map((c) => [c.layer, c.n]));
    expect(n).toEqual({ a: n.s, u: 7, s: n.s, c: 2 });
    expect(n.s).toBeGreaterThan(50);
    const husova = await rows(sql<{ adresa: string; cislo: string; municipality_code: number }>`
      SELECT adresa, cislo, municipality_code FROM layer_adresni_mista WHERE ulice = 'Husova' AND cislo_orientacni = 12`);
    // names come from the Ulice, CastiObci and Obce elements met earlier in the file
    expect(husova).toEqual([{ adresa: 'Husova 1234/12, Chomutov', cislo: '1234/12', municipality_code: 562971 }]);
    const ev = await rows(sql<{ adresa: string }>`SELECT adresa FROM layer_adresni_mista WHERE typ_so = 'ce' ORDER BY cislo_domovni`);
    expect(ev.map((r) => r.adresa)).toEqual(['Blatenská č. ev. 15, Chomutov', 'Blatenská č. ev. 16, Chomutov']);
    const noStreet = await rows(sql<{ adresa: string }>`SELECT adresa FROM layer_adresni_mista WHERE ulice IS NULL ORDER BY cislo_domovni LIMIT 1`);
    expect(noStreet[0]!.adresa).toBe('Horní Ves 10, Chomutov');
  });

  it('imports the VFR fragment: addresses read, a street without geometry rejected, commented-out elements ignored', async () => {
    const a = await importFile(database.db, { path: VFR, layerId: 'adresni-mista', sourceLayer: 'AdresniMista', municipality: 586846 });
    expect(a.status).toBe('succeeded');
    expect([a.read, a.inserted, a.rejected]).toEqual([4, 4, 0]);
    const one = await rows(sql<{ adresa: string; psc: string; znak_cisla_orientacniho: string | null }>`
      SELECT adresa, psc, znak_cisla_orientacniho FROM layer_adresni_mista WHERE kod = 12331201`);
    // the fragment has the street but not its building or municipality: the address says what it can
    expect(one).toEqual([{ adresa: 'Masarykovo namesti 65/16A', psc: '58601', znak_cisla_orientacniho: 'A' }]);
    const u = await importFile(database.db, { path: VFR, layerId: 'ulice', sourceLayer: 'Ulice', municipality: 586846, dryRun: true });
    expect(u.rejects).toEqual([{ file: 'ruian_vfr_trimmed_test_sample.xml:Ulice', record: 1, field: 'geometry', reason: 'geometry is missing' }]);
  });

  it("reports the fragment's unclosed rings as rejects and imports the closed buildings", async () => {
    const r = await importFile(database.db, { path: vfrWithBuildings(), layerId: 'stavebni-objekty', sourceLayer: 'StavebniObjekty', municipality: 554782, dryRun: true });
    expect(r.status).toBe('dry-run');
    expect(r.read).toBe(4);
    expect(r.inserted).toBe(2);
    expect(r.rejects.map((j) => [j.record, j.field, j.reason])).toEqual([
      [1, 'geometry', 'OriginalniHranice: polygon 1 exterior ring is not closed (first and last positions differ)'],
      [2, 'geometry', 'OriginalniHranice: polygon 1 exterior ring is not closed (first and last positions differ)'],
    ]);
  });

  it('imports the address CSV (windows-1250, positive S-JTSK) from its zip into the same attributes as VFR', async () => {
    // Chomutov's addresses, scoped to Chomutov as the seed imported them (etl/ruian/monthly.ts does the same)
    const r = await importFile(database.db, { path: CSV_ZIP, layerId: 'adresni-mista', municipality: 562971, dryRun: true });
    expect(r.status).toBe('dry-run');
    expect(r.rejected).toBe(0);
    expect(r.read).toBeGreaterThan(40);
    // the same synthetic addresses as the seeded VFR: the CSV brings nothing new and changes nothing,
    // except the building code, which the CSV does not carry
    expect(r.inserted).toBe(0);
    expect(r.updated).toBe(r.read);
    expect(r.warnings.filter((w) => /outside/.test(w))).toEqual([]);
  });

  it('imports the real RÚIAN GeoPackage (buildings and streets read from VFR by GDAL) through mappings', async () => {
    const b = await importFile(database.db, { path: GPKG, layerId: 'stavebni-objekty', sourceLayer: 'budovy', mapping: loadMapping(join(mappings, 'ruian-gpkg-stavebni-objekty.json')), municipality: 554782 });
    // 8 footprints in the file carry no attributes at all (no RÚIAN code): rejected, not invented
    expect([b.read, b.rejected, b.inserted]).toEqual([246, 8, 238]);
    expect(new Set(b.rejects.map((j) => `${j.field}: ${j.reason}`))).toEqual(new Set(['Kod: feature has no stable source id']));
    const u = await importFile(database.db, { path: GPKG, layerId: 'ulice', sourceLayer: 'ulice', mapping: loadMapping(join(mappings, 'ruian-gpkg-ulice.json')), municipality: 554782 });
    // GDAL wrote each street's MultiCurve as separate LineStrings (64 pieces of 18 streets): each piece is kept,
    // identified by its content (etl/mappings/ruian-gpkg-ulice.json), so no piece is lost as a duplicate code
    expect([u.read, u.rejected, u.inserted]).toEqual([64, 0, 64]);
    const streets = await rows(sql<{ n: number }>`SELECT count(DISTINCT kod)::int AS n FROM layer_ulice WHERE municipality_code = 554782`);
    expect(streets[0]!.n).toBe(18);
    const s = await rows(sql<{ nazev: string; lon: number; lat: number }>`
      SELECT nazev, ST_X(ST_StartPoint(ST_GeometryN(geom, 1))) AS lon, ST_Y(ST_StartPoint(ST_GeometryN(geom, 1))) AS lat
      FROM layer_ulice WHERE municipality_code = 554782 AND nazev = 'Seifertova'`);
    expect(s.length).toBeGreaterThan(0);
    // Žižkov, Prague: transformed from S-JTSK to WGS 84
    expect(s[0]!.lon).toBeGreaterThan(14.43);
    expect(s[0]!.lon).toBeLessThan(14.47);
    expect(s[0]!.lat).toBeGreaterThan(50.08);
    expect(s[0]!.lat).toBeLessThan(50.095);
  });

  it('refuses a VFR import that does not say which element type to read, and a file that is not VFR', async () => {
    await expect(importFile(database.db, { path: VFR, layerId: 'ulice' })).rejects.toThrow(/--source-layer \(AdresniMista, Ulice/);
    const dir = mkdtempSync(join(tmpdir(), 'geoportal-vfr-'));
    writeFileSync(join(dir, 'x.xml'), '<html><body/></html>');
    await expect(importFile(database.db, { path: join(dir, 'x.xml'), layerId: 'ulice', sourceLayer: 'Ulice' })).rejects.toBeInstanceOf(InputError);
    writeFileSync(join(dir, 'y.xml'), '<vf:VymennyFormat xmlns:vf="x"><vf:Data><vf:Ulice><vf:Ulice>');
    await expect(importFile(database.db, { path: join(dir, 'y.xml'), layerId: 'ulice', sourceLayer: 'Ulice' })).rejects.toThrow(/malformed|no features/);
  });
});
