import { sql, type Kysely } from 'kysely';

/** Endpoint families the statistics are kept by (path prefixes under /api). */
const FAMILIES: [RegExp, string][] = [
  [/^\/api\/(collections|conformance|queryables)(\/|$)/, 'features'],
  [/^\/api\/tiles(\/|$)/, 'tiles'],
  [/^\/api\/search(\/|$)/, 'search'],
  [/^\/api\/downloads(\/|$)/, 'downloads'],
  [/^\/api\/catalog(\.|\/|$)/, 'catalog'],
  [/^\/api\/(sensors|alerts)(\/|$)/, 'sensors'],
  [/^\/api\/(openapi|api)(\/|$)/, 'openapi'],
];

export function endpointFamily(path: string): string {
  for (const [re, name] of FAMILIES) if (re.test(path)) return name;
  return 'other';
}

/**
 * Log-spaced latency bins: bin i holds durations up to 2^(i/4) ms (19 % wide), 0.1 ms … ~70 s in 96
 * bins. Counts merge by addition across minutes, instances and days, and the 95th percentile is read
 * from the cumulative counts with at most one bin's error (docs/decisions/0026-usage-statistics.md).
 */
const BINS = 96;
const binOf = (ms: number) => Math.max(0, Math.min(BINS - 1, Math.ceil(4 * Math.log2(Math.max(ms, 0.1)) + 14)));
const binUpper = (bin: number) => 2 ** ((bin - 14) / 4);

export function p95(bins: Map<number, number>): number | null {
  const total = [...bins.values()].reduce((a, b) => a + b, 0);
  if (!total) return null;
  const rank = Math.ceil(total * 0.95);
  let seen = 0;
  for (const bin of [...bins.keys()].sort((a, b) => a - b)) {
    seen += bins.get(bin)!;
    if (seen >= rank) return Math.round(binUpper(bin) * 10) / 10;
  }
  return null;
}

interface Bucket {
  requests: number;
  errors: number;
  bytes: number;
  bins: Map<number, number>;
}

export interface UsageRow {
  day: string;
  keyId: number;
  family: string;
  requests: number;
  errors: number;
  bytes: number;
  p95Ms: number | null;
}

/** Aggregates requests in memory by day, key (0 = anonymous) and family; `flush` adds them to the daily tables. */
export class UsageRecorder {
  private buckets = new Map<string, Bucket>();
  private timer?: NodeJS.Timeout;
  constructor(private readonly db: Kysely<any>) {}

  record(keyId: number, path: string, status: number, bytes: number, ms: number): void {
    const day = new Date().toISOString().slice(0, 10);
    const k = `${day}|${keyId}|${endpointFamily(path)}`;
    let b = this.buckets.get(k);
    if (!b) this.buckets.set(k, (b = { requests: 0, errors: 0, bytes: 0, bins: new Map() }));
    b.requests++;
    if (status >= 400) b.errors++;
    b.bytes += bytes;
    const bin = binOf(ms);
    b.bins.set(bin, (b.bins.get(bin) ?? 0) + 1);
  }

  /** Every minute; the timer does not keep the process alive (the server flushes once more on stop). */
  start(everyMs = 60_000, onError: (e: Error) => void = () => {}): void {
    this.timer = setInterval(() => void this.flush().catch(onError), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async flush(): Promise<void> {
    if (!this.buckets.size) return;
    const taken = this.buckets;
    this.buckets = new Map();
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const [k, b] of taken) {
          const [day, keyId, family] = k.split('|') as [string, string, string];
          await sql`INSERT INTO api_usage_daily (day, key_id, family, requests, errors, bytes) VALUES (${day}, ${Number(keyId)}, ${family}, ${b.requests}, ${b.errors}, ${b.bytes})
            ON CONFLICT (day, key_id, family) DO UPDATE SET requests = api_usage_daily.requests + excluded.requests,
              errors = api_usage_daily.errors + excluded.errors, bytes = api_usage_daily.bytes + excluded.bytes`.execute(trx);
          for (const [bin, count] of b.bins)
            await sql`INSERT INTO api_usage_latency (day, key_id, family, bin, count) VALUES (${day}, ${Number(keyId)}, ${family}, ${bin}, ${count})
              ON CONFLICT (day, key_id, family, bin) DO UPDATE SET count = api_usage_latency.count + excluded.count`.execute(trx);
        }
      });
    } catch (e) {
      // not lost: put back, to be added at the next flush
      for (const [k, b] of taken) {
        const cur = this.buckets.get(k);
        if (!cur) this.buckets.set(k, b);
        else {
          cur.requests += b.requests;
          cur.errors += b.errors;
          cur.bytes += b.bytes;
          for (const [bin, c] of b.bins) cur.bins.set(bin, (cur.bins.get(bin) ?? 0) + c);
        }
      }
      throw e;
    }
  }
}

/** Daily rows of the given keys (all keys when undefined), newest day first, for the last `days` days. */
export async function usageRows(db: Kysely<any>, keyIds: number[] | undefined, days: number): Promise<UsageRow[]> {
  if (keyIds && !keyIds.length) return [];
  const since = new Date(Date.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const keyFilter = keyIds ? sql`AND key_id IN (${sql.join(keyIds)})` : sql``;
  const rows = (await sql<{ day: string | Date; key_id: string | number; family: string; requests: string | number; errors: string | number; bytes: string | number }>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, key_id, family, requests, errors, bytes FROM api_usage_daily WHERE day >= ${since} ${keyFilter}
    ORDER BY day DESC, key_id, family`.execute(db)).rows;
  const lat = (await sql<{ day: string | Date; key_id: string | number; family: string; bin: number; count: string | number }>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, key_id, family, bin, count FROM api_usage_latency WHERE day >= ${since} ${keyFilter}`.execute(db)).rows;
  const dayOf = (d: string | Date) => (d instanceof Date ? d.toISOString().slice(0, 10) : String(d).slice(0, 10));
  const hist = new Map<string, Map<number, number>>();
  for (const l of lat) {
    const k = `${dayOf(l.day)}|${l.key_id}|${l.family}`;
    if (!hist.has(k)) hist.set(k, new Map());
    hist.get(k)!.set(Number(l.bin), Number(l.count));
  }
  return rows.map((r) => ({
    day: dayOf(r.day),
    keyId: Number(r.key_id),
    family: r.family,
    requests: Number(r.requests),
    errors: Number(r.errors),
    bytes: Number(r.bytes),
    p95Ms: p95(hist.get(`${dayOf(r.day)}|${r.key_id}|${r.family}`) ?? new Map()),
  }));
}

/** Calls `done` once the response is finished or aborted, with its status and the body bytes written (after compression). */
export function trackResponse(res: import('node:http').ServerResponse, done: (status: number, bytes: number) => void): void {
  let bytes = 0;
  const count = (chunk: unknown, encoding?: unknown) => {
    if (typeof chunk === 'string') bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
  };
  const write = res.write.bind(res) as (...a: unknown[]) => boolean;
  const end = res.end.bind(res) as (...a: unknown[]) => unknown;
  (res as { write: (...a: unknown[]) => boolean }).write = (...a: unknown[]) => {
    count(a[0], a[1]);
    return write(...a);
  };
  (res as { end: (...a: unknown[]) => unknown }).end = (...a: unknown[]) => {
    if (typeof a[0] !== 'function') count(a[0], a[1]);
    return end(...a);
  };
  let reported = false;
  const report = () => {
    if (reported) return;
    reported = true;
    done(res.statusCode, bytes);
  };
  res.once('finish', report);
  res.once('close', report);
}
