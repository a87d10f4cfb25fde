/**
 * API speed against references, in one run, on the real PostGIS server:
 *  - cold tiles (cache off), a fixed random sample over z10–z18 across the ORP, vs the same ST_AsMVT
 *    queries run raw through `pg`; and z16–z18 vs a bare node:http + pg server running the same query;
 *  - warm (cached) tiles under wrk (a separate process) vs nginx serving the same bytes from disk;
 *  - items limit=1000 (with numberMatched) vs a raw SQL GeoJSON aggregation of the same rows;
 *  - p50/p99 latency at 16 connections.
 * ≥100,000 deterministic generated sites over the ORP live in a scratch schema that is dropped afterwards.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, Agent, type Server } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import autocannon from 'autocannon';
import { openDatabase, type Database } from '../sql/connection.ts';
import { migrate } from '../sql/migrate.ts';
import { importFile } from '../etl/import.ts';
import { loadMapping } from '../etl/mapping.ts';
import { SEED_SOURCES } from '../etl/seed.ts';
import { getLayer } from '../schemas/index.ts';
import { createApp } from '../api/app.ts';
import { TileCache } from '../api/cache/tile-cache.ts';
import { createLogger } from '../api/middleware/logging.ts';
import { mvtQuery } from '../api/tiles/encode-postgis.ts';
import type { TileCoord } from '../api/tiles/tile-query.ts';

export const description = 'tiles cold/warm and items vs raw ST_AsMVT, bare node:http+pg, nginx and raw SQL (PostGIS, ≥100k features)';

const URL_ = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SITES = 'stanoviste-trideneho-odpadu';
const FEATURES = Number(process.env.BENCH_FEATURES ?? 100_000);
const layer = getLayer(SITES)!;
/** which parts to run (all by default): cold,high,warm,items,load */
const PARTS = new Set((process.env.BENCH_API_PARTS ?? 'cold,high,warm,items,load').split(','));

/** deterministic sample: a linear congruential generator with a fixed seed */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function tileAt(lon: number, lat: number, z: number): TileCoord {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return { z, x, y };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function get(port: number, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

function listen(server: Server): Promise<number> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/**
 * 16 connections for `seconds` from wrk (Debian), a separate C process, so the load generator does not
 * share our server's event loop; autocannon (in this process) only where wrk cannot be had.
 */
async function load(url: string | string[], seconds: number): Promise<LoadResult> {
  const urls = Array.isArray(url) ? url : [url];
  const wrk = findOrInstall('wrk', 'wrk');
  if (!wrk) {
    const u = new URL(urls[0]!);
    const r = await autocannon({ url: u.origin, connections: 16, duration: seconds, requests: urls.map((x) => ({ method: 'GET', path: new URL(x).pathname + new URL(x).search })) });
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  try {
    const script = join(dir, 'paths.lua');
    const paths = urls.map((x) => JSON.stringify(new URL(x).pathname + new URL(x).search)).join(',\n');
    writeFileSync(script, `local paths = {\n${paths}\n}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format("GET", paths[i])\nend\n`);
    // asynchronously: the server under test may live in this very process
    const child = spawn(wrk, ['-t', '2', '-c', '16', '-d', `${seconds}s`, '--timeout', '30s', '--latency', '-s', script, new URL(urls[0]!).origin], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    if (code !== 0) throw new Error(`wrk failed (${code}): ${err}`);
    const ms = (label: string) => {
      const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)\\b`, 'm').exec(out);
      if (!m) throw new Error(`wrk printed no ${label} latency:\n${out}`);
      return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
    };
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
    return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]), p50: ms('50%'), p99: ms('99%'), errors: non2xx + socketErrors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** a Debian program, installed when missing; undefined when that is impossible */
function findOrInstall(cmd: string, pkg: string): string | undefined {
  const which = () => spawnSync('sh', ['-c', `command -v ${cmd} || ls /usr/sbin/${cmd} 2>/dev/null`], { encoding: 'utf8' }).stdout.trim().split('\n')[0] || undefined;
  let bin = which();
  if (!bin) {
    console.log(`  ${cmd} missing: installing the Debian package ${pkg}`);
    spawnSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg} >/dev/null`], { stdio: 'inherit', timeout: 300_000 });
    bin = which();
    if (!bin) console.log(`  ${cmd} could not be installed`);
  }
  return bin;
}

const ms1 = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(0));
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
const line = (label: string, ours: number, ref: number, unit: string, target: string) =>
  console.log(`  ${label.padEnd(58)} ours ${ours.toFixed(1)} ${unit} / reference ${ref.toFixed(1)} ${unit} = ${(ours / ref).toFixed(2)}× (target ${target})`);

export async function run(): Promise<void> {
  const schema = `bench_api_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: URL_ });
  await admin.connect();
  // PostGIS lives in public (like a production database); the bench's tables in their own schema
  await admin.query('CREATE EXTENSION IF NOT EXISTS postgis');
  await admin.query(`CREATE SCHEMA ${schema}`);
  let database: Database | undefined;
  const cleanup: (() => Promise<void> | void)[] = [];
  try {
    database = await openDatabase({ databaseUrl: URL_, searchPath: schema, poolSize: 10 });
    if (!database.canEncodeMvt) throw new Error('the bench needs PostGIS with ST_AsMVT');
    await migrate(database.db);
    const obce = SEED_SOURCES.find((s) => s.layer === 'obce')!;
    await importFile(database.db, { path: obce.path, layerId: 'obce', mapping: loadMapping(obce.mapping) });
    const t0 = performance.now();
    // deterministic sites over the ORP: points on a hashed lattice inside each municipality, numbered 1…N
    await sql`SELECT setseed(0.4242)`.execute(database.db);
    await sql.raw(`
      INSERT INTO ${schema}.layer_stanoviste_trideneho_odpadu (source_id, municipality_code, cislo_stanoviste, nazev, pristup, pocet_kontejneru, stav, geom, content_hash)
      SELECT 'bench-' || n, o.kod, 'B-' || n, 'Stanoviště č. ' || n, CASE WHEN n % 3 = 0 THEN 'obyvatelum-domu' ELSE 'volne' END,
             1 + n % 8, (1 + n % 5)::text, p.geom, md5(n::text)
      FROM (SELECT n, ST_SetSRID(ST_Point(13.18 + 0.46 * ((n * 0.6180339887) - floor(n * 0.6180339887)),
                                           50.33 + 0.30 * ((n * 0.7548776662) - floor(n * 0.7548776662))), 4326) AS geom
            FROM generate_series(1, ${Math.round(FEATURES * 2.4)}) n) p
      JOIN ${schema}.layer_obce o ON ST_Intersects(o.geom, p.geom)
      ORDER BY n LIMIT ${FEATURES}`).execute(database.db);
    // VACUUM as well: whether autovacuum has visited the new table (visibility map, hint bits) otherwise decides the speed of counts
    await sql.raw(`VACUUM ANALYZE ${schema}.layer_stanoviste_trideneho_odpadu`).execute(database.db);
    const count = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_stanoviste_trideneho_odpadu`.execute(database.db)).rows[0]!.n;
    console.log(`  generated ${count} sites in ${fmt(performance.now() - t0)} (schema ${schema})`);
    if (count < FEATURES) throw new Error(`only ${count} sites generated`);

    const logger = createLogger('silent');
    const cold = createApp({ database, tileCache: new TileCache({ maxBytes: 0 }), logger, rateLimit: { perMinute: 0 } }).listen(0, '127.0.0.1');
    const coldPort = await new Promise<number>((r) => cold.once('listening', () => r((cold.address() as AddressInfo).port)));
    cleanup.push(() => void cold.close());

    // --- cold tiles vs raw ST_AsMVT ------------------------------------------------------------
    const rnd = lcg(20240601);
    const sample: TileCoord[] = Array.from({ length: 120 }, () => tileAt(13.2 + 0.42 * rnd(), 50.35 + 0.27 * rnd(), 10 + Math.floor(rnd() * 9)));
    const raw = new pg.Client({ connectionString: URL_, options: `-c search_path=${schema},public` });
    await raw.connect();
    cleanup.push(() => raw.end());
    const compiled = sample.map((t) => mvtQuery(layer, t).compile(database!.db));
    const rawRun = async (list: typeof compiled) => {
      for (const c of list) await raw.query(c.sql, c.parameters as unknown[]);
    };
    const apiRun = async (list: TileCoord[], port: number) => {
      for (const t of list) await get(port, `/api/tiles/${SITES}/${t.z}/${t.x}/${t.y}.mvt`);
    };
    if (PARTS.has('cold')) {
      // one untimed pass each warms PostgreSQL's buffers equally
      await rawRun(compiled);
      await apiRun(sample, coldPort);
      // interleaved, best of two: a burst of load elsewhere on the machine hits both sides alike
      const coldTimes = { api: [] as number[], raw: [] as number[] };
      for (let i = 0; i < 2; i++) {
        coldTimes.api.push(await timed(() => apiRun(sample, coldPort)));
        coldTimes.raw.push(await timed(() => rawRun(compiled)));
      }
      const apiCold = Math.min(...coldTimes.api);
      const rawCold = Math.min(...coldTimes.raw);
      line(`cold tiles z10–z18 (${sample.length} tiles, cache off) vs raw ST_AsMVT`, apiCold, rawCold, 'ms', '≤ 1.10×');
    }

    // --- z16–z18 vs bare node:http + pg -------------------------------------------------------------
    const high = Array.from({ length: 300 }, () => tileAt(13.2 + 0.42 * rnd(), 50.35 + 0.27 * rnd(), 16 + Math.floor(rnd() * 3)));
    const barePool = new pg.Pool({ connectionString: URL_, max: 10, options: `-c search_path=${schema},public` });
    cleanup.push(() => barePool.end());
    const bare = createServer(async (req, res) => {
      const m = /^\/(\d+)\/(\d+)\/(\d+)\.mvt$/.exec(req.url ?? '');
      if (!m) return void res.writeHead(404).end();
      const c = mvtQuery(layer, { z: Number(m[1]), x: Number(m[2]), y: Number(m[3]) }).compile(database!.db);
      const r = await barePool.query(c.sql, c.parameters as unknown[]);
      const body: Buffer = r.rows[0]?.mvt ?? Buffer.alloc(0);
      res.writeHead(200, { 'Content-Type': 'application/vnd.mapbox-vector-tile', 'Content-Length': body.length }).end(body);
    });
    const barePort = await listen(bare);
    cleanup.push(() => void bare.close());
    const bareRun = async () => {
      for (const t of high) await get(barePort, `/${t.z}/${t.x}/${t.y}.mvt`);
    };
    if (PARTS.has('high')) {
      await bareRun();
      await apiRun(high, coldPort);
      const apiHigh = Math.min(await timed(() => apiRun(high, coldPort)), await timed(() => apiRun(high, coldPort)));
      const bareHigh = Math.min(await timed(bareRun), await timed(bareRun));
      line(`cold tiles z16–z18 (${high.length} tiles) vs bare node:http + pg`, apiHigh, bareHigh, 'ms', '≤ 1.3×');
    }

    // --- warm tiles: wrk vs nginx with the same bytes ------------------------------------------
    if (PARTS.has('warm')) {
      const warmCache = new TileCache();
      const warm = createApp({ database, tileCache: warmCache, logger, rateLimit: { perMinute: 0 } }).listen(0, '127.0.0.1');
      const warmPort = await new Promise<number>((r) => warm.once('listening', () => r((warm.address() as AddressInfo).port)));
      cleanup.push(() => void warm.close());
      const warmSet = high.slice(0, 100);
      const dir = mkdtempSync(join(tmpdir(), 'bench-nginx-'));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      for (const t of warmSet) {
        const body = await get(warmPort, `/api/tiles/${SITES}/${t.z}/${t.x}/${t.y}.mvt`);
        mkdirSync(join(dir, 'www', String(t.z), String(t.x)), { recursive: true });
        writeFileSync(join(dir, 'www', String(t.z), String(t.x), `${t.y}.mvt`), body);
      }
      const ours = await load(warmSet.map((t) => `http://127.0.0.1:${warmPort}/api/tiles/${SITES}/${t.z}/${t.x}/${t.y}.mvt`), 5);
      console.log(`  warm tiles, ours: ${ours.rps.toFixed(0)} req/s, p50 ${ms1(ours.p50)} ms, p99 ${ms1(ours.p99)} ms, errors ${ours.errors} (16 connections)`);
      const nginx = await startNginx(dir);
      if (nginx) {
        cleanup.push(() => void nginx.proc.kill('SIGTERM'));
        const ref = await load(warmSet.map((t) => `http://127.0.0.1:${nginx.port}/${t.z}/${t.x}/${t.y}.mvt`), 5);
        console.log(`  warm tiles, nginx: ${ref.rps.toFixed(0)} req/s, p50 ${ms1(ref.p50)} ms, p99 ${ms1(ref.p99)} ms, errors ${ref.errors}`);
        line('warm tile throughput vs nginx from disk', ours.rps, ref.rps, 'req/s', '≥ 0.5×');
      }
    }

    // --- items limit=1000 vs raw SQL aggregation --------------------------------------------------------
    const itemsPath = `/api/collections/${SITES}/items?limit=1000`;
    const props = layer.attributes.map((a) => `'${a.name}', t.${a.name}`).join(', ');
    const rawItems = `SELECT json_build_object('type', 'FeatureCollection', 'numberMatched', (SELECT count(*) FROM layer_stanoviste_trideneho_odpadu),
        'features', json_agg(json_build_object('type', 'Feature', 'id', t.fid, 'geometry', ST_AsGeoJSON(t.geom, 7)::json,
        'properties', json_build_object(${props}, 'obec_kod', t.municipality_code)) ORDER BY t.fid))::text AS fc
      FROM (SELECT * FROM layer_stanoviste_trideneho_odpadu ORDER BY fid LIMIT 1000) t`;
    const N = 30;
    if (PARTS.has('items')) {
      // the reference gets a connection of its own: the tile client's backend has just built multi-megabyte
      // tiles, and the malloc state that leaves behind made later large results measurably cheaper on it alone
      const rawItemsClient = new pg.Client({ connectionString: URL_, options: `-c search_path=${schema},public` });
      await rawItemsClient.connect();
      cleanup.push(() => rawItemsClient.end());
      for (let i = 0; i < 5; i++) {
        await get(coldPort, itemsPath);
        await rawItemsClient.query(rawItems);
      }
      const itemTimes = { api: [] as number[], raw: [] as number[] };
      for (let i = 0; i < 2; i++) {
        itemTimes.api.push(await timed(async () => {
          for (let j = 0; j < N; j++) await get(coldPort, itemsPath);
        }));
        itemTimes.raw.push(await timed(async () => {
          for (let j = 0; j < N; j++) await rawItemsClient.query(rawItems);
        }));
      }
      const apiItems = Math.min(...itemTimes.api);
      const rawItemsMs = Math.min(...itemTimes.raw);
      line(`items limit=1000 with numberMatched (${N}×) vs raw SQL GeoJSON`, apiItems, rawItemsMs, 'ms', '≤ 1.2×');
    }
    if (PARTS.has('load')) {
      const itemsLoad = await load(`http://127.0.0.1:${coldPort}${itemsPath}`, 5);
      console.log(`  items limit=1000 at 16 connections: ${itemsLoad.rps.toFixed(1)} req/s, p50 ${ms1(itemsLoad.p50)} ms, p99 ${ms1(itemsLoad.p99)} ms, errors ${itemsLoad.errors}`);
      const coldLoad = await load(high.slice(0, 200).map((t) => `http://127.0.0.1:${coldPort}/api/tiles/${SITES}/${t.z}/${t.x}/${t.y}.mvt`), 5);
      console.log(`  cold tiles z16–z18 at 16 connections: ${coldLoad.rps.toFixed(0)} req/s, p50 ${ms1(coldLoad.p50)} ms, p99 ${ms1(coldLoad.p99)} ms, errors ${coldLoad.errors}`);
    }
  } finally {
    for (const c of cleanup.reverse()) await c();
    agent.destroy();
    await database?.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
    await admin.end();
  }
}

/** nginx from Debian (installed here if missing), one worker like our one Node process; undefined with a message if impossible. */
async function startNginx(dir: string): Promise<{ proc: ChildProcess; port: number } | undefined> {
  let bin = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
  if (!bin) {
    console.log('  nginx missing: installing the Debian package');
    const r = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null'], { stdio: 'inherit', timeout: 300_000 });
    bin = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
    if (r.status !== 0 || !bin) {
      console.log('  nginx could not be installed: the nginx comparison is skipped');
      return undefined;
    }
  }
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((r) => probe.close(r));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1; daemon off; user root; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; keepalive_requests 100000;
  types { application/vnd.mapbox-vector-tile mvt; }
  server { listen 127.0.0.1:${port}; root ${dir}/www; location / { add_header Cache-Control "public, max-age=60"; } } }
`,
  );
  const proc = spawn(bin, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((r) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/' }, (res) => {
        res.resume();
        r(true);
      });
      req.on('error', () => r(false));
      req.end();
    });
    if (ok) return { proc, port };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  console.log('  nginx did not start: the nginx comparison is skipped');
  return undefined;
}
