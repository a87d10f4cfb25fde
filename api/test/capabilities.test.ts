import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { loadConfig } from '../config.ts';
import { startServer } from '../server.ts';
import { freshDatabase } from '../../faults/scenario.ts';

/**
 * Finding 11 of issue 13: the first start on a new PostgreSQL database must
 * encode tiles with PostGIS. The extension is created by the first migration,
 * so a capability probed before the migrations chose the JS encoder until a
 * restart. PostgreSQL only: the embedded database has its extension from the start.
 */
const postgresUrl = process.env.TEST_DATABASE_URL;

describe('capabilities of a fresh PostgreSQL database', () => {
  if (!postgresUrl) {
    it.skip('needs PostgreSQL: set TEST_DATABASE_URL to start on an empty database', () => {});
    return;
  }
  it('the first start on an empty database without PostGIS encodes tiles with ST_AsMVT', async () => {
    const fresh = await freshDatabase(postgresUrl, 'capabilities');
    const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-capabilities-'));
    let stop: (() => Promise<void>) | undefined;
    try {
      const c = new pg.Client({ connectionString: fresh.url });
      await c.connect();
      const ext = await c.query(`SELECT extname FROM pg_extension WHERE extname = 'postgis'`);
      await c.end();
      expect(ext.rowCount, 'the database starts without PostGIS').toBe(0);

      process.env.SENSORS = '0';
      const config = { ...loadConfig({}), port: 0, host: '127.0.0.1', dataDir, databaseUrl: fresh.url, seed: false };
      const s = await startServer(config, () => {});
      stop = s.stop;
      const addr = s.server.address();
      const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      const health = (await (await fetch(`${base}/api/health`)).json()) as { database: { tileEncoder: string } };
      expect(health.database.tileEncoder).toBe('postgis');
      expect(s.database.canEncodeMvt).toBe(true);
    } finally {
      await stop?.();
      await fresh.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
