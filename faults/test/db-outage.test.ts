import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faultPorts, loadScenarios } from '../suite.ts';

/**
 * Finding 1 of issue 13: a database outage must not become a PostgreSQL
 * outage. PostgreSQL only (the embedded database cannot go away); the
 * scenarios start a real server behind a TCP proxy (faults/db-outage.ts).
 */
const postgresUrl = process.env.TEST_DATABASE_URL;

describe('database outage (real server, PostgreSQL through a TCP proxy)', () => {
  if (!postgresUrl) {
    it.skip('needs PostgreSQL: set TEST_DATABASE_URL to run the outage scenarios', () => {});
    return;
  }
  for (const name of ['db-outage-8s', 'db-outage-60s']) {
    it(`${name}: 503 during, pool + 2 connections at most, back within 5 s, no stale tile`, async () => {
      const [scenario] = await loadScenarios([name]);
      const logDir = mkdtempSync(join(tmpdir(), 'geoportal-faults-'));
      const result = await scenario!.run({ postgresUrl, ports: faultPorts(), logDir, progress: () => {} });
      expect(result.lost, `${result.facts.join(', ')} (server log in ${logDir})`).toEqual([]);
    }, 180_000);
  }
});
