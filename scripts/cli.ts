/**
 * Entry of `npm run etl` and `npm run admin`. With DATABASE_URL it talks to
 * PostgreSQL directly; on the embedded database it hands the command to a
 * running `npm start` (see api/local-bridge.ts) or, when none runs, opens the
 * database itself.
 */
import { loadConfig, pgliteDir } from '../api/config.ts';
import { readLiveLock, runThroughServer } from '../api/local-bridge.ts';
import { NEEDS_INPUT, TOOLS } from '../api/cli-tools.ts';
import { readSecret } from '../api/auth/cli.ts';
import { openDatabase } from '../sql/connection.ts';
import { migrate } from '../sql/migrate.ts';
import type { CliIo } from '../etl/cli.ts';

async function main(): Promise<number> {
  const [tool, ...argv] = process.argv.slice(2);
  const runner = TOOLS[tool ?? ''];
  if (!runner) {
    console.error(`unknown tool "${tool}"; use: ${Object.keys(TOOLS).join(', ')}`);
    return 2;
  }
  const tty = process.stderr.isTTY;
  const io: CliIo = {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
    progress: (l) => (tty ? process.stderr.write(`\r${l}\x1b[K`) : undefined),
  };
  const input = NEEDS_INPUT[tool!]?.(argv) ? await readSecret('Heslo / password: ') : undefined;
  const config = loadConfig();
  if (!config.databaseUrl) {
    const lock = readLiveLock(config.dataDir);
    if (lock) return runThroughServer(lock, tool!, argv, io, input);
  }
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: pgliteDir(config) });
  try {
    await migrate(database.db);
    return await runner(argv, database.db, { ...io, input });
  } finally {
    if (tty) process.stderr.write('\n');
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
