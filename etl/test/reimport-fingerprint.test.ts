import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { importFile, type ImportOptions } from '../import.ts';
import type { FieldMapping } from '../mapping.ts';
import { featureForPatch, replaceFeature } from '../../api/editing/features.ts';
import type { Principal } from '../../api/auth/principal.ts';
import { getLayer } from '../../schemas/index.ts';

/**
 * Issue 16.4: a re-import skips, before validating and staging them, the records whose bytes are those
 * their features were last imported with; only the changed and new records are staged and written, and
 * one history row is written per changed feature. Real shapefiles made by GDAL's ogr2ogr from CSV (the
 * columns of the ETL bench), so the fingerprint of the .dbf and .shp bytes is what is tested.
 */
const LAYER = 'stromy';
const MAPPING: FieldMapping = {
  layer: LAYER,
  idField: 'id',
  fields: { evidencni_cislo: 'evid_cislo', typ_dreviny: 'typ_drevin', obvod_kmene: 'obvod', datum_kontroly: 'datum_kont' },
};
const N = 300;
const TAXA = ['Tilia cordata', 'Acer platanoides', 'Quercus robur', 'Betula pendula'];

interface Tree {
  id: number;
  vyska: number;
  taxon: string;
}

const trees = (n: number): Tree[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, vyska: 5 + (i % 20), taxon: TAXA[i % TAXA.length]! }));

/** A point shapefile in S-JTSK (Chomutov town centre) written by ogr2ogr from a CSV of the trees. */
function shapefile(dir: string, name: string, rows: Tree[]): string {
  const csv = join(dir, `${name}.csv`);
  const lines = rows.map((t) =>
    [t.id, (-807_700 + (t.id % 50) * 10).toFixed(2), (-991_700 - Math.floor(t.id / 50) * 10).toFixed(2), `S-${t.id}`, t.taxon, 'listnata', t.vyska.toFixed(1), 100 + t.id, 1 + (t.id % 5), 1 + (t.id % 5), 'ne', '2024-05-15'].join(','),
  );
  writeFileSync(csv, ['id,x,y,evid_cislo,taxon,typ_drevin,vyska,obvod,vitalita,stav,pamatny,datum_kont', ...lines].join('\n') + '\n');
  const shp = join(dir, `${name}.shp`);
  execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', shp, csv, '-a_srs', 'EPSG:5514', '-oo', 'X_POSSIBLE_NAMES=x', '-oo', 'Y_POSSIBLE_NAMES=y', '-oo', 'AUTODETECT_TYPE=YES', '-lco', 'ENCODING=UTF-8', '-nln', name]);
  return shp;
}

const ogr2ogr = (() => {
  try {
    execFileSync('ogr2ogr', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
if (!ogr2ogr && process.env.CI === 'true') throw new Error('ogr2ogr (gdal-bin) is required under CI');

describe.skipIf(!ogr2ogr).each(testBackends())('re-import skipping unchanged records (issue 16.4) on %s', (backend) => {
  let database: Database;
  let dir: string;
  const db = () => database.db;
  const run = (path: string, extra: Partial<ImportOptions> = {}) => importFile(db(), { path, layerId: LAYER, mapping: MAPPING, ...extra });
  const historyRows = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM feature_history WHERE layer_id = ${LAYER}`.execute(db())).rows[0]!.n;
  const heights = async () =>
    new Map((await sql<{ source_id: string; vyska: number }>`SELECT source_id, vyska FROM layer_stromy`.execute(db())).rows.map((r) => [r.source_id, Number(r.vyska)]));

  beforeAll(async () => {
    database = await openTestDatabase(backend, { seeded: true });
    dir = mkdtempSync(join(tmpdir(), 'geoportal-etl-reimport-'));
    // the seed holds no trees: every test below builds on this first load
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_stromy`.execute(db())).rows[0]!.n).toBe(0);
    const first = await run(shapefile(dir, 'first', trees(N)));
    expect(first).toMatchObject({ status: 'succeeded', read: N, inserted: N, rejected: 0, skipped: 0 });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('a first load writes no history; 1 % changed stages and writes only those, one history row each', async () => {
    expect(await historyRows()).toBe(0);
    const changed = trees(N).map((t) => (t.id % 100 === 0 ? { ...t, vyska: t.vyska + 1 } : t));
    const r = await run(shapefile(dir, 'changed', changed));
    expect(r).toMatchObject({ status: 'succeeded', read: N, updated: N / 100, inserted: 0, deleted: 0, rejected: 0 });
    expect(r.unchanged).toBe(N - N / 100);
    // every unchanged record was skipped before validation: none of them was staged
    expect(r.skipped).toBe(N - N / 100);
    expect(await historyRows()).toBe(N / 100);
    const h = await heights();
    for (const t of changed) expect(h.get(String(t.id))).toBe(t.vyska);
    // history: the ended version of a changed tree holds its previous height
    const ended = await sql<{ row: { vyska: number } }>`SELECT row FROM feature_history h JOIN layer_stromy t ON t.fid = h.fid
      WHERE h.layer_id = ${LAYER} AND t.source_id = '100'`.execute(db());
    expect(ended.rows.map((x) => Number(x.row.vyska))).toEqual([trees(N)[99]!.vyska]);
  });

  it('the identical file is reported unchanged without reading its features', async () => {
    const path = join(dir, 'changed.shp');
    const progress: number[] = [];
    const r = await run(path, { onProgress: (read) => progress.push(read) });
    expect(r).toMatchObject({ status: 'succeeded', read: 0, inserted: 0, updated: 0, deleted: 0, unchanged: N });
    expect(r.warnings.join(' ')).toMatch(/nothing was read or changed/);
    expect(progress).toEqual([0]);
  });

  it('a feature staff edited is compared in full: its conflict is reported and the edit kept', async () => {
    const layer = getLayer(LAYER)!;
    const editor: Principal = { userId: 42, email: 'zelen@chomutov.cz', role: 'admin', layers: [], municipalityCode: null, via: 'session' };
    const fid = Number((await sql<{ fid: number }>`SELECT fid FROM layer_stromy WHERE source_id = '7'`.execute(db())).rows[0]!.fid);
    const { doc } = await featureForPatch(db(), layer, fid, editor);
    await replaceFeature(db(), layer, editor, fid, { ...doc, properties: { ...(doc.properties as object), vyska: 77 } }, '*');
    // the file did not change, but the layer did since: the run reads the file and compares the edited feature
    const r = await run(join(dir, 'changed.shp'));
    expect(r).toMatchObject({ status: 'succeeded', read: N, updated: 0, deleted: 0 });
    expect(r.skipped).toBe(N - 1);
    expect(r.conflicts.map((c) => [c.sourceId, c.outcome])).toEqual([['7', 'kept-edit']]);
    expect((await heights()).get('7')).toBe(77);
  });

  it('a record gone from the file is withdrawn, though the others are skipped', async () => {
    const fewer = trees(N)
      .map((t) => (t.id % 100 === 0 ? { ...t, vyska: t.vyska + 1 } : t))
      .filter((t) => t.id !== 42);
    const r = await run(shapefile(dir, 'fewer', fewer), { editPolicy: 'edits-win' });
    expect(r).toMatchObject({ status: 'succeeded', read: N - 1, deleted: 1, inserted: 0, updated: 0 });
    expect((await heights()).has('42')).toBe(false);
    const back = await run(join(dir, 'changed.shp'));
    expect(back).toMatchObject({ inserted: 1, deleted: 0 });
    expect(back.skipped).toBe(N - 2); // all but the new one and the edited one
  });

  it('later records repeating an unchanged record\'s id are rejected as duplicates', async () => {
    const rows = trees(N).map((t) => (t.id % 100 === 0 ? { ...t, vyska: t.vyska + 1 } : t));
    // the same bytes again (found while reading), then other bytes with the same id (found in the stage)
    rows.push({ ...rows[4]! }, { id: 5, vyska: 30, taxon: 'Quercus robur' });
    const r = await run(shapefile(dir, 'dup', rows));
    expect(r.rejects).toEqual([
      { file: 'dup.shp', record: N + 1, field: 'id', reason: 'duplicate source id "5"' },
      { file: 'dup.shp', record: N + 2, field: 'id', reason: 'duplicate source id "5"' },
    ]);
    expect(r).toMatchObject({ updated: 0, inserted: 0, deleted: 0 });
    expect((await heights()).get('5')).toBe(trees(N)[4]!.vyska);
  });

  it('other import settings compare every record in full', async () => {
    const r = await run(join(dir, 'changed.shp'), { mapping: { ...MAPPING, fields: { ...MAPPING.fields } }, maxValueLength: 10_000 });
    expect(r).toMatchObject({ status: 'succeeded', read: N, skipped: 0, inserted: 0, updated: 0, deleted: 0 });
    // every record compared in full; the edited feature stays as staff left it (a conflict, counted unchanged)
    expect(r.unchanged).toBe(N);
    expect(r.conflicts.map((c) => [c.sourceId, c.outcome])).toEqual([['7', 'kept-edit']]);
  });
});
