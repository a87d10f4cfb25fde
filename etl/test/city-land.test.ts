import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { openHarness, type Harness } from '../../api/test/conformance/harness.ts';
import { importCityLand, parseList } from '../ruian/city-land.ts';
import { runEtlCli } from '../cli.ts';
import { fromRoot } from '../../schemas/paths.ts';

const PARCELS = fromRoot('etl/samples/data/chomutov_ruian_synthetic_UKSH.xml');
const LIST = fromRoot('etl/samples/data/chomutov_majetek_mesta_synthetic.csv');

/** Data lines of the synthetic property list (header and comments left out). */
function listLines(): string[][] {
  return readFileSync(LIST, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).slice(1).map((l) => l.split(';'));
}

describe('the city property list', () => {
  it('reads parcel numbers, the lease flag in Czech and English words, and rejects malformed lines by line number', () => {
    const text = '# komentář\nkod_ku;cislo_parcely;pronajato;ucel;najemce\n620173;st. 12;ano;sklad;Firma s.r.o.\n620173;4001/3;NE;;\n62017;5;ne;;\n620173;12a;ne;;\n620173;7;možná;;\n';
    const { rows, rejects } = parseList(Buffer.from(text), 'seznam.csv');
    expect(rows.map((r) => [r.parcela, r.stavebni, r.kmen, r.pod, r.pronajato, r.ucel])).toEqual([
      ['st. 12', true, 12, null, true, 'sklad'],
      ['4001/3', false, 4001, 3, false, null],
    ]);
    expect(rejects.map((r) => [r.record, r.field])).toEqual([[5, 'kod_ku'], [6, 'cislo_parcely'], [7, 'pronajato']]);
    expect(JSON.stringify(rows)).not.toContain('Firma');
  });

  it('reads a windows-1250 list and refuses one without the required columns, naming them', () => {
    const cp1250 = Buffer.from([...'kod_ku;cislo_parcely;pronajato;ucel\n620173;9;ano;'].map((c) => c.charCodeAt(0)).concat([0x9a, 0x6b, 0x6f, 0x6c, 0x61, 0x0a]));
    expect(parseList(cp1250, 'a.csv').rows[0]!.ucel).toBe('škola');
    expect(() => parseList(Buffer.from('ku;parcela\n620173;1\n'), 'b.csv')).toThrow(/kod_ku, cislo_parcely a pronajato/);
  });
});

describe.each(testBackends())('city-owned land on %s', (backend) => {
  let h: Harness;
  let database: Database;
  let server: Server;
  const rows = async <T,>(q: ReturnType<typeof sql<T>>) => (await q.execute(database.db)).rows;

  // the run's seeded database (etl/seed.ts imported the city-owned land) and an API on it
  beforeAll(async () => ({ database, server } = h = await openHarness(backend)));
  afterAll(async () => h?.close());

  it('seeds the listed parcels with their lease flag and reports the list line that matches no parcel', async () => {
    const lines = listLines();
    const parcels = await rows(sql<{ parcela: string; pronajato: boolean; druh_pozemku: string | null; vymera: number | null }>`
      SELECT parcela, pronajato, druh_pozemku, vymera FROM layer_pozemky_mesta ORDER BY parcela`);
    const expected = lines.filter((l) => l[1] !== '9999/1');
    expect(parcels.map((p) => p.parcela).sort()).toEqual(expected.map((l) => l[1]).sort());
    for (const l of expected) expect(parcels.find((p) => p.parcela === l[1])!.pronajato, l[1]).toBe(l[2] === 'ano');
    expect(parcels.every((p) => p.vymera! > 0 && p.druh_pozemku !== null)).toBe(true);
    const [run] = await rows(sql<{ rejected_count: number; id: number }>`
      SELECT r.id, r.rejected_count FROM etl_run r WHERE r.layer_id = 'pozemky-mesta' ORDER BY r.id DESC LIMIT 1`);
    expect(run!.rejected_count).toBe(1);
    const out: string[] = [];
    expect(await runEtlCli(['report', String(run!.id)], database.db, { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
    const line = readFileSync(LIST, 'utf8').split('\n').findIndex((l) => l.startsWith('620173;9999/1')) + 1;
    const reject = out.find((l) => l.startsWith('chomutov_majetek_mesta_synthetic.csv\t'));
    expect(reject?.split('\t').slice(0, 3)).toEqual(['chomutov_majetek_mesta_synthetic.csv', String(line), 'cislo_parcely']);
    expect(reject).toContain('parcel 9999/1 (k. ú. 620173) is not in the RÚIAN file');
  });

  it('never publishes the tenant: not in the table, the items or a download', async () => {
    const columns = await rows(sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns WHERE table_name = 'layer_pozemky_mesta'`);
    expect(columns.map((c) => c.column_name)).not.toContain('najemce');
    const items = await request(server).get('/api/collections/pozemky-mesta/items?limit=1000').expect(200);
    expect(items.body.features.length).toBe(listLines().length - 1);
    expect(items.body.features[0].properties).toHaveProperty('pronajato');
    expect(JSON.stringify(items.body)).not.toMatch(/Nájemce|najemce/);
    const csv = await request(server).get('/api/downloads/pozemky-mesta.csv').buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
    });
    expect(csv.status).toBe(200);
    expect(csv.body as string).toContain('pronajato');
    expect(csv.body as string).not.toMatch(/Nájemce|najemce/);
  });

  it('a re-import of the same files changes nothing; a lease ending updates one parcel and keeps its id', async () => {
    const before = await rows(sql<{ fid: number; parcela: string }>`SELECT fid, parcela FROM layer_pozemky_mesta ORDER BY fid`);
    const same = await importCityLand(database.db, { parcels: PARCELS, list: LIST, municipality: 562971 });
    expect([same.inserted, same.updated, same.deleted]).toEqual([0, 0, 0]);
    const leased = listLines().find((l) => l[2] === 'ano')!;
    const dir = mkdtempSync(join(tmpdir(), 'geoportal-city-land-test-'));
    const changed = join(dir, 'seznam.csv');
    writeFileSync(changed, readFileSync(LIST, 'utf8').replace(`${leased.join(';')}`, [leased[0], leased[1], 'ne', leased[3], ''].join(';')));
    const r = await importCityLand(database.db, { parcels: PARCELS, list: changed, municipality: 562971 });
    expect([r.inserted, r.updated, r.deleted, r.rejected]).toEqual([0, 1, 0, 1]);
    const after = await rows(sql<{ fid: number; parcela: string; pronajato: boolean }>`SELECT fid, parcela, pronajato FROM layer_pozemky_mesta ORDER BY fid`);
    expect(after.map((a) => [a.fid, a.parcela])).toEqual(before.map((b) => [b.fid, b.parcela]));
    expect(after.find((a) => a.parcela === leased[1])!.pronajato).toBe(false);
  });

  it('refuses a list of another municipality as a whole, changing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'geoportal-city-land-test-'));
    const other = join(dir, 'jiny.csv');
    writeFileSync(other, 'kod_ku;cislo_parcely;pronajato\n655422;1;ne\n655422;2;ano\n');
    const n = async () => (await rows(sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_pozemky_mesta`))[0]!.n;
    const count = await n();
    await expect(importCityLand(database.db, { parcels: PARCELS, list: other, municipality: 562971 })).rejects.toThrow(/none of the 2 parcels/);
    expect(await n()).toBe(count);
  });
});
