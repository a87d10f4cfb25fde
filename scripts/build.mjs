// `npm run build`: the portal (Vite, into portal/build) and the server, CLI and
// export worker (esbuild, into dist/). With --if-stale each part is rebuilt only
// when it is missing or older than its sources, so `npm ci && npm start` is the
// whole set-up and a second start does not rebuild.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';

const ifStale = process.argv.includes('--if-stale');
const only = process.argv.includes('--server-only') ? 'server' : undefined;

const newest = (p) => {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(p).filter((f) => f !== 'node_modules').map((f) => newest(join(p, f))));
};
const stale = (output, sources) =>
  !ifStale || !existsSync(output) || statSync(output).mtimeMs < Math.max(...sources.filter((p) => existsSync(p)).map(newest));

const portalSources = ['portal/src', 'portal/static', 'schemas', 'svelte.config.js', 'vite.config.ts', 'package-lock.json'];
if (only !== 'server' && stale('portal/build/handler.js', portalSources)) {
  console.log('building the portal…');
  const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const serverSources = ['api', 'etl', 'sql', 'schemas', 'data-catalog', 'scripts', 'package-lock.json'];
if (stale('dist/.built', serverSources)) {
  const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', sourcemap: 'linked', tsconfigRaw: '{}' };
  // the server and the CLI load their packages from node_modules, as in development
  await build({ ...common, entryPoints: { server: 'api/server.ts', cli: 'scripts/cli.ts' }, outdir: 'dist', packages: 'external' });
  // the export worker is started per large download: packages are bundled too (half the start-up time and
  // ~8 MB less than resolving kysely's hundreds of modules), except the native better-sqlite3
  await build({
    ...common,
    entryPoints: { 'export-worker': 'api/downloads/export-worker.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    external: ['better-sqlite3', 'pg-native'],
    banner: { js: "import { createRequire as __workerRequire } from 'node:module'; const require = __workerRequire(import.meta.url);" },
  });
  const { writeFileSync } = await import('node:fs');
  writeFileSync('dist/.built', new Date().toISOString() + '\n');
  console.log('built the server into dist/');
}
