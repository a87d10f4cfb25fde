import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface ChildServerOptions {
  port: number;
  databaseUrl: string;
  /** extra environment (SEED, ETL_SCHEDULER, …); SEED=0 and SENSORS=0 unless given */
  env?: Record<string, string>;
  /** where the server's output goes (a file), for reading after a failed scenario */
  logFile: string;
}

export interface ChildServer {
  baseUrl: string;
  pid: number;
  /** resolves when the process has exited */
  exited: Promise<number | null>;
  /** SIGKILL: the process ends at once, mid-whatever it is doing */
  kill9(): Promise<void>;
  /** SIGTERM and wait (a clean shutdown) */
  stop(): Promise<void>;
}

/**
 * Starts `api/server.ts` as a process of its own, exactly as `npm start` runs
 * it (one node process: killing it kills the server, not a wrapper), and
 * resolves once it listens.
 */
export async function startChildServer(opts: ChildServerOptions): Promise<ChildServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'geoportal-fault-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(opts.port),
      HOST: '127.0.0.1',
      DATABASE_URL: opts.databaseUrl,
      DATA_DIR: dataDir,
      SEED: '0',
      SENSORS: '0',
      ETL_SCHEDULER: '0',
      LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  void exited.then(() => {
    log.end();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('geoportal listening on')) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening; see ${opts.logFile}`)));
  });
  const pid = child.pid!;
  return {
    baseUrl: `http://127.0.0.1:${opts.port}`,
    pid,
    exited,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
