import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A PostgreSQL primary and one streaming replica of our own, as PostgreSQL
 * documents it (chapter "High Availability, Load Balancing, and Replication"):
 * initdb → start → `pg_basebackup -R -X stream` → start the copy as a hot standby.
 * Both data directories live in one temporary folder that `stop()` removes.
 * Run as root (CI), the servers run as the `postgres` user (PostgreSQL refuses root).
 */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PgPair {
  /** the primary's and the replica's geoportal database */
  primaryUrl: string;
  replicaUrl: string;
  primaryPort: number;
  replicaPort: number;
  dir: string;
  /** SIGKILL / restart of the primary (fault tests) */
  stopPrimary(): Promise<void>;
  startPrimary(): Promise<void>;
  stop(): Promise<void>;
}

export function postgresMissing(): string | undefined {
  for (const b of ['initdb', 'pg_ctl', 'postgres', 'pg_basebackup']) {
    if (!existsSync(join(PG_BIN, b))) return `${join(PG_BIN, b)} is missing (apt-get install postgresql-15 postgresql-15-postgis-3)`;
  }
  return undefined;
}

const asRoot = userInfo().uid === 0;

/** Runs a PostgreSQL program, as `postgres` when we are root. */
function run(cmd: string, args: string[]): void {
  const full = asRoot ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, cmd), ...args]] as const : [join(PG_BIN, cmd), args] as const;
  const r = spawnSync(full[0], full[1], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout || r.error?.message}`);
}

function startServer(dataDir: string, port: number, log: string): ChildProcess {
  const args = ['-D', dataDir, '-p', String(port)];
  const child = asRoot
    ? spawn('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'postgres'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(join(PG_BIN, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (b: Buffer) => {
    try {
      appendFileSync(log, b);
    } catch {
      // the folder is gone (stopped): the last lines of a shutdown are not needed
    }
  });
  return child;
}

async function ready(url: string, child: ChildProcess, what: string, log: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) break;
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch {
      await c.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${what} did not start (see ${log})`);
}

/** The postmaster's own pid (first line of postmaster.pid): as root the child we spawned is runuser, not postgres. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Fast shutdown (SIGINT to the postmaster); immediate shutdown (SIGQUIT) if that takes longer than 30 s. */
async function end(child: ChildProcess | undefined, dataDir: string): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  const signal = (s: NodeJS.Signals) => {
    const pid = postmasterPid(dataDir);
    try {
      if (pid) process.kill(pid, s);
      else child.kill(s);
    } catch {
      // already gone
    }
  };
  signal('SIGINT');
  const t = setTimeout(() => signal('SIGQUIT'), 30_000);
  await exited;
  clearTimeout(t);
}

export interface PgPairOptions {
  primaryPort?: number;
  replicaPort?: number;
  database?: string;
  /** a folder for the data directories (default: a new one under the system's temporary directory) */
  dir?: string;
}

export async function startPgPair(opts: PgPairOptions = {}): Promise<PgPair> {
  const missing = postgresMissing();
  if (missing) throw new Error(missing);
  const primaryPort = opts.primaryPort ?? 5433;
  const replicaPort = opts.replicaPort ?? 5434;
  const database = opts.database ?? 'geoportal';
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'cluster-pg-'));
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  // pg_basebackup (as postgres) creates the replica's directory here
  if (asRoot) chownSync(dir, uid('postgres'), gid('postgres'));
  const primaryDir = join(dir, 'primary');
  const replicaDir = join(dir, 'replica');
  const sockets = join(dir, 'sockets');
  for (const d of [primaryDir, sockets]) {
    mkdirSync(d, { recursive: true });
    if (asRoot) chownSync(d, uid('postgres'), gid('postgres'));
    chmodSync(d, 0o700);
  }
  chmodSync(sockets, 0o777);
  const log = join(dir, 'postgres.log');
  writeFileSync(log, '');
  chmodSync(log, 0o666);
  run('initdb', ['-D', primaryDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  // a test and development cluster: durability traded for speed (fsync off); replication exactly as in production
  appendFileSync(
    join(primaryDir, 'postgresql.conf'),
    [
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${sockets}'`,
      'wal_level = replica',
      'max_wal_senders = 5',
      'hot_standby = on',
      'hot_standby_feedback = on',
      'fsync = off',
      'full_page_writes = off',
      'shared_buffers = 128MB',
      'max_connections = 200',
      'wal_keep_size = 512MB',
      '',
    ].join('\n'),
  );
  appendFileSync(join(primaryDir, 'pg_hba.conf'), 'host replication all 127.0.0.1/32 trust\n');
  const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/${database}`;
  const replicaUrl = `postgres://postgres@127.0.0.1:${replicaPort}/${database}`;
  let primary: ChildProcess | undefined = startServer(primaryDir, primaryPort, log);
  let replica: ChildProcess | undefined;
  const stopAll = async () => {
    await end(replica, replicaDir);
    await end(primary, primaryDir);
    if (!opts.dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready(`postgres://postgres@127.0.0.1:${primaryPort}/postgres`, primary, 'the primary', log);
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${primaryPort}/postgres` });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const c = new pg.Client({ connectionString: primaryUrl });
    await c.connect();
    await c.query('CREATE EXTENSION IF NOT EXISTS postgis');
    await c.end();
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '-c', 'fast']);
    replica = startServer(replicaDir, replicaPort, log);
    await ready(replicaUrl, replica, 'the replica', log);
  } catch (e) {
    await stopAll();
    throw e;
  }
  return {
    primaryUrl,
    replicaUrl,
    primaryPort,
    replicaPort,
    dir,
    async stopPrimary() {
      await end(primary, primaryDir);
    },
    async startPrimary() {
      primary = startServer(primaryDir, primaryPort, log);
      await ready(primaryUrl, primary, 'the primary', log);
    },
    stop: stopAll,
  };
}

function uid(name: string): number {
  return Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
}
function gid(name: string): number {
  return Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim());
}
