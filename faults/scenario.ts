import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** What a fault scenario gets: a PostgreSQL server to make its own database on, and its ports. */
export interface FaultContext {
  /** URL of a PostgreSQL/PostGIS server (any database on it); the scenario creates and drops its own database */
  postgresUrl: string;
  /** ports the scenario may listen on (server, proxy, broker …), at least 4 */
  ports: number[];
  /** a directory for the server logs of the run */
  logDir: string;
  /** progress lines (not the result) */
  progress(line: string): void;
}

export interface ScenarioResult {
  /** what was lost or left wrong, one entry per loss; empty = nothing lost */
  lost: string[];
  /** what was measured (connections, latencies, counts), for the report line */
  facts: string[];
}

/**
 * One fault, one file in faults/scenarios/: it starts a real server, breaks
 * something the way production breaks, and reports what did not survive.
 */
export interface FaultScenario {
  /** short id printed first on the report line */
  name: string;
  /** one sentence: what is broken and what must hold */
  title: string;
  run(ctx: FaultContext): Promise<ScenarioResult>;
}

/** A database of its own on the server (empty, no extensions), dropped again by `drop`. */
export async function freshDatabase(postgresUrl: string, label: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `fault_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** `url` with its host and port replaced (to route it through a proxy). */
export function viaPort(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it is true or `withinMs` passed; resolves to the time it took, or undefined. */
export async function within(withinMs: number, check: () => Promise<boolean>, everyMs = 100): Promise<number | undefined> {
  const t0 = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - t0;
    if (Date.now() - t0 >= withinMs) return undefined;
    await sleep(everyMs);
  }
}
