/**
 * The editor's outbox (issue 18.4, field work): changes made while the phone is offline wait in the
 * browser's IndexedDB, in the order they were made, and survive a reload; `sync.ts` sends them when
 * the connection is back. Also keeps the last state of each feature opened, so a feature can be
 * opened and edited again after a reload without a connection.
 */

/** One waiting change. `key` is sent as Idempotency-Key, so a send repeated after a lost answer stores once. */
export interface QueuedChange {
  /** IndexedDB key: the order of sending */
  id?: number;
  layerId: string;
  op: 'create' | 'update' | 'photo';
  /** the feature; null for a feature created offline until its create was sent (then `local` names it) */
  fid: number | null;
  /** names a feature created offline, for the changes and photos that follow its creation */
  local?: string;
  /** update: the ETag of the version the user edited */
  ifMatch?: string | null;
  /** create: a GeoJSON Feature; update: a JSON merge patch */
  body?: Record<string, unknown>;
  photo?: { blob: Blob; fileName: string; contentType: string };
  key: string;
  queuedAt: string;
  /** what the list of waiting changes shows */
  title: string;
  /** the server refused it with 412: someone else changed the feature meanwhile */
  conflict?: boolean;
  /** the server refused it otherwise (kept, shown, not sent again until the user decides) */
  error?: string;
}

export interface CachedFeature {
  /** `${layerId}:${fid}` */
  ref: string;
  feature: { id: number; geometry: unknown; properties: Record<string, unknown>; position?: unknown };
  etag: string | null;
}

const DB = 'geoportal-editor';
const CHANGES = 'outbox';
const FEATURES = 'features';

let opening: Promise<IDBDatabase> | undefined;

function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => {
      r.result.createObjectStore(CHANGES, { keyPath: 'id', autoIncrement: true });
      r.result.createObjectStore(FEATURES, { keyPath: 'ref' });
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => {
      opening = undefined;
      reject(r.error ?? new Error('IndexedDB is not available'));
    };
  });
  return opening;
}

async function tx<T>(store: string, mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(store, mode);
    const req = fn(t.objectStore(store));
    t.oncomplete = () => resolve(req ? req.result : undefined);
    t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
    t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** Every waiting change, oldest first. */
export async function waiting(): Promise<QueuedChange[]> {
  return ((await tx<QueuedChange[]>(CHANGES, 'readonly', (s) => s.getAll() as IDBRequest<QueuedChange[]>)) ?? []).sort((a, b) => a.id! - b.id!);
}

/** Merges a JSON merge patch into another (RFC 7396; the later wins), for two edits of one feature made offline. */
export function mergePatches(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    // properties merge member by member; geometry and position replace
    out[k] = k === 'properties' && prev && typeof prev === 'object' && v && typeof v === 'object' ? { ...(prev as object), ...(v as object) } : v;
  }
  return out;
}

/**
 * Adds a change. A second edit of a feature whose earlier change still waits (and is not in conflict)
 * is folded into it: one request, still conditional on the version the user first edited.
 */
export async function enqueue(change: QueuedChange): Promise<void> {
  if (change.op !== 'photo') {
    const same = (await waiting()).find(
      (c) => c.op !== 'photo' && !c.conflict && !c.error && c.layerId === change.layerId && (change.fid !== null ? c.fid === change.fid : c.local !== undefined && c.local === change.local),
    );
    if (same) {
      const body = mergePatches(same.body ?? {}, change.body ?? {});
      await tx(CHANGES, 'readwrite', (s) => s.put({ ...same, body, title: change.title }));
      return;
    }
  }
  const { id: _id, ...rest } = change;
  await tx(CHANGES, 'readwrite', (s) => s.add(rest));
}

export async function update(change: QueuedChange): Promise<void> {
  await tx(CHANGES, 'readwrite', (s) => s.put(change));
}

export async function drop(id: number): Promise<void> {
  await tx(CHANGES, 'readwrite', (s) => s.delete(id));
}

export async function rememberFeature(f: CachedFeature): Promise<void> {
  await tx(FEATURES, 'readwrite', (s) => s.put(f));
}

export async function cachedFeature(layerId: string, fid: number): Promise<CachedFeature | undefined> {
  return tx<CachedFeature>(FEATURES, 'readonly', (s) => s.get(`${layerId}:${fid}`) as IDBRequest<CachedFeature>);
}
