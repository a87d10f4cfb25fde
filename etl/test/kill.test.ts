import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { getLayer } from '../../schemas/index.ts';
import { openTestDatabase } from '../../sql/testing.ts';
import { importFile } from '../import.ts';
import { loadMapping } from '../mapping.ts';
import { SEED_SOURCES } from '../seed.ts';
import { sampleFeatureCollection, sampleGeometry, sampleProperties } from './sample-feature.ts';

const root = new URL('../../', import.meta.url).pathname;
const url = process.env.TEST_DATABASE_URL;

/**
 * The atomicity guarantee against the harshest failure: the CLI import runs as
 * its own process against the real PostgreSQL server and is killed with SIGKILL
 * in the middle of the run. The server rolls the open transaction back; the
 * published layer must be exactly what it was.
 */
describe.skipIf(!url)('an import killed with SIGKILL (PostgreSQL)', () => {
  it('leaves the previously published data intact', { timeout: 240_000 }, async () => {
    const database = await openTestDatabase('postgres');
    const dir = mkdtempSync(join(tmpdir(), 'geoportal-kill-'));
    try {
      const schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(database.db)).rows[0]!.s;
      const obce = SEED_SOURCES[0];
      await importFile(database.db, { path: obce.path, layerId: obce.layer, mapping: loadMapping(obce.mapping) });
      const layer = getLayer('stromy')!;
      const small = join(dir, 'stromy-500.geojson');
      writeFileSync(small, JSON.stringify(sampleFeatureCollection(layer, 500)));
      await importFile(database.db, { path: small, layerId: layer.id });
      const snapshot = async () =>
        (await sql<{ source_id: string; content_hash: string; updated_at: Date }>`SELECT source_id, content_hash, updated_at FROM layer_stromy ORDER BY source_id`.execute(database.db)).rows;
      const before = await snapshot();
      expect(before).toHaveLength(500);

      // 300 000 trees that would replace the 500: every published row would change
      const big = join(dir, 'stromy-300k.geojson');
      const out = createWriteStream(big);
      out.write('{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:5514"}},"features":[\n');
      for (let n = 0; n < 300_000; n++) {
        const f = { type: 'Feature', id: `stromy-${n}`, properties: { ...sampleProperties(layer, n + 1), taxon: `Tilia cordata ${n}` }, geometry: sampleGeometry(layer, n % 2500) };
        if (!out.write((n ? ',\n' : '') + JSON.stringify(f))) await once(out, 'drain');
      }
      out.end(']}\n');
      await once(out, 'close');

      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', 'etl', 'import', big, '--layer', layer.id], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: `${database.connection!.url}${database.connection!.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema},public`)}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const exited = once(child, 'exit');
      // wait until the run has started and staged for a while, then kill without warning
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        const running = await sql`SELECT 1 FROM etl_run WHERE status = 'running' AND source = ${big}`.execute(database.db);
        if (running.rows.length > 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      await new Promise((r) => setTimeout(r, 2500));
      expect(child.exitCode, output).toBeNull();
      child.kill('SIGKILL');
      const [, signal] = await exited;
      expect(signal).toBe('SIGKILL');

      // the server notices the dead connection and rolls back; give it a moment
      for (let i = 0; i < 50; i++) {
        const open = await sql`SELECT 1 FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' OR (state = 'active' AND query LIKE '%etl_stage%')`.execute(database.db);
        if (open.rows.length === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await snapshot()).toEqual(before);
      const run = async () => (await sql<{ status: string; error: string | null }>`SELECT status, error FROM etl_run WHERE source = ${big}`.execute(database.db)).rows;
      expect((await run()).map((r) => r.status)).toEqual(['running']);
      // nothing half-done is left behind: the same small file imports as unchanged, without waiting on a lock
      const again = await importFile(database.db, { path: small, layerId: layer.id });
      expect(again).toMatchObject({ inserted: 0, updated: 0, deleted: 0, unchanged: 500 });
      // and the next run recorded the killed one as interrupted
      expect(await run()).toEqual([{ status: 'failed', error: expect.stringMatching(/^interrupted/) }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await database.close();
    }
  });
});
