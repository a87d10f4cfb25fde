import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faultPorts, loadScenarios } from '../suite.ts';

/**
 * Every fault scenario of faults/scenarios (issue 13) as a test: a real server
 * as a child process, real PostgreSQL, and nothing may be lost. Among them
 * finding 1 (db-outage-8s, db-outage-60s: 503 during, at most pool + 2
 * connections, back within 5 s, no stale tile) and the kill -9 during an
 * import. PostgreSQL only: the embedded database cannot be cut off.
 */
const postgresUrl = process.env.TEST_DATABASE_URL;
const scenarios = await loadScenarios();

describe('fault scenarios (real server, real PostgreSQL)', () => {
  if (!postgresUrl) {
    it.skip('needs PostgreSQL: set TEST_DATABASE_URL to run the fault scenarios', () => {});
    return;
  }
  for (const scenario of scenarios) {
    it(`${scenario.name}: ${scenario.title} — nothing lost`, async () => {
      const logDir = mkdtempSync(join(tmpdir(), 'geoportal-faults-'));
      const result = await scenario.run({ postgresUrl, ports: faultPorts(), logDir, progress: () => {} });
      expect(result.lost, `${result.facts.join(', ')} (server log in ${logDir})`).toEqual([]);
    }, 240_000);
  }
});
