/**
 * `npm run faults [-- name …]`: runs the fault scenarios of faults/scenarios
 * against a real server (a child process) and a real PostgreSQL
 * (FAULTS_DATABASE_URL, else TEST_DATABASE_URL), one report line each.
 * Exit code 1 when any scenario lost something or could not run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultPorts, loadScenarios, reportLine } from './suite.ts';

const postgresUrl = process.env.FAULTS_DATABASE_URL || process.env.TEST_DATABASE_URL;
const scenarios = await loadScenarios(process.argv.slice(2));
if (!postgresUrl) {
  for (const s of scenarios) console.log(`skip  ${s.name.padEnd(28)} needs PostgreSQL: set FAULTS_DATABASE_URL or TEST_DATABASE_URL`);
  process.exit(0);
}
const logDir = mkdtempSync(join(tmpdir(), 'geoportal-faults-'));
const ports = faultPorts();
let failed = 0;
for (const s of scenarios) {
  const progress = (line: string) => process.stderr.write(`  ${s.name}: ${line}\n`);
  progress(s.title);
  try {
    const r = await s.run({ postgresUrl, ports, logDir, progress });
    if (r.lost.length) failed++;
    console.log(reportLine(s, r));
  } catch (e) {
    failed++;
    console.log(reportLine(s, { error: (e as Error).message }));
  }
}
console.error(`server logs: ${logDir}`);
process.exit(failed ? 1 : 0);
