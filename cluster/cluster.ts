import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildServer, type ChildServer } from '../faults/child-server.ts';
import { mosquittoMissing, portOpen, startPrivateBroker, type PrivateBroker } from '../faults/mosquitto.ts';
import { postgresMissing, startPgPair, type PgPair } from './postgres.ts';

/**
 * The local cluster of issue 20 (`npm run cluster`, the cluster tests, `npm run bench -- scale`):
 *
 *   nginx :B ──▶ API instance :B+3 ─┐   PostgreSQL primary :5433 ──WAL──▶ replica :5434 (pg_basebackup)
 *            └─▶ API instance :B+4 ─┤   Redis :B+1 (tile cache, rate limit)
 *                                   └── Mosquitto :B+2 (sensor uplinks, shared subscription)
 *
 * Every part is the real program from Debian, started as a child process with its
 * files in temporary folders that `stop()` removes. Nothing of the machine's own
 * PostgreSQL, Redis or Mosquitto is used or touched.
 */
export interface ClusterOptions {
  /** nginx listens here; Redis, Mosquitto and the instances on the next ports (default 3150) */
  basePort?: number;
  primaryPort?: number;
  replicaPort?: number;
  /** API instances behind the balancer (default 2) */
  instances?: number;
  /** extra environment of every instance */
  env?: Record<string, string>;
  /** environment of one instance (by index), over `env` */
  instanceEnv?: (index: number) => Record<string, string>;
  /** seed the sample data through the first instance (default true) */
  seed?: boolean;
  log?: (line: string) => void;
}

export interface Instance {
  index: number;
  port: number;
  url: string;
  server?: ChildServer;
  logFile: string;
}

export interface Cluster {
  balancerUrl: string;
  redisUrl: string;
  mqttUrl: string;
  pg: PgPair;
  broker: PrivateBroker;
  instances: Instance[];
  /** SIGKILL one instance (nginx then sends new requests to the others) */
  kill(index: number): Promise<void>;
  /** start a stopped or killed instance again on its port */
  start(index: number): Promise<void>;
  /** nginx with a different set of upstream instances (reload, no dropped connections) */
  balance(indexes: number[]): Promise<void>;
  stop(): Promise<void>;
}

/** Why the cluster cannot start here (a program is missing), or undefined. */
export function clusterMissing(): string | undefined {
  const pgMissing = postgresMissing();
  if (pgMissing) return pgMissing;
  const mq = mosquittoMissing();
  if (mq) return mq;
  if (spawnSync('redis-server', ['--version']).error) return 'redis-server is not installed (apt-get install redis-server)';
  if (!existsSync(NGINX)) return `${NGINX} is not installed (apt-get install nginx)`;
  return undefined;
}

const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';


async function waitPort(port: number, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await portOpen(port)) return;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not start on ${port}`);
}

async function end(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

/**
 * nginx as the balancer: round robin over the instances; a request an instance
 * could not take (connection refused, reset before any answer, 502) goes to the
 * next one (`proxy_next_upstream`), so an instance's death loses only the requests
 * it was answering. Non-idempotent requests are not retried once sent (nginx's default).
 */
export function nginxConfig(prefix: string, port: number, upstreams: number[]): string {
  return `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  upstream geoportal {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 200m;
    location / {
      proxy_pass http://geoportal;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_next_upstream error timeout http_502;
      proxy_next_upstream_tries ${Math.max(2, upstreams.length)};
      proxy_connect_timeout 2s;
      proxy_read_timeout 1h;
      # server-sent events (sensor live stream) pass through unbuffered
      proxy_buffering off;
    }
  }
}
`;
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const missing = clusterMissing();
  if (missing) throw new Error(missing);
  const log = opts.log ?? (() => {});
  const base = opts.basePort ?? 3150;
  const n = opts.instances ?? 2;
  const dir = mkdtempSync(join(tmpdir(), 'cluster-'));
  chmodSync(dir, 0o755);
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const c of cleanups.reverse()) await c().catch((e: Error) => log(`cluster: stopping: ${e.message}`));
    cleanups.length = 0;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    log('cluster: PostgreSQL primary and streaming replica …');
    const pg = await startPgPair({ primaryPort: opts.primaryPort ?? 5433, replicaPort: opts.replicaPort ?? 5434, dir: join(dir, 'pg') });
    cleanups.push(() => pg.stop());

    const redisPort = base + 1;
    if (await portOpen(redisPort)) throw new Error(`port ${redisPort} (Redis) is taken`);
    const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    cleanups.push(() => end(redis));
    await waitPort(redisPort, redis, 'Redis');
    const redisUrl = `redis://127.0.0.1:${redisPort}/0`;

    const broker = await startPrivateBroker(base + 2);
    cleanups.push(async () => {
      await broker.stop();
      rmSync(broker.dir, { recursive: true, force: true });
    });

    const balancerUrl = `http://127.0.0.1:${base}`;
    const instances: Instance[] = Array.from({ length: n }, (_, i) => ({ index: i, port: base + 3 + i, url: `http://127.0.0.1:${base + 3 + i}`, logFile: join(dir, `instance-${i}.log`) }));
    const envOf = (i: number, seed: boolean): Record<string, string> => ({
      DATABASE_READ_URL: pg.replicaUrl,
      REDIS_URL: redisUrl,
      MQTT_URL: broker.url,
      SENSORS: '1',
      SEED: seed ? '1' : '0',
      // the balancer is the only proxy; its X-Forwarded-For names the client
      TRUST_PROXY: '127.0.0.1',
      PUBLIC_BASE_URL: balancerUrl,
      LOG_LEVEL: 'warn',
      ...opts.env,
      ...opts.instanceEnv?.(i),
    });
    const startInstance = async (i: number, seed = false) => {
      const inst = instances[i]!;
      inst.server = await startChildServer({ port: inst.port, databaseUrl: pg.primaryUrl, env: envOf(i, seed), logFile: inst.logFile });
    };
    cleanups.push(async () => {
      await Promise.all(instances.map((i) => i.server?.stop()));
    });
    // the first instance migrates (and seeds) the primary; the others start on a ready schema
    log('cluster: API instance 1 (migrates and seeds the primary) …');
    await startInstance(0, opts.seed !== false);
    log(`cluster: API instances 2…${n} …`);
    await Promise.all(instances.slice(1).map((i) => startInstance(i.index)));

    const prefix = join(dir, 'nginx');
    for (const d of ['tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi']) mkdirSync(join(prefix, d), { recursive: true });
    // nginx's workers run as nobody: they write their temporary files here
    for (const d of ['', 'tmp', 'tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi']) chmodSync(join(prefix, d), 0o777);
    const conf = join(prefix, 'nginx.conf');
    writeFileSync(conf, nginxConfig(prefix, base, instances.map((i) => i.port)));
    const nginx = spawn(NGINX, ['-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')], { stdio: 'ignore' });
    cleanups.push(() => end(nginx, 'SIGQUIT'));
    await waitPort(base, nginx, 'nginx');
    return {
      balancerUrl,
      redisUrl,
      mqttUrl: broker.url,
      pg,
      broker,
      instances,
      async kill(i) {
        await instances[i]!.server?.kill9();
        instances[i]!.server = undefined;
      },
      start: (i) => startInstance(i),
      async balance(indexes) {
        writeFileSync(conf, nginxConfig(prefix, base, indexes.map((i) => instances[i]!.port)));
        spawnSync(NGINX, ['-p', prefix, '-c', conf, '-e', join(prefix, 'error.log'), '-s', 'reload']);
        await new Promise((r) => setTimeout(r, 500));
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
