import { spawnSync } from 'node:child_process';

/**
 * Builds the portal and the server (dist/: the export worker runs from there) once before any test file runs: browser test files run in
 * parallel workers, and two Vite builds writing portal/build at once corrupt it.
 */
export default function setup(): void {
  const r = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('portal build failed');
}
