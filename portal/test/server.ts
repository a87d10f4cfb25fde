import type { Server } from 'node:http';
import { loadConfig, type Config } from '../../api/config.ts';
import { startServer } from '../../api/server.ts';
import type { Database } from '../../sql/connection.ts';
import { templateDataDir } from '../../sql/testing.ts';
import { ensurePortalBuild } from './browser.ts';

export interface TestServer {
  /** http://127.0.0.1:port */
  base: string;
  server: Server;
  database: Database;
  stop(): Promise<void>;
}

/**
 * The whole product as `npm start` runs it (embedded database, API and portal on one port), on a free
 * port of 127.0.0.1, with DATA_DIR `dataDir`. Its database starts as a copy of the run's migrated and
 * (unless `seed: false`) seeded template (sql/testing.ts), so the server resumes it instead of seeding.
 */
export async function startTestServer(dataDir: string, overrides: Partial<Config> = {}): Promise<TestServer> {
  ensurePortalBuild();
  const templates = await templateDataDir(dataDir, { seeded: overrides.seed !== false });
  const config: Config = {
    ...loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    dataDir,
    pglitePostgisBundle: templates?.postgisBundle,
    ...overrides,
  };
  const s = await startServer(config, () => {});
  const addr = s.server.address();
  return { ...s, base: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` };
}
