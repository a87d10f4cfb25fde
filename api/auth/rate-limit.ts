import { LRUCache } from 'lru-cache';

/**
 * Fixed-window counter per key (client address) in memory. Per instance: with
 * several API instances the effective limit multiplies, while the per-account
 * lockout (in the database) still holds across them.
 */
export class RateLimiter {
  private readonly hits: LRUCache<string, { n: number; resetAt: number }>;
  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    this.hits = new LRUCache({ max: 50_000, ttl: windowMs });
  }

  /** Counts one attempt; returns seconds to wait when over the limit, else 0. */
  hit(key: string, now = Date.now()): number {
    const cur = this.hits.get(key);
    if (!cur || cur.resetAt <= now) {
      this.hits.set(key, { n: 1, resetAt: now + this.windowMs });
      return 0;
    }
    cur.n++;
    return cur.n > this.limit ? Math.ceil((cur.resetAt - now) / 1000) : 0;
  }
}
