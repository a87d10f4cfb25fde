import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMPLATES_ENV, templateFor } from '../testing.ts';
import { dropTestDatabases } from './templates.ts';

/**
 * Makes this run's database templates (sql/test/templates.ts) in a child process and waits for them,
 * except in a run of named files none of which opens a database (the child is then stopped at the end
 * unwaited). At the end the template and per-file databases are dropped.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'geoportal-test-templates-'));
  process.env[TEMPLATES_ENV] = dir;
  const child = spawn(process.execPath, ['--import', 'tsx', 'sql/test/templates.ts', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // test files' own time-outs must not include the build: wait here unless the run names only files
  // without a database (a unit test run alone, which then takes seconds)
  if (needsDatabase()) {
    await templateFor('pglite');
    if (process.env.TEST_DATABASE_URL) await templateFor('postgres');
  }
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    const url = process.env.TEST_DATABASE_URL;
    if (url) await dropTestDatabases(url);
    rmSync(dir, { recursive: true, force: true });
  };
}

/** False only when vitest was given test files by path and none of them opens a database. */
function needsDatabase(): boolean {
  const named = process.argv.slice(2).filter((a) => a.endsWith('.test.ts') && existsSync(a));
  if (named.length === 0 || named.length !== process.argv.slice(2).filter((a) => !a.startsWith('-') && a !== 'run').length) return true;
  return named.some((f) => /sql\/testing|conformance\/harness|\.\/server\.ts|openDatabase|startServer/.test(readFileSync(f, 'utf8')));
}
