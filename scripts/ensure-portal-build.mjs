// Builds the portal when its build is missing or older than its sources, so `npm ci && npm start` just works.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const built = 'portal/build/handler.js';
const newest = (p) => {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(p).map((f) => newest(join(p, f))));
};
const sources = ['portal/src', 'portal/static', 'schemas', 'svelte.config.js', 'vite.config.ts', 'package-lock.json'].filter((p) => existsSync(p));
if (!existsSync(built) || statSync(built).mtimeMs < Math.max(...sources.map(newest))) {
  console.log('building the portal (first start or sources changed)…');
  const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
