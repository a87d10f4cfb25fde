import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';

/**
 * Where a read may go. PostgreSQL streams the WAL to its hot standbys
 * asynchronously, so a replica may not have replayed a commit yet; a client that
 * has just written carries the primary's WAL position (LSN) after its write, and
 * its reads go to a replica only once that replica has replayed up to it
 * (`pg_last_wal_replay_lsn()`), else to the primary.
 */
export interface ReadContext {
  /** the reader's own last write, as `pg_current_wal_lsn()` of the primary printed (e.g. `0/3000148`) */
  minLsn?: string;
}

export const readContext = new AsyncLocalStorage<ReadContext>();

/** The cookie that carries a client's last write position between requests and instances. */
export const LSN_COOKIE = 'gp_lsn';

const LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i;

export function isLsn(value: string | undefined): value is string {
  return value !== undefined && LSN.test(value);
}

/** The LSN of a Cookie header, if it carries a well-formed one. */
export function lsnOfCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === LSN_COOKIE && isLsn(v)) return v;
  }
  return undefined;
}

interface Replica {
  url: string;
  pool: pg.Pool;
  /** a replica that refused a connection is skipped until then (ms since epoch) */
  downUntil: number;
}

/** How long a replica that could not be reached is left alone before it is tried again. */
const REPLICA_RETRY_MS = 2000;

/** Reached its position when it is a standby that replayed the WAL up to $1, or the primary itself (no recovery). */
const CAUGHT_UP_SQL = `SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END) >= $1::pg_lsn AS ok`;

/**
 * The pool Kysely's read handle takes connections from: replicas round robin,
 * skipping one that is unreachable or behind the reader's own write; the primary
 * when no replica will do; any reachable replica, even a lagging one, when the
 * primary is unreachable too (reads keep working while the primary is down).
 */
export class ReadPool {
  private next = 0;
  private readonly replicas: Replica[];

  constructor(
    private readonly primary: pg.Pool,
    replicas: { url: string; pool: pg.Pool }[],
  ) {
    this.replicas = replicas.map((r) => ({ ...r, downUntil: 0 }));
  }

  async connect(): Promise<pg.PoolClient> {
    const minLsn = readContext.getStore()?.minLsn;
    const n = this.replicas.length;
    for (let i = 0; i < n; i++) {
      const r = this.replicas[(this.next + i) % n]!;
      if (r.downUntil > Date.now()) continue;
      let client: pg.PoolClient;
      try {
        client = await r.pool.connect();
      } catch {
        r.downUntil = Date.now() + REPLICA_RETRY_MS;
        continue;
      }
      if (minLsn) {
        try {
          const { rows } = await client.query<{ ok: boolean | null }>(CAUGHT_UP_SQL, [minLsn]);
          if (!rows[0]?.ok) {
            client.release();
            continue;
          }
        } catch {
          client.release(true);
          continue;
        }
      }
      this.next = (this.next + i + 1) % n;
      return client;
    }
    try {
      return await this.primary.connect();
    } catch (e) {
      // the primary is down: a replica behind the reader's write still answers, and no answer would be worse
      for (const r of this.replicas) {
        try {
          return await r.pool.connect();
        } catch {
          r.downUntil = Date.now() + REPLICA_RETRY_MS;
        }
      }
      throw e;
    }
  }

  /**
   * Waits until every reachable replica has replayed the primary's WAL as of now
   * (a change announced by NOTIFY is then visible on all of them). False after the time-out.
   */
  async caughtUp(timeoutMs: number): Promise<boolean> {
    let lsn: string;
    try {
      const { rows } = await this.primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      lsn = rows[0]!.lsn;
    } catch {
      return false;
    }
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(this.replicas);
    while (pending.size) {
      for (const r of [...pending]) {
        try {
          const { rows } = await r.pool.query<{ ok: boolean | null }>(CAUGHT_UP_SQL, [lsn]);
          if (rows[0]?.ok) pending.delete(r);
        } catch {
          // unreachable: it serves nothing now, and when it is back it replays from where it was
          pending.delete(r);
        }
      }
      if (!pending.size) return true;
      if (Date.now() > deadline) return false;
      await new Promise((res) => setTimeout(res, 20));
    }
    return true;
  }

  async end(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.pool.end()));
  }
}
