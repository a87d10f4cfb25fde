import { send } from '$lib/auth/client.ts';
import { drop, update, waiting, type QueuedChange } from './outbox.ts';

export interface ServerFeature {
  id: number;
  geometry: unknown;
  properties: Record<string, unknown>;
  position?: unknown;
}

/** What a run of the outbox ended with. */
export type SyncOutcome =
  | { kind: 'done'; sent: QueuedChange[] }
  /** someone else changed the feature since the user's version: theirs, with its ETag */
  | { kind: 'conflict'; sent: QueuedChange[]; change: QueuedChange; theirs: ServerFeature | null; etag: string | null }
  /** the server refused a change (it stays, marked, until the user discards it) or the session ended */
  | { kind: 'failed'; sent: QueuedChange[]; change: QueuedChange; detail: string; status: number }
  /** the connection went away again */
  | { kind: 'offline'; sent: QueuedChange[] };

let running: Promise<SyncOutcome> | undefined;

/** Sends the waiting changes in order; one run at a time (a second call joins the first). */
export function flush(csrf: string): Promise<SyncOutcome> {
  running ??= run(csrf).finally(() => (running = undefined));
  return running;
}

async function run(csrf: string): Promise<SyncOutcome> {
  const sent: QueuedChange[] = [];
  for (;;) {
    const change = (await waiting())[0];
    if (!change) return { kind: 'done', sent };
    if (change.conflict) {
      const t = await theirs(change);
      if (t === 'offline') return { kind: 'offline', sent };
      return { kind: 'conflict', sent, change, ...t };
    }
    if (change.error) return { kind: 'failed', sent, change, detail: change.error, status: 0 };
    let r;
    try {
      r = await sendOne(change, csrf);
    } catch {
      return { kind: 'offline', sent };
    }
    if (r.ok) {
      await drop(change.id!);
      const fid = (r.value as { id?: number } | undefined)?.id;
      // a sent creation carries the number the server gave the feature
      sent.push(change.op === 'create' && typeof fid === 'number' ? { ...change, fid } : change);
      // the changes and photos that follow a feature created offline now know its number
      if (change.op === 'create' && change.local && typeof fid === 'number') {
        for (const c of await waiting()) if (c.local === change.local && c.fid === null) await update({ ...c, fid });
      }
      continue;
    }
    const p = r.problem;
    if (p.status === 412) {
      await update({ ...change, conflict: true });
      const t = await theirs(change);
      if (t === 'offline') return { kind: 'offline', sent };
      return { kind: 'conflict', sent, change: { ...change, conflict: true }, ...t };
    }
    if (p.status === 401 || (p.status === 403 && /csrf/i.test(p.detail ?? '')) || p.status >= 500 || p.status === 429) {
      // signed out, an old CSRF token, a server in trouble: the change stays as it is and is sent later
      return { kind: 'failed', sent, change, detail: p.detail ?? String(p.status), status: p.status };
    }
    const detail = p.errors?.length ? p.errors.map((e) => `${e.field}: ${e.reason}`).join('; ') : (p.detail ?? String(p.status));
    await update({ ...change, error: detail });
    return { kind: 'failed', sent, change: { ...change, error: detail }, detail, status: p.status };
  }
}

function sendOne(c: QueuedChange, csrf: string) {
  const items = `/api/collections/${encodeURIComponent(c.layerId)}/items`;
  if (c.op === 'create') return send<{ id: number }>('POST', items, csrf, c.body, { contentType: 'application/geo+json', idempotencyKey: c.key });
  if (c.fid === null) throw new Error('the feature of this change was not created yet');
  if (c.op === 'update') return send<{ id: number }>('PATCH', `${items}/${c.fid}`, csrf, c.body, { contentType: 'application/merge-patch+json', ifMatch: c.ifMatch ?? undefined });
  const photo = c.photo!;
  return send('POST', `${items}/${c.fid}/attachments?name=${encodeURIComponent(photo.fileName)}`, csrf, photo.blob, { contentType: photo.contentType, idempotencyKey: c.key });
}

/** The feature as the server has it now, with its ETag. */
async function theirs(c: QueuedChange): Promise<{ theirs: ServerFeature | null; etag: string | null } | 'offline'> {
  try {
    const r = await fetch(`/api/collections/${encodeURIComponent(c.layerId)}/items/${c.fid}`, { cache: 'no-store' });
    if (!r.ok) return { theirs: null, etag: null };
    return { theirs: (await r.json()) as ServerFeature, etag: r.headers.get('etag') };
  } catch {
    return 'offline';
  }
}

/** "Keep mine": the same change, now conditional on their version. */
export async function keepMine(c: QueuedChange, etag: string): Promise<void> {
  await update({ ...c, ifMatch: etag, conflict: false });
}
