import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { getLayer, tableName, type LayerSchema } from '../../schemas/index.ts';
import { FORMATS } from '../../api/downloads/formats.ts';
import { WRITERS } from '../../api/downloads/writers.ts';
import { queryExportSource } from '../../api/downloads/source.ts';
import { importFile } from '../import.ts';
import { loadMapping, mapProperties } from '../mapping.ts';
import { InputError } from '../errors.ts';
import { runEtlCli } from '../cli.ts';
import { SEED_SOURCES } from '../seed.ts';
import { sampleFeatureCollection } from './sample-feature.ts';
import { copyShapefile } from './bad-input.ts';
import Koa from 'koa';
import request from 'supertest';
import { problemMiddleware } from '../../api/problem.ts';
import { etlRoutes } from '../../api/etl/routes.ts';
import { featureForPatch, replaceFeature } from '../../api/editing/features.ts';
import type { Principal } from '../../api/auth/principal.ts';
import { featureHistory } from '../../api/history/history.ts';

const BENCHES = 'mobiliar';
const SITES = 'stanoviste-trideneho-odpadu';
const GREEN = 'zelene-plochy';
const TREES = 'stromy';

function cliIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe.each(testBackends())('ETL safety (issues 13 and 16) on %s', (backend) => {
  let database: Database;
  let dir: string;
  const db = () => database.db;
  const rows = async (layerId: string) =>
    (
      await sql<{ fid: number; source_id: string; content_hash: string; updated_at: Date }>`SELECT fid, source_id, content_hash, updated_at
        FROM ${sql.raw(tableName(getLayer(layerId)!))} ORDER BY fid`.execute(db())
    ).rows.map((r) => ({ ...r, fid: Number(r.fid), updated_at: new Date(r.updated_at).getTime() }));
  const write = (name: string, doc: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify(doc));
    return p;
  };
  /** n sample benches, ids `mobiliar-0` … as GeoJSON feature ids */
  const benches = (n: number) => sampleFeatureCollection(getLayer(BENCHES)!, n);

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    dir = mkdtempSync(join(tmpdir(), 'geoportal-etl-safety-'));
    const [obce, sites] = SEED_SOURCES;
    await importFile(db(), { path: obce.path, layerId: obce.layer, mapping: loadMapping(obce.mapping) });
    await importFile(db(), { path: sites.path, layerId: sites.layer });
    const green = getLayer(GREEN)!;
    await importFile(db(), { path: write('green.geojson', sampleFeatureCollection(green, 30)), layerId: GREEN });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('13.2: records without a source id never withdraw a feature', async () => {
    await importFile(db(), { path: write('ten.geojson', benches(10)), layerId: BENCHES });
    const before = await rows(BENCHES);
    expect(before).toHaveLength(10);
    // the same features without any id: the file is refused as a whole (no column can be the id)
    const noIds = benches(10);
    for (const f of noIds.features) {
      delete (f as { id?: unknown }).id;
      // the inventory number would be a fine id, were it filled in
      (f.properties as Record<string, unknown>).evidencni_cislo = null;
    }
    const err = await importFile(db(), { path: write('noids.geojson', noIds), layerId: BENCHES }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/no column can serve as the stable source id.*--id-field/);
    // an id column named by the operator that most records leave empty: those are rejected, nothing is withdrawn
    const sparse = benches(10);
    sparse.features.forEach((f, i) => {
      (f.properties as Record<string, unknown>).kod = i === 0 ? 'mobiliar-0' : null;
      delete (f as { id?: unknown }).id;
    });
    const r = await importFile(db(), { path: write('sparse.geojson', sparse), layerId: BENCHES, idField: 'kod' });
    expect(r).toMatchObject({ status: 'succeeded', rejected: 9, deleted: 0 });
    expect(r.rejects[0]).toMatchObject({ file: 'sparse.geojson', record: 2, field: 'kod', reason: 'feature has no stable source id' });
    expect(r.warnings.join()).toMatch(/9 records have no source id: nothing is withdrawn/);
    expect((await rows(BENCHES)).map((x) => x.fid)).toEqual(before.map((x) => x.fid));
  });

  it('13.2: a run that would withdraw more than 20 % (or all) of a layer is refused as a whole unless allowed', async () => {
    const before = await rows(BENCHES);
    const seven = benches(10);
    seven.features = seven.features.slice(0, 7);
    const path = write('seven.geojson', seven);
    const err = await importFile(db(), { path, layerId: BENCHES }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/would withdraw 3 of 10 features \(30 %, the limit is 20 %\); nothing was changed.*--allow-withdraw/);
    expect(await rows(BENCHES)).toEqual(before);
    const run = (await sql<{ status: string; error: string }>`SELECT status, error FROM etl_run ORDER BY id DESC LIMIT 1`.execute(db())).rows[0]!;
    expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(/would withdraw 3 of 10/) });
    // the CLI: exit code 1 and the message
    const { io, err: stderr } = cliIo();
    expect(await runEtlCli(['import', path, '--layer', BENCHES], db(), io)).toBe(1);
    expect(stderr.join('\n')).toMatch(/seven\.geojson: the run would withdraw 3 of 10 features[\s\S]*nothing was changed/);
    // a file with entirely other ids would empty the layer
    const other = benches(10);
    other.features.forEach((f, i) => ((f as { id: string }).id = `other-${i}`));
    expect(await importFile(db(), { path: write('other.geojson', other), layerId: BENCHES }).catch((e: Error) => e.message)).toMatch(
      /withdraw 10 of 10 features .*empty the layer/,
    );
    expect(await rows(BENCHES)).toEqual(before);
    // a small share passes; a large one with the operator's consent too
    const nine = benches(10);
    nine.features = nine.features.slice(0, 9);
    expect(await importFile(db(), { path: write('nine.geojson', nine), layerId: BENCHES })).toMatchObject({ deleted: 1, status: 'succeeded' });
    const { io: io2 } = cliIo();
    expect(await runEtlCli(['import', path, '--layer', BENCHES, '--allow-withdraw'], db(), io2)).toBe(0);
    expect(await rows(BENCHES)).toHaveLength(7);
  });

  for (const layerId of [SITES, GREEN]) {
    it(`13.2, 13.5: re-importing each of our download formats of ${layerId} changes nothing`, async () => {
      const layer = getLayer(layerId)!;
      const before = await rows(layerId);
      expect(before.length).toBeGreaterThan(20);
      for (const format of FORMATS) {
        const path = join(dir, `${layer.id}.${format.ext}`);
        await WRITERS[format.id](queryExportSource(db()), layer, {}, path);
        const r = await importFile(db(), { path, layerId });
        expect(r, `${layerId}.${format.ext}`).toMatchObject({ read: before.length, inserted: 0, updated: 0, deleted: 0, rejected: 0, unchanged: before.length });
        expect(r.idSource, format.id).toMatch(/column source_id/);
        expect(await rows(layerId), `${layerId}.${format.ext}`).toEqual(before);
      }
    });
  }

  it('13.5: a GeoPackage is matched by its source_id column, not by its fid', async () => {
    const layer: LayerSchema = getLayer(SITES)!;
    const before = await rows(SITES);
    const path = join(dir, 'renumbered.gpkg');
    await WRITERS.gpkg(queryExportSource(db()), layer, {}, path);
    // another program renumbers the fids (as GDAL does on every conversion)
    const Sqlite = (await import('better-sqlite3')).default;
    const g = new Sqlite(path);
    g.exec(`UPDATE stanoviste_trideneho_odpadu SET fid = fid + 1000000`);
    g.close();
    expect(await importFile(db(), { path, layerId: SITES })).toMatchObject({ inserted: 0, updated: 0, deleted: 0 });
    expect(await rows(SITES)).toEqual(before);
  });

  it('16.1: picks the unique, non-empty id column of a vendor shapefile, says which, and obeys --id-field', async () => {
    const shp = copyShapefile(dir, 'vendor');
    const r = await importFile(db(), { path: shp, layerId: SITES, dryRun: true });
    expect(r.idSource).toMatch(/column ID \(chosen: unique and non-empty/);
    expect(r.rejects.filter((j) => /source id/.test(j.reason))).toEqual([]);
    // all 5,534 Prague container sites without a mapping: `ID` again, not 5,534 "no stable source id" rejects
    const praha = join(new URL('./fixtures/', import.meta.url).pathname, 'praha_ipr_kontejnery_stanoviste_ZPK_O_Kont_TOstan_b_sjtsk.geojson');
    const all = await importFile(db(), { path: praha, layerId: SITES, dryRun: true });
    expect(all.read).toBe(5534);
    expect(all.idSource).toMatch(/column ID \(chosen/);
    expect(all.rejects.filter((j) => /source id/.test(j.reason))).toEqual([]);
    const { io, out } = cliIo();
    await runEtlCli(['import', shp, '--layer', SITES, '--dry-run', '--id-field', 'OBJECTID'], db(), io);
    expect(out.join('\n')).toMatch(/source id: column OBJECTID \(named/);
    expect(await importFile(db(), { path: shp, layerId: SITES, dryRun: true, idField: 'NOPE' }).catch((e: Error) => e.message)).toMatch(
      /id column "NOPE" is not in the file \(columns: OBJECTID, ID, /,
    );
  });

  it('16.1: a file without a usable id is refused with one message listing the candidates', async () => {
    const fc = benches(50);
    fc.features.forEach((f, i) => {
      delete (f as { id?: unknown }).id;
      Object.assign(f.properties as object, { ID: i % 7, OBJECTID: i === 3 ? '' : i, evidencni_cislo: 'E-1' });
    });
    const path = write('noid.geojson', fc);
    const runsBefore = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM etl_reject`.execute(db())).rows[0]!.n;
    const { io, err } = cliIo();
    expect(await runEtlCli(['import', path, '--layer', BENCHES], db(), io)).toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/noid\.geojson: no column can serve as the stable source id.*candidates: ID \(value "0" repeats\), OBJECTID \(has empty values\), evidencni_cislo \(value "E-1" repeats\); name the id column with --id-field/);
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM etl_reject`.execute(db())).rows[0]!.n).toBe(runsBefore);
  });

  it('13.3: a re-import does not silently undo staff edits: conflicts per feature, policy edits-win / hold / source-wins, both versions in history', async () => {
    const layer = getLayer(TREES)!;
    const text = layer.attributes.find((x) => x.type === 'text')!.name;
    const path = write('trees.geojson', sampleFeatureCollection(layer, 10));
    expect(await importFile(db(), { path, layerId: TREES })).toMatchObject({ inserted: 10 });
    const fids = (await rows(TREES)).map((r) => r.fid);
    // four features edited through the editing API by a department editor
    const editor: Principal = { userId: 42, email: 'zelen@chomutov.cz', role: 'admin', layers: [], municipalityCode: null, via: 'session' };
    for (const fid of fids.slice(0, 4)) {
      const { doc } = await featureForPatch(db(), layer, fid, editor);
      (doc.properties as Record<string, unknown>)[text] = `Upraveno ${fid}`;
      await replaceFeature(db(), layer, editor, fid, doc, '*');
    }
    const edited = async () =>
      (await sql<{ fid: number; v: string }>`SELECT fid, ${sql.ref(text)} AS v FROM layer_stromy WHERE fid = ANY(${fids.slice(0, 4)}::bigint[]) ORDER BY fid`.execute(db())).rows.map((r) => r.v);
    const editedValues = fids.slice(0, 4).map((f) => `Upraveno ${f}`);
    expect(await edited()).toEqual(editedValues);

    // the unchanged vendor file again, default policy edits-win: the edits stay, each one reported
    const { io, out } = cliIo();
    expect(await runEtlCli(['import', path, '--layer', TREES], db(), io)).toBe(0);
    expect(await edited()).toEqual(editedValues);
    const text1 = out.join('\n');
    expect(text1).toMatch(/4 conflicts with staff edits \(policy edits-win\)/);
    expect(text1).toMatch(new RegExp(`conflict: trees\\.geojson record 1, feature ${fids[0]} \\(source id stromy-0\\) edited by user:42 at .*: ${text}: source "Vzorek 0 – žluťoučký kůň" vs edited "Upraveno ${fids[0]}" → the edit was kept`));
    const runId = Number(/run (\d+) succeeded/.exec(text1)![1]);
    const app = new Koa();
    app.use(problemMiddleware);
    app.use(etlRoutes(db()).routes());
    const api = (await request(app.callback()).get(`/api/etl/runs/${runId}`).expect(200)).body;
    expect(api.counts).toMatchObject({ updated: 0, conflicts: 4 });
    expect(api.editPolicy).toBe('edits-win');
    expect(api.conflicts[0]).toMatchObject({
      record: 1,
      featureId: fids[0],
      sourceId: 'stromy-0',
      editedBy: 'user:42',
      outcome: 'kept-edit',
      differences: [{ field: text, source: 'Vzorek 0 – žluťoučký kůň', edited: `Upraveno ${fids[0]}` }],
    });

    // hold: nothing is published, the conflicts are kept with the failed run
    const held = cliIo();
    expect(await runEtlCli(['import', path, '--layer', TREES, '--on-conflict', 'hold'], db(), held.io)).toBe(1);
    expect(held.err.join('\n')).toMatch(/4 features edited by staff since their import differ from the source \(policy "hold"\): nothing was changed/);
    expect(await edited()).toEqual(editedValues);
    const heldRun = (await sql<{ id: number; status: string; conflict_count: number }>`SELECT id, status, conflict_count FROM etl_run ORDER BY id DESC LIMIT 1`.execute(db())).rows[0]!;
    expect(heldRun).toMatchObject({ status: 'failed', conflict_count: 4 });
    const heldRows = await sql<{ outcome: string }>`SELECT outcome FROM etl_conflict WHERE run_id = ${heldRun.id}`.execute(db());
    expect(heldRows.rows.map((r) => r.outcome)).toEqual(['held', 'held', 'held', 'held']);

    // source-wins: the source's values are published, the edits stay in the history
    const won = await importFile(db(), { path, layerId: TREES, editPolicy: 'source-wins' });
    expect(won).toMatchObject({ updated: 4, inserted: 0, deleted: 0 });
    expect(won.conflicts.map((c) => c.outcome)).toEqual(['overwritten', 'overwritten', 'overwritten', 'overwritten']);
    expect(await edited()).toEqual(['Vzorek 0 – žluťoučký kůň', 'Vzorek 1 – žluťoučký kůň', 'Vzorek 2 – žluťoučký kůň', 'Vzorek 3 – žluťoučký kůň']);
    const history = (await featureHistory(db(), getLayer(TREES)!, fids[0]!)).map((h) => ({ actor: h.actor, v: h.after?.[text] }));
    expect(history).toEqual([
      { actor: expect.stringMatching(/^etl:run:/), v: 'Vzorek 0 – žluťoučký kůň' },
      { actor: 'user:42', v: `Upraveno ${fids[0]}` },
      { actor: `etl:run:${won.runId}`, v: 'Vzorek 0 – žluťoučký kůň' },
    ]);
    // the current versions came from an import again: no conflicts any more
    expect(await importFile(db(), { path, layerId: TREES })).toMatchObject({ updated: 0, conflicts: [] });
  });

  it('16.4: an unchanged file with unchanged settings is recorded as unchanged without reading its features', async () => {
    const layer = getLayer('parkoviste')!;
    const path = write('parking.geojson', sampleFeatureCollection(layer, 12));
    const first = await importFile(db(), { path, layerId: layer.id });
    expect(first).toMatchObject({ read: 12, inserted: 12 });
    const same = await importFile(db(), { path, layerId: layer.id });
    expect(same).toMatchObject({ status: 'succeeded', read: 0, inserted: 0, updated: 0, deleted: 0, unchanged: 12, checksum: first.checksum });
    expect(same.warnings.join()).toMatch(new RegExp(`same as those of run ${first.runId} .*nothing was read or changed`));
    const run = (await sql<{ status: string; unchanged_count: number }>`SELECT status, unchanged_count FROM etl_run WHERE id = ${same.runId}`.execute(db())).rows[0]!;
    expect(run).toMatchObject({ status: 'succeeded', unchanged_count: 12 });
    // a shortcut run is as good a predecessor as a full one
    expect(await importFile(db(), { path, layerId: layer.id })).toMatchObject({ read: 0, unchanged: 12 });
    // other settings (here: the id column) or another file: read in full
    expect(await importFile(db(), { path, layerId: layer.id, idField: 'id' }).catch((e: Error) => e.message)).toMatch(/id column "id" is not in the file/);
    const changed = sampleFeatureCollection(layer, 12);
    (changed.features[0]!.properties as Record<string, unknown>)[layer.attributes.find((x) => x.type === 'text')!.name] = 'Nový název';
    writeFileSync(path, JSON.stringify(changed));
    expect(await importFile(db(), { path, layerId: layer.id })).toMatchObject({ read: 12, updated: 1, unchanged: 11 });
  });

  it('13.6: a DBF whose .cpg claims ISO-8859-2 but holds windows-1250 is refused, naming the likely encoding', async () => {
    const shp = copyShapefile(dir, 'iso88592');
    writeFileSync(shp.replace(/\.shp$/, '.cpg'), 'ISO-8859-2');
    const before = await rows(SITES);
    const mapping = join(new URL('../mappings/', import.meta.url).pathname, 'praha-ipr-kontejnery-shp.json');
    const { io, err } = cliIo();
    expect(await runEtlCli(['import', shp, '--layer', SITES, '--mapping', mapping, '--allow-withdraw'], db(), io)).toBe(1);
    expect(err.join('\n')).toMatch(/kontejnery\.shp: record \d+ field \w+: the text holds control characters \(bytes 0x80–0x9F\) that iso-8859-2 text never has; the file is most likely windows-1250/);
    expect(await rows(SITES)).toEqual(before);
    // with the right encoding stated, the same file is fine
    const ok = await importFile(db(), { path: shp, layerId: SITES, mapping: loadMapping(mapping), encoding: 'cp1250', dryRun: true });
    expect(ok.rejected).toBe(0);
  });

  it('13.6: a .prj is S-JTSK only when its parameters say so; EPSG:5513 and made-up Krovak WKT are refused', async () => {
    const mapping = loadMapping(join(new URL('../mappings/', import.meta.url).pathname, 'praha-ipr-kontejnery-shp.json'));
    const attempt = (shp: string) => importFile(db(), { path: shp, layerId: SITES, mapping, dryRun: true }).then((r) => `imported ${r.read}`, (e: Error) => e.message);
    const good = copyShapefile(dir, 'prj-good');
    expect(await attempt(good)).toBe('imported 200');
    const prj = readFileSync(good.replace(/\.shp$/, '.prj'), 'utf8');
    const southWest = copyShapefile(dir, 'prj-5513');
    writeFileSync(southWest.replace(/\.shp$/, '.prj'), prj.replace('"X_Scale",-1.0', '"X_Scale",1.0').replace('"XY_Plane_Rotation",90.0', '"XY_Plane_Rotation",0.0'));
    expect(await attempt(southWest)).toMatch(/kontejnery\.prj: EPSG:5513 .*is not accepted/);
    const madeUp = copyShapefile(dir, 'prj-made-up');
    writeFileSync(madeUp.replace(/\.shp$/, '.prj'), prj.replace('"Azimuth",30.28813975277778', '"Azimuth",31.0'));
    expect(await attempt(madeUp)).toMatch(/Krovak projection that is not S-JTSK \/ Krovak East North \(EPSG:5514\): azimuth is 31/);
    expect(await importFile(db(), { path: good, layerId: SITES, mapping, srid: 5513, dryRun: true }).catch((e: Error) => e.message)).toMatch(/EPSG:5513/);
  });

  it('13.6: Shapefile field names cut to 10 characters map back to the attribute when the prefix is unique', () => {
    const attrs = ['cislo_stanoviste', 'pocet_kontejneru', 'oznaceni_a_long', 'oznaceni_b_long'];
    const mapped = mapProperties({ cislo_stan: '062/001', pocet_kont: 3, oznaceni_a: 'x' }, attrs, undefined);
    expect(mapped).toEqual({ cislo_stanoviste: '062/001', pocet_kontejneru: 3, oznaceni_a_long: 'x', oznaceni_b_long: undefined });
    // two attributes share the first 10 characters: the cut name is ambiguous and left alone
    const both = ['oznaceni_xy_a', 'oznaceni_xy_b'];
    expect(mapProperties({ oznaceni_x: 'x' }, both, undefined)).toEqual({ oznaceni_xy_a: undefined, oznaceni_xy_b: undefined });
  });
});
