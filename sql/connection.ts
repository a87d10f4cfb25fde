import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { isCopyFrom, type CopyData } from './copy.ts';
import { pglitePool } from './pglite-pool.ts';
import { ChannelListener, type Backoff, type ListenerStatus, type ListenOptions } from './listener.ts';
import { ReadPool } from './read-routing.ts';

export type { ListenerStatus, ListenOptions } from './listener.ts';

export type BackendKind = 'postgres' | 'pglite';

export interface Database {
  db: Kysely<any>;
  kind: BackendKind;
  /** PostgreSQL server can encode vector tiles itself (ST_AsMVT); PGlite's PostGIS cannot */
  canEncodeMvt: boolean;
  /** the URL the database was opened with (postgres) or its data directory (pglite) */
  location: string;
  /** PostgreSQL only: the unredacted URL and schema, for code that opens connections of its own (download COPY) */
  connection?: { url: string; searchPath?: string };
  /** LISTEN on a channel; resolves to an unsubscribe function. `onResync` runs after every re-LISTEN (notifications were lost meanwhile). */
  listen(channel: string, onPayload: (payload: string) => void, opts?: ListenOptions): Promise<() => Promise<void>>;
  /** every LISTEN of this process and whether it is in place (health) */
  listeners(): ListenerStatus[];
  /**
   * PostgreSQL with read replicas (DATABASE_READ_URL): the handle the read routes use (items, tiles, downloads,
   * catalogue, search). Its queries go to a replica, or to the primary for a reader whose own write a replica has
   * not replayed yet (sql/read-routing.ts). `listen` and writes stay on this (the primary's) handle.
   */
  read?: Database;
  /** the read handle only: waits until every reachable replica has replayed the primary's WAL as of now */
  replicasCaughtUp?(timeoutMs: number): Promise<boolean>;
  /** embedded only: the data directory as a tar, for `loadDataDir` (tests copy one seeded database this way) */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres://… → server; undefined → embedded PGlite */
  databaseUrl?: string;
  /** data directory of the embedded database; `memory://` for a throwaway one */
  dataDir?: string;
  /** PostgreSQL schema to work in (tests isolate themselves this way) */
  searchPath?: string;
  poolSize?: number;
  /** PostgreSQL: a connection not established within this fails (default 3000 ms), so requests answer 503 instead of hanging */
  connectTimeoutMs?: number;
  /** PostgreSQL: streaming replicas that answer the read routes (DATABASE_READ_URL); ignored by the embedded database */
  readUrls?: string[];
  /** PostgreSQL: reconnect delays of the LISTEN connections */
  listenBackoff?: Backoff;
  /** embedded: start a new database from this data-directory dump (PGlite's dumpDataDir) instead of initdb; tests load a seeded one */
  loadDataDir?: Blob;
  /**
   * embedded: the PostGIS extension bundle (a .tar.gz in pglite-postgis's layout) to load instead of the package's own.
   * Tests use a slim copy without raster and topology: each embedded database compiles every library in its bundle.
   */
  postgisBundle?: string;
}

/** How the process names itself in pg_stat_activity. */
export const APPLICATION_NAME = 'geoportal';

const INT8 = 20;

/**
 * pg's client, plus `COPY … FROM STDIN` for a statement whose only parameter is a
 * CopyData (sql/copy.ts): Kysely hands statements to `client.query(sql, params)`,
 * so bulk loads run on the transaction's own connection.
 */
class Client extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    // pg.Pool listens for errors only on idle clients: a connection lost while one is checked out between two
    // queries (Kysely holds it across awaits) would be an unhandled 'error' and end the process. The client
    // is then unqueryable; its next query fails (→ 503) and the pool discards it on release.
    this.on('error', () => {});
  }
}
const plainQuery = pg.Client.prototype.query;
Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const [text, params] = args;
  if (typeof text === 'string' && Array.isArray(params) && isCopyFrom(text, params)) return copyIn(this, text, params[0]);
  return (plainQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

async function copyIn(client: pg.Client, text: string, data: CopyData): Promise<pg.QueryResult> {
  const stream = client.query(copyFromStdin(text));
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(data.data);
  });
  return { command: 'COPY', rowCount: stream.rowCount, rows: [{ rows: stream.rowCount }], oid: 0, fields: [] };
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const database = opts.databaseUrl ? await openPostgres(opts) : await openPglite(opts);
  await probeCapabilities(database);
  return database;
}

/**
 * Decides what the database can do. Run again once the migrations have made
 * the schema ready: on a new database PostGIS appears only with the first
 * migration, and a probe before it would pick the slow path until a restart.
 */
export async function probeCapabilities(database: Database): Promise<void> {
  database.canEncodeMvt = await probeMvt(database.db);
}

async function openPostgres(opts: OpenOptions): Promise<Database> {
  const url = opts.databaseUrl!;
  // bigint counts and ids fit in a JS number here; parse them as numbers like the PGlite side does
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format),
  };
  const connectTimeout = opts.connectTimeoutMs ?? 3000;
  const poolOf = (connectionString: string) => new pg.Pool({
    Client,
    connectionString,
    max: opts.poolSize ?? 10,
    types,
    options: opts.searchPath ? `-c search_path=${opts.searchPath},public` : undefined,
    application_name: APPLICATION_NAME,
    // unreachable database: a request fails (503) after this instead of waiting for a connection for ever
    connectionTimeoutMillis: connectTimeout,
    // a connection whose server vanished without a word (partition) is found by TCP keepalive, not after the OS's 2 h
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // a new connection's first PostGIS query loads the extension (tens of ms): keep idle ones longer than pg's 10 s
    idleTimeoutMillis: 60_000,
  });
  const pool = poolOf(url);
  // an idle client losing its server must not crash the process; the next query reports it
  pool.on('error', () => {});
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  const active = new Set<ChannelListener>();
  const listen = async (channel: string, onPayload: (payload: string) => void, lopts: ListenOptions = {}) => {
    // a dedicated connection per channel, outside the pool; one reconnect loop each (sql/listener.ts)
    const listener = new ChannelListener(
      { connectionString: url, application_name: APPLICATION_NAME, connectionTimeoutMillis: connectTimeout, keepAlive: true, keepAliveInitialDelayMillis: 10_000 },
      channel,
      onPayload,
      { ...lopts, backoff: opts.listenBackoff },
    );
    active.add(listener);
    await listener.start();
    return async () => {
      active.delete(listener);
      await listener.stop();
    };
  };
  const primary: Database = {
    db,
    kind: 'postgres',
    canEncodeMvt: false,
    location: redact(url),
    connection: { url, searchPath: opts.searchPath },
    listen,
    listeners: () => [...active].map((l) => l.status()),
    close: async () => {
      await primary.read?.close();
      await db.destroy();
    },
  };
  const readUrls = opts.readUrls?.filter((u) => u.trim()) ?? [];
  if (readUrls.length) {
    const readPool = new ReadPool(
      pool,
      readUrls.map((u) => {
        const p = poolOf(u);
        p.on('error', () => {});
        return { url: u, pool: p };
      }),
    );
    // Kysely ends its pool on destroy: the read handle ends the replicas' pools only, the primary's stays with `db`
    const readDb = new Kysely<any>({ dialect: new PostgresDialect({ pool: { connect: () => readPool.connect(), end: () => readPool.end() } as unknown as pg.Pool }) });
    primary.read = {
      db: readDb,
      kind: 'postgres',
      get canEncodeMvt() {
        return primary.canEncodeMvt;
      },
      set canEncodeMvt(v: boolean) {
        primary.canEncodeMvt = v;
      },
      location: readUrls.map(redact).join(','),
      // export workers COPY from the first replica
      connection: { url: readUrls[0]!, searchPath: opts.searchPath },
      listen,
      listeners: primary.listeners,
      replicasCaughtUp: (ms) => readPool.caughtUp(ms),
      close: () => readDb.destroy(),
    };
  }
  return primary;
}

async function openPglite(opts: OpenOptions): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { postgis } = await import('@electric-sql/pglite-postgis');
  // trigram indexes of the address search (migration 0020)
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const dataDir = opts.dataDir ?? 'memory://';
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const bundle = opts.postgisBundle ? pathToFileURL(opts.postgisBundle) : undefined;
  const postgisExtension: typeof postgis = bundle
    ? { name: postgis.name, setup: async (pg, emscriptenOpts) => ({ ...(await postgis.setup(pg, emscriptenOpts)), bundlePath: bundle }) }
    : postgis;
  const client = await PGlite.create(dataDir, {
    extensions: { postgis: postgisExtension, pg_trgm },
    loadDataDir: opts.loadDataDir,
    parsers: { [INT8]: (v: string) => Number(v) },
  });
  await client.exec('CREATE EXTENSION IF NOT EXISTS postgis');
  if (opts.searchPath) {
    await client.exec(`CREATE SCHEMA IF NOT EXISTS ${opts.searchPath}; SET search_path TO ${opts.searchPath}, public`);
  }
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: pglitePool(client) }) });
  const channels = new Map<string, number>();
  const since = new Date();
  // the embedded database delivers its own notifications in-process: a listener cannot be cut off, so never resyncs
  const listen = async (channel: string, onPayload: (payload: string) => void) => {
    assertChannel(channel);
    const unlisten = await client.listen(channel, onPayload);
    channels.set(channel, (channels.get(channel) ?? 0) + 1);
    return async () => {
      const n = (channels.get(channel) ?? 1) - 1;
      if (n > 0) channels.set(channel, n);
      else channels.delete(channel);
      await unlisten();
    };
  };
  const listeners = () => [...channels.keys()].map((channel) => ({ channel, listening: true, since, reconnects: 0 }));
  const dumpDataDir = async () => {
    await client.exec('CHECKPOINT');
    return client.dumpDataDir('none');
  };
  return { db, kind: 'pglite', canEncodeMvt: false, location: dataDir, listen, listeners, dumpDataDir, close: () => db.destroy() };
}

/** Decide the tile encoder by what the database can do, not by configuration. */
async function probeMvt(db: Kysely<any>): Promise<boolean> {
  try {
    await sql`SELECT ST_AsMVT(q, 'probe') FROM (SELECT 1 AS a, ST_AsMVTGeom(ST_Point(0, 0, 3857), ST_TileEnvelope(0, 0, 0)) AS geom) q`.execute(db);
    return true;
  } catch {
    return false;
  }
}

function assertChannel(channel: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
