import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { getLayer, tableName } from '../../../schemas/index.ts';
import { importFile } from '../../../etl/import.ts';
import { sampleFeatureCollection } from '../../../etl/test/sample-feature.ts';
import { featureHistory, layerAsOf } from '../history.ts';

/**
 * Issue 16.3: system-versioned history. The live row is the current version; feature_history holds
 * only versions that ended. A first import writes no history rows, a re-import one per changed or
 * withdrawn feature, and the change log ("who/when/before/after") and `asOf` read the same as before.
 */
describe.each(testBackends())('system-versioned history on %s', (backend) => {
  let database: Database;
  const layer = getLayer('parkoviste')!;
  const table = tableName(layer);
  const dir = mkdtempSync(join(tmpdir(), 'geoportal-versions-'));
  const db = () => database.db;
  const historyRows = async () =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM feature_history WHERE layer_id = ${layer.id}`.execute(db())).rows[0]!.n;
  const live = async () =>
    (await sql<{ fid: number; source_id: string; version: number; changed_by: string; change_source: string; valid_from: Date }>`
      SELECT fid::int AS fid, source_id, version, changed_by, change_source, valid_from FROM ${sql.table(table)} ORDER BY source_id`.execute(db())).rows;
  const pause = () => new Promise((r) => setTimeout(r, 25));

  beforeAll(async () => {
    database = await openTestDatabase(backend);
  }, 300_000);
  afterAll(async () => {
    await database?.close();
  });

  it('first import: no history rows; re-import: one per changed and per withdrawn feature; change log and asOf as before', async () => {
    const fc = sampleFeatureCollection(layer, 40);
    const path = join(dir, 'parkoviste.geojson');
    writeFileSync(path, JSON.stringify(fc));
    const first = await importFile(db(), { path, layerId: layer.id });
    expect(first).toMatchObject({ inserted: 40 });
    expect(await historyRows()).toBe(0);
    const rows = await live();
    expect(rows.every((r) => r.version === 1 && r.changed_by === `etl:run:${first.runId}` && r.change_source === 'import')).toBe(true);
    await pause();
    const afterFirst = new Date();
    await pause();

    // two features change, one leaves the file (2.5 %, under the withdrawal limit)
    const nameAttr = layer.attributes.find((a) => a.type === 'text')!.name;
    const changed = structuredClone(fc);
    changed.features[0]!.properties![nameAttr] = 'Změněno 0';
    changed.features[1]!.properties![nameAttr] = 'Změněno 1';
    const leaving = changed.features.pop()!;
    writeFileSync(path, JSON.stringify(changed));
    const second = await importFile(db(), { path, layerId: layer.id });
    expect(second).toMatchObject({ inserted: 0, updated: 2, deleted: 1, unchanged: 37 });
    expect(await historyRows()).toBe(3);
    const versions = new Map((await live()).map((r) => [r.source_id, r]));
    const changedRow = [...versions.values()].find((r) => r.version === 2)!;
    expect(changedRow).toMatchObject({ changed_by: `etl:run:${second.runId}`, change_source: 'import' });
    expect([...versions.values()].filter((r) => r.version === 2)).toHaveLength(2);

    // the change log of a changed feature: insert by run 1, update by run 2 with before and after
    const log = await featureHistory(db(), layer, changedRow.fid);
    expect(log.map((e) => [e.version, e.op, e.actor])).toEqual([
      [1, 'insert', `etl:run:${first.runId}`],
      [2, 'update', `etl:run:${second.runId}`],
    ]);
    expect(log[0]!.before).toBeNull();
    expect(log[1]!.before).toEqual(log[0]!.after);
    expect(String(log[1]!.after![nameAttr])).toMatch(/^Změněno/);
    expect(log[1]!.after!.geom).toHaveProperty('coordinates');

    // the withdrawn feature: insert, then delete by run 2 with the deleted state as before
    const withdrawnFid = (
      await sql<{ fid: number }>`SELECT fid::int AS fid FROM feature_history WHERE layer_id = ${layer.id} AND ended = 'delete'`.execute(db())
    ).rows[0]!.fid;
    const gone = await featureHistory(db(), layer, withdrawnFid);
    expect(gone.map((e) => [e.version, e.op, e.actor])).toEqual([
      [1, 'insert', `etl:run:${first.runId}`],
      [2, 'delete', `etl:run:${second.runId}`],
    ]);
    expect(gone[1]!.after).toBeNull();
    expect(gone[1]!.before!.source_id).toBe(leaving.id);

    // asOf between the runs is the first file; now is the second
    const then = await layerAsOf(db(), layer, { at: afterFirst, limit: 1000 });
    expect(then.features).toHaveLength(40);
    const thenChanged = then.features.map((f) => JSON.parse(f)).find((f) => f.id === changedRow.fid);
    expect(String(thenChanged.properties[nameAttr])).not.toMatch(/^Změněno/);
    const now = await layerAsOf(db(), layer, { at: new Date(Date.now() + 1000), limit: 1000 });
    expect(now.features).toHaveLength(39);
    // paging by fid across live and history rows
    const page1 = await layerAsOf(db(), layer, { at: afterFirst, limit: 25 });
    const page2 = await layerAsOf(db(), layer, { at: afterFirst, limit: 25, after: page1.lastFid });
    expect(page1.more).toBe(true);
    expect(page2.more).toBe(false);
    expect(new Set([...page1.features, ...page2.features].map((f) => JSON.parse(f).id)).size).toBe(40);

    // a write that changes nothing (another updated_at) is no new version and no history row
    await sql`UPDATE ${sql.table(table)} SET updated_at = now()`.execute(db());
    expect(await historyRows()).toBe(3);
    expect((await live()).filter((r) => r.version === 2)).toHaveLength(2);

    // an SQL write outside the app is versioned too, under the database role
    await sql`UPDATE ${sql.table(table)} SET ${sql.ref(nameAttr)} = 'ručně' WHERE fid = ${changedRow.fid}`.execute(db());
    const manual = (await live()).find((r) => r.fid === changedRow.fid)!;
    expect(manual).toMatchObject({ version: 3, change_source: 'db', changed_by: expect.stringMatching(/^db:/) });
    expect(await historyRows()).toBe(4);
  });
});
