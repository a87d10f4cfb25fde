/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those named on the command
 * line: `npm run bench -- etl api`) one after another. Each measures our code
 * side by side with a reference in the same run and prints ratios.
 * Needs the real PostgreSQL/PostGIS server: BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres; a scratch schema is used and dropped).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchModule {
  /** one line: what it measures and against what */
  description: string;
  run(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
// names of benchmarks; `--name=value` options are for the benchmarks themselves (etl: --sizes=)
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, '')))
  .sort();
if (files.length === 0) {
  console.error(`no benchmarks match ${wanted.join(', ')}`);
  process.exit(2);
}
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as BenchModule;
  console.log(`\n=== ${f.replace(/\.bench\.ts$/, '')}: ${mod.description}`);
  const t0 = Date.now();
  try {
    await mod.run();
  } catch (e) {
    console.error(`  FAILED: ${(e as Error).stack ?? e}`);
    process.exitCode = 1;
  }
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
