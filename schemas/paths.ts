import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: the nearest folder above this module that holds
 * package.json. The same whether the code runs from its TypeScript sources
 * (tests, tsx) or bundled in dist/ (`npm start`), so data files kept beside the
 * code (migrations, mappings, samples, the JSON-LD context) are found either way.
 */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the repository. */
export function fromRoot(...parts: string[]): string {
  return join(PROJECT_ROOT, ...parts);
}

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}
