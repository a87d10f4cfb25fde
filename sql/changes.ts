import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, ListenOptions } from './connection.ts';

/**
 * Every writer (ETL import, API edit, restore) calls `recordChange` inside its
 * own transaction. It bumps the layer's modification time and sends a
 * PostgreSQL NOTIFY, which the database delivers only if and when the
 * transaction commits, to every API instance listening (caches invalidate
 * exactly the changed extent, catalog `modified` moves).
 */

export const CHANGE_CHANNEL = 'geoportal_change';

export interface LayerChange {
  layerId: string;
  /** CRS84 extent touched by the change (old and new geometries); null = the whole layer */
  bbox: [number, number, number, number] | null;
  /** who or what made it: `etl:run:12`, `user:5`, … */
  source: string;
}

export async function recordChange(trx: Transaction<any> | Kysely<any>, change: LayerChange): Promise<void> {
  await sql`UPDATE layer_state SET modified_at = now() WHERE layer_id = ${change.layerId}`.execute(trx);
  await sql`SELECT pg_notify(${CHANGE_CHANNEL}, ${JSON.stringify(change)})`.execute(trx);
}

export type ChangeListener = (change: LayerChange) => void;

/**
 * Subscribes to committed changes. On PostgreSQL a dedicated connection
 * LISTENs (reconnecting when the server comes back, then `opts.onResync`:
 * changes committed while it was away were not announced); on PGlite the
 * embedded database delivers its own notifications in-process.
 */
export async function listenChanges(database: Database, listener: ChangeListener, opts: ListenOptions = {}): Promise<() => Promise<void>> {
  return database.listen(
    CHANGE_CHANNEL,
    (payload) => {
      try {
        listener(JSON.parse(payload) as LayerChange);
      } catch {
        /* a malformed notification is ignored */
      }
    },
    opts,
  );
}
