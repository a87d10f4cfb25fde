import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { getLayer, layers } from '../../../schemas/index.ts';
import { importFile } from '../../import.ts';
import { loadMapping } from '../../mapping.ts';
import { sampleFeatureCollection } from '../../test/sample-feature.ts';
import { dtmLayers, exportDtm, type DtmExportResult } from '../export.ts';
import { readJvf, type JvfRecord } from '../reader.ts';
import { unmapRecord } from '../mapping.ts';
import { INDEX_XSD, validateJvf } from '../validate.ts';
import { runEtlCli } from '../../cli.ts';

const ETL = join(import.meta.dirname, '../..');
const CHOMUTOV = 562971;
const PER_LAYER = 8;

/** xmllint itself, as a regional DTM runs it on a delivered file. */
function xmllint(dir: string, xml: string): string {
  const file = join(dir, `delivery-${Date.now()}-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  try {
    return execFileSync('xmllint', ['--noout', '--schema', INDEX_XSD, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) + 'ok';
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e).split('\n').filter((l) => !/namespace warning|^\s|^$/.test(l)).join('\n');
  }
}

function key(r: JvfRecord): string {
  return `${r.op} ${r.attributes.get('PopisObjektu')}`;
}

describe.each(testBackends())('JVF DTM delivery on %s', (backend) => {
  let database: Database;
  let dir: string;
  let complete: DtmExportResult;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    dir = mkdtempSync(join(tmpdir(), 'geoportal-dtm-'));
    const { db } = database;
    await importFile(db, { path: join(ETL, 'samples/data/obce_orp_chomutov.geojson'), layerId: 'obce', mapping: loadMapping(join(ETL, 'mappings/obce-ruian.json')) });
    // every DTM layer and the traffic signs (no DTM object type) with features generated from their schemas;
    // 8 features cycle through every code of the mapped code lists
    for (const layer of [...dtmLayers(), getLayer('dopravni-znacky')!]) {
      const path = join(dir, `${layer.id}.geojson`);
      writeFileSync(path, JSON.stringify(sampleFeatureCollection(layer, PER_LAYER)));
      const r = await importFile(db, { path, layerId: layer.id, municipality: CHOMUTOV });
      expect(r.status, `${layer.id}: ${r.error}`).not.toBe('failed');
    }
    // a road area of two separate parts cannot be one DTM object: reported, not delivered
    await sql`UPDATE layer_komunikace SET geom = ST_Multi(ST_Union(geom, ST_Translate(geom, 0.0005, 0)))
      WHERE fid = (SELECT min(fid) FROM layer_komunikace)`.execute(db);
    complete = await exportDtm(db, { municipality: CHOMUTOV, kind: 'complete', record: true, actor: 'test' });
  }, 180_000);

  afterAll(async () => {
    await database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes a complete delivery of every mapped feature that validates against the official XSD set', () => {
    expect(complete.kind).toBe('complete');
    expect(complete.validation).toEqual({ valid: true, errors: [] });
    expect(xmllint(dir, complete.xml)).toBe('ok');
    const jvf = readJvf(complete.xml);
    expect(jvf.kind).toBe('kompletní zápis');
    expect(jvf.records.every((r) => r.op === 'i')).toBe(true);
    // one record per feature of each DTM layer, minus the one reported as unmappable
    expect(jvf.records.length).toBe(dtmLayers().length * PER_LAYER - 1);
    expect(complete.counts).toEqual({ i: jvf.records.length, u: 0, d: 0 });
    expect(new Set(jvf.records.map((r) => r.attributes.get('PopisObjektu')!.split('/')[0]))).toEqual(new Set(dtmLayers().map((l) => l.id)));
    expect(jvf.records.some((r) => r.attributes.get('PopisObjektu')!.startsWith('dopravni-znacky/'))).toBe(false);
    expect(jvf.changes).toHaveLength(1);
    expect(jvf.changes[0]!.get('Konsolidace')).toBe('true');
  });

  it('reports the record that cannot be mapped', async () => {
    const fid = (await sql<{ fid: number }>`SELECT min(fid)::int AS fid FROM layer_komunikace`.execute(database.db)).rows[0]!.fid;
    expect(complete.unmapped).toEqual([{ layer: 'komunikace', fid, reason: expect.stringMatching(/MultiPolygon of 2 parts/) }]);
  });

  it('writes S-JTSK coordinates to the centimetre, and reads back to the stored features', async () => {
    const jvf = readJvf(complete.xml);
    expect(complete.xml).toMatch(/srsName="EPSG:5514"/);
    const lights = jvf.records.filter((r) => r.element === 'PodperneZarizeni');
    expect(lights).toHaveLength(PER_LAYER);
    const stored = await sql<{ fid: number; typ_nosice: string | null; x: number; y: number }>`SELECT fid::int AS fid, typ_nosice,
        round(ST_X(ST_Transform(geom, 5514))::numeric, 2)::float8 AS x, round(ST_Y(ST_Transform(geom, 5514))::numeric, 2)::float8 AS y
      FROM layer_svetelne_body ORDER BY fid`.execute(database.db);
    const layer = getLayer('svetelne-body')!;
    for (const s of stored.rows) {
      const r = lights.find((x) => x.attributes.get('IDExterni') === `svetelne-body/${s.fid}`)!;
      expect(r.geometry).toEqual({ type: 'Point', coordinates: [s.x, s.y] });
      expect(Math.abs(s.x + 807_700)).toBeLessThan(1000); // Chomutov in EPSG:5514 (x ≈ −807 700)
      // the support type goes back where the mapping is one to one
      const back = unmapRecord(layer, r.element, r.attributes);
      if (s.typ_nosice === 'vyloznik-fasada' || s.typ_nosice === 'sloup-nn' || s.typ_nosice === 'stozar-beton') expect(back.typ_nosice).toBe(s.typ_nosice);
    }
    expect(complete.xml).not.toMatch(/<gml:pos(List)?>[^<]*\d\.\d{3}/);
  });

  it('a change delivery after a few edits contains exactly those changes, with their change records', async () => {
    const { db } = database;
    const one = async (t: string, n = 0) =>
      (await sql<{ fid: number }>`SELECT fid::int AS fid FROM ${sql.table(t)} ORDER BY fid OFFSET ${n} LIMIT 1`.execute(db)).rows[0]!.fid;
    const light = await one('layer_svetelne_body');
    const cable = await one('layer_kabelove_vedeni_vo');
    const road = await one('layer_komunikace', 1);
    const green = await one('layer_zelene_plochy');
    await db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('geoportal.actor', 'user:test', true)`.execute(trx);
      await sql`UPDATE layer_svetelne_body SET typ_nosice = 'vyloznik-fasada', geom = ST_Translate(geom, 0.00001, 0) WHERE fid = ${light}`.execute(trx);
      await sql`DELETE FROM layer_kabelove_vedeni_vo WHERE fid = ${cable}`.execute(trx);
      // the road area becomes a pavement: another DTM object type, so the old object goes and a new one comes
      await sql`UPDATE layer_komunikace SET druh = CASE WHEN druh = 'chodnik' THEN 'vozovka' ELSE 'chodnik' END WHERE fid = ${road}`.execute(trx);
      // a note is not in the DTM, but the feature changed: delivered as an update
      await sql`UPDATE layer_zelene_plochy SET poznamka = 'posekáno' WHERE fid = ${green}`.execute(trx);
    });
    const sewer = join(dir, 'nova-stoka.geojson');
    const fc = sampleFeatureCollection(getLayer('destova-kanalizace')!, 1);
    fc.features[0]!.id = 'nova-stoka';
    writeFileSync(sewer, JSON.stringify(fc));
    // a new pipe by import into another municipality scope would replace; insert it as the editor does
    await sql`INSERT INTO layer_destova_kanalizace (source_id, municipality_code, oznaceni, profil, geom, content_hash)
      VALUES ('edit:nova-stoka', ${CHOMUTOV}, 'Nová stoka', 300, ST_Transform(ST_GeomFromText('MULTILINESTRING((-807000 -991000, -807010 -991020))', 5514), 4326), 'x')`.execute(db);
    const newPipe = (await sql<{ fid: number }>`SELECT fid::int AS fid FROM layer_destova_kanalizace WHERE source_id = 'edit:nova-stoka'`.execute(db)).rows[0]!.fid;

    const changes = await exportDtm(db, { municipality: CHOMUTOV, kind: 'changes', record: true, actor: 'test' });
    expect(changes.kind).toBe('changes');
    expect(changes.previousDeliveryId).toBe(complete.deliveryId);
    expect(xmllint(dir, changes.xml)).toBe('ok');
    const jvf = readJvf(changes.xml);
    expect(jvf.kind).toBe('změnové věty');
    const roadBefore = readJvf(complete.xml).records.find((r) => r.attributes.get('PopisObjektu') === `komunikace/${road}`)!;
    const roadAfter = jvf.records.filter((r) => r.attributes.get('PopisObjektu') === `komunikace/${road}`);
    expect(jvf.records.map(key).sort()).toEqual(
      [
        `u svetelne-body/${light}`,
        `d kabelove-vedeni-vo/${cable}`,
        `d komunikace/${road}`,
        `i komunikace/${road}`,
        `u zelene-plochy/${green}`,
        `i destova-kanalizace/${newPipe}`,
      ].sort(),
    );
    expect(roadAfter.find((r) => r.op === 'd')!.element).toBe(roadBefore.element);
    expect(roadAfter.find((r) => r.op === 'i')!.element).not.toBe(roadBefore.element);
    expect(jvf.records.find((r) => r.op === 'u' && r.element === 'PodperneZarizeni')!.attributes.get('TypPodpernehoZarizeni')).toBe('5');
    expect(changes.counts).toEqual({ i: 2, u: 2, d: 2 });
    // the change record (ZaznamZmeny) the format requires for a change
    expect(jvf.changes).toHaveLength(1);
    for (const e of ['NazevZakazky', 'Zpracovatel', 'OrganizaceZpracovatele', 'DatumMereni', 'DatumZpracovani']) expect(jvf.changes[0]!.get(e)).toBeTruthy();
    expect(changes.xml).toMatch(/<dopinf:OblastZmeny><gml:surfaceProperty><gml:Polygon/);

    // nothing changed since: the next change delivery is empty, and still a valid file
    const none = await exportDtm(db, { municipality: CHOMUTOV, kind: 'changes', record: true, actor: 'test' });
    expect(none.counts).toEqual({ i: 0, u: 0, d: 0 });
    expect(readJvf(none.xml).records).toEqual([]);
    expect(xmllint(dir, none.xml)).toBe('ok');
  });

  it('a preview is not recorded, and the first delivery of a municipality is complete', async () => {
    const { db } = database;
    const before = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM dtm_delivery`.execute(db)).rows[0]!.n;
    const other = (await sql<{ kod: number }>`SELECT kod FROM layer_obce WHERE kod <> ${CHOMUTOV} ORDER BY kod LIMIT 1`.execute(db)).rows[0]!.kod;
    const preview = await exportDtm(db, { municipality: other, kind: 'changes', record: false, actor: 'test' });
    expect(preview.kind).toBe('complete');
    expect(preview.deliveryId).toBeUndefined();
    expect(readJvf(preview.xml).records).toEqual([]);
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM dtm_delivery`.execute(db)).rows[0]!.n).toBe(before);
  });

  it('from the CLI: writes the file, reports the unmappable feature (exit 3), refuses an unknown municipality', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), cwd: dir };
    const before = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM dtm_delivery`.execute(database.db)).rows[0]!.n;
    expect(await runEtlCli(['dtm-export', String(CHOMUTOV), '--out', 'chomutov.xml', '--dry-run'], database.db, io)).toBe(3);
    expect(xmllint(dir, readFileSync(join(dir, 'chomutov.xml'), 'utf8'))).toBe('ok');
    expect(out.join('\n')).toMatch(/komunikace\/\d+: MultiPolygon of 2 parts/);
    expect(out.join('\n')).toMatch(/not recorded/);
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM dtm_delivery`.execute(database.db)).rows[0]!.n).toBe(before);
    expect(await runEtlCli(['dtm-export', '999999'], database.db, io)).toBe(1);
    expect(err.join('\n')).toMatch(/no municipality with RÚIAN code 999999/);
    expect(await runEtlCli(['dtm-export', 'Chomutov'], database.db, io)).toBe(2);
  });

  it('refuses to hand out a file the XSD set rejects', async () => {
    // a support type JVF 1.4.3 withdrew (3, "sloup veřejného osvětlení")
    const bad = complete.xml.replace(/<atr:TypPodpernehoZarizeni>\d+</, '<atr:TypPodpernehoZarizeni>3<');
    const r = await validateJvf(bad);
    expect(r.valid).toBe(false);
    expect(r.errors.join('\n')).toMatch(/TypPodpernehoZarizeni/);
  });

  it('covers every layer type that declares a DTM mapping', () => {
    expect(dtmLayers().map((l) => l.id).sort()).toEqual(layers.filter((l) => l.dtm).map((l) => l.id).sort());
  });
});
