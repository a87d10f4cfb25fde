import type { IncomingMessage } from 'node:http';
import { sql, type Kysely } from 'kysely';
import { randomToken, sha256 } from '../auth/secrets.ts';
import type { RateTier } from '../middleware/rate-limit.ts';

export const KEY_HEADER = 'x-api-key';
export const KEY_PREFIX = 'gpk_';

export interface KnownKey {
  id: number;
  accountId: number;
  perMinute: number;
}

export interface KeyInfo {
  id: number;
  name: string;
  prefix: string;
  perMinute: number;
  createdAt: string;
  rotatedAt: string | null;
  revokedAt: string | null;
}

/**
 * The live keys, by hash, in memory: the rate limiter asks for a request's limit synchronously on
 * every request (also on the tile fast path), so it cannot wait for the database. Refreshed on every
 * change made here and periodically (changes made by other instances); a key not yet known here is
 * looked up in the database by `resolve` and added.
 */
export class KeyDirectory {
  private byHash = new Map<string, KnownKey>();
  private timer?: NodeJS.Timeout;
  constructor(private readonly db: Kysely<any>, readonly defaultPerMinute: number) {}

  async refresh(): Promise<void> {
    const rows = (await sql<{ id: string | number; account_id: string | number; key_hash: string; per_minute: number | null }>`
      SELECT k.id, k.account_id, k.key_hash, k.per_minute FROM developer_key k WHERE k.revoked_at IS NULL`.execute(this.db)).rows;
    this.byHash = new Map(rows.map((r) => [r.key_hash, { id: Number(r.id), accountId: Number(r.account_id), perMinute: r.per_minute ?? this.defaultPerMinute }]));
  }

  start(everyMs = 30_000): void {
    this.timer = setInterval(() => void this.refresh().catch(() => {}), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The key a request presents, when it is one this instance knows. */
  known(req: IncomingMessage): KnownKey | undefined {
    const raw = req.headers[KEY_HEADER];
    return typeof raw === 'string' && raw.startsWith(KEY_PREFIX) ? this.byHash.get(sha256(raw)) : undefined;
  }

  /** Authoritative: the database answers for a key this instance has not seen yet (made elsewhere a moment ago). */
  async resolve(raw: string): Promise<KnownKey | undefined> {
    if (!raw.startsWith(KEY_PREFIX)) return undefined;
    const hash = sha256(raw);
    const hit = this.byHash.get(hash);
    if (hit) return hit;
    const r = (await sql<{ id: string | number; account_id: string | number; per_minute: number | null }>`
      SELECT id, account_id, per_minute FROM developer_key WHERE key_hash = ${hash} AND revoked_at IS NULL`.execute(this.db)).rows[0];
    if (!r) return undefined;
    const k = { id: Number(r.id), accountId: Number(r.account_id), perMinute: r.per_minute ?? this.defaultPerMinute };
    this.byHash.set(hash, k);
    return k;
  }

  /** For the rate limiter (api/middleware/rate-limit.ts): a key's own limit, counted per key, not per address. */
  tierOf = (req: IncomingMessage): RateTier | undefined => {
    const k = this.known(req);
    return k ? { subject: `key:${k.id}`, perMinute: k.perMinute } : undefined;
  };

  async create(accountId: number, name: string): Promise<{ id: number; key: string }> {
    const key = randomToken(KEY_PREFIX);
    const r = await sql<{ id: string | number }>`INSERT INTO developer_key (account_id, name, prefix, key_hash)
      VALUES (${accountId}, ${name}, ${key.slice(0, KEY_PREFIX.length + 6)}, ${sha256(key)}) RETURNING id`.execute(this.db);
    await this.refresh();
    return { id: Number(r.rows[0]!.id), key };
  }

  /** A new secret for the same key (its statistics go on); the old secret stops working at once. */
  async rotate(accountId: number, id: number): Promise<string | undefined> {
    const key = randomToken(KEY_PREFIX);
    const r = await sql`UPDATE developer_key SET key_hash = ${sha256(key)}, prefix = ${key.slice(0, KEY_PREFIX.length + 6)}, rotated_at = now()
      WHERE id = ${id} AND account_id = ${accountId} AND revoked_at IS NULL`.execute(this.db);
    if (!Number(r.numAffectedRows ?? 0)) return undefined;
    await this.refresh();
    return key;
  }

  async revoke(accountId: number, id: number): Promise<boolean> {
    const r = await sql`UPDATE developer_key SET revoked_at = now() WHERE id = ${id} AND account_id = ${accountId} AND revoked_at IS NULL`.execute(this.db);
    await this.refresh();
    return Number(r.numAffectedRows ?? 0) > 0;
  }

  async list(accountId: number): Promise<KeyInfo[]> {
    const rows = (await sql<{ id: string | number; name: string; prefix: string; per_minute: number | null; created_at: Date; rotated_at: Date | null; revoked_at: Date | null }>`
      SELECT id, name, prefix, per_minute, created_at, rotated_at, revoked_at FROM developer_key WHERE account_id = ${accountId} ORDER BY id`.execute(this.db)).rows;
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
    return rows.map((r) => ({ id: Number(r.id), name: r.name, prefix: r.prefix, perMinute: r.per_minute ?? this.defaultPerMinute, createdAt: iso(r.created_at)!, rotatedAt: iso(r.rotated_at), revokedAt: iso(r.revoked_at) }));
  }
}
