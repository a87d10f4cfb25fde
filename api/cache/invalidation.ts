import type { Database } from '../../sql/connection.ts';
import { listenChanges, type LayerChange } from '../../sql/changes.ts';
import { layers } from '../../schemas/index.ts';
import type { TileCache } from './tile-cache.ts';

/** A replica that has not replayed a change within this no longer holds its tiles back (it is broken, not slow). */
const REPLICA_WAIT_MS = 5000;

/**
 * Subscribes the tile cache to committed changes (PostgreSQL NOTIFY reaches
 * every instance; PGlite delivers its own in-process). Resolves to the stop function.
 */
export async function startTileInvalidation(
  database: Database,
  cache: TileCache,
  onInvalidated?: (change: LayerChange, dropped: number) => void,
  onError?: (e: Error) => void,
): Promise<() => Promise<void>> {
  let pending: Promise<unknown> = Promise.resolve();
  const stop = await listenChanges(
    database,
    (change) => {
      // sequential, so a burst of changes never races on the shared level
      pending = pending
        // tiles are read from the replicas: drop them once the replicas show the change, or a re-read would cache the old state
        .then(() => database.read?.replicasCaughtUp?.(REPLICA_WAIT_MS))
        .then(() => cache.invalidate(change))
        .then((n) => onInvalidated?.(change, n))
        .catch((e: Error) => onError?.(e));
    },
    {
      // LISTEN is back after a lost connection: what changed meanwhile was never announced, so nothing cached is trusted
      onResync: () => {
        const all = { layerId: '*', bbox: null, source: 'resync:listen-reconnected' };
        pending = pending
          .then(() => cache.invalidateAll(layers.map((l) => l.id)))
          .then((n) => onInvalidated?.(all, n))
          .catch((e: Error) => onError?.(e));
      },
    },
  );
  return async () => {
    await stop();
    await pending;
  };
}
