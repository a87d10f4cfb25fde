import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { isCopyFrom } from './copy.ts';

/**
 * Presents one embedded PGlite database as the `pg.Pool` that Kysely's own
 * PostgresDialect drives, so both backends share one dialect and one code path.
 * PGlite is a single connection: `connect()` hands it out to one holder at a
 * time (a FIFO mutex), which keeps transactions from interleaving.
 */
export function pglitePool(pg: PGlite): PostgresPool {
  let tail: Promise<void> = Promise.resolve();
  return {
    async connect(): Promise<PostgresPoolClient> {
      let release!: () => void;
      const previous = tail;
      tail = new Promise<void>((r) => (release = r));
      await previous;
      let released = false;
      const client = {
        async query(sql: string, parameters: ReadonlyArray<unknown>) {
          if (isCopyFrom(sql, parameters)) {
            // PGlite reads COPY data from a blob named /dev/blob
            const data = parameters[0].data;
            const res = await pg.query(sql.replace(/\bFROM\s+STDIN\b/i, "FROM '/dev/blob'"), [], { blob: new Blob([data]) });
            return { command: 'COPY', rowCount: res.affectedRows ?? 0, rows: [{ rows: res.affectedRows ?? 0 }] } as never;
          }
          // migrations are multi-statement scripts: only the simple protocol (exec) runs those
          const multi = parameters.length === 0 && /;\s*\S/.test(sql);
          const res = multi ? (await pg.exec(sql)).at(-1)! : await pg.query(sql, parameters as unknown[]);
          const command = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SELECT';
          return { command, rowCount: res.affectedRows ?? res.rows.length, rows: res.rows } as never;
        },
        release() {
          if (!released) {
            released = true;
            release();
          }
        },
      };
      // cursors (streaming) are not used with PGlite; the overloaded signature only needs the plain query
      return client as unknown as PostgresPoolClient;
    },
    async end() {
      await pg.close();
    },
  };
}
