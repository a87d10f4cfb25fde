import type { Kysely } from 'kysely';
import type { AlertRules } from './alerts.ts';
import type { ObservationRow, Prepared, RejectRow } from './prepare.ts';
import { writeBatch, type BatchResult } from './store.ts';

export interface IngestStats {
  received: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  batches: number;
  failedBatches: number;
}

/**
 * Collects prepared messages and writes them in batches (one transaction per
 * batch, multi-row statements), which is what makes thousands of messages per
 * second possible. Batches are written one after another, in arrival order; a
 * failed batch is retried (the primary key makes the retry harmless).
 */
export class IngestQueue {
  private rows: ObservationRow[] = [];
  private rejects: RejectRow[] = [];
  private waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** arrival times of the messages not yet committed, oldest first (the ingest lag /api/health reports) */
  private arrivals: number[] = [];
  /** the last failure of a batch write, until a batch commits again */
  lastError: string | undefined;
  readonly stats: IngestStats = { received: 0, inserted: 0, duplicates: 0, rejected: 0, batches: 0, failedBatches: 0 };

  constructor(
    private readonly db: Kysely<any>,
    private readonly rules: AlertRules,
    private readonly opts: { maxBatch?: number; maxWaitMs?: number; onBatch?: (r: BatchResult) => void; log?: (m: string) => void } = {},
  ) {}

  /** Queues a message; resolves when it is committed. */
  add(p: Prepared): Promise<void> {
    this.stats.received++;
    this.arrivals.push(Date.now());
    this.rows.push(...p.observations);
    this.rejects.push(...p.rejects);
    const done = new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.rows.length + this.rejects.length >= (this.opts.maxBatch ?? 2000)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.opts.maxWaitMs ?? 50);
    return done;
  }

  /** Writes what is queued; resolves when everything queued so far is committed. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.rows;
    const rejects = this.rejects;
    const waiting = this.waiting;
    this.rows = [];
    this.rejects = [];
    this.waiting = [];
    this.flushing = this.flushing.then(async () => {
      if (!rows.length && !rejects.length) return this.committed(waiting);
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await writeBatch(this.db, rows, rejects, this.rules);
          this.stats.batches++;
          this.stats.inserted += r.inserted;
          this.stats.duplicates += r.duplicates;
          this.stats.rejected += r.rejected;
          this.opts.onBatch?.(r);
          this.lastError = undefined;
          break;
        } catch (e) {
          this.stats.failedBatches++;
          this.lastError = (e as Error).message;
          this.opts.log?.(`sensors: batch of ${rows.length} observations failed (${(e as Error).message}); retrying`);
          await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000)));
        }
      }
      this.committed(waiting);
    });
    return this.flushing;
  }

  private committed(waiting: (() => void)[]): void {
    // batches commit in arrival order: the oldest arrivals are the ones just committed
    this.arrivals.splice(0, waiting.length);
    waiting.forEach((w) => w());
  }

  /** Messages received and not yet committed, and since when the oldest waits. */
  backlog(): { messages: number; oldestAt: Date | null } {
    return { messages: this.arrivals.length, oldestAt: this.arrivals.length ? new Date(this.arrivals[0]!) : null };
  }
}
