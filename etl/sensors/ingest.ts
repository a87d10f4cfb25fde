import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AlertRules } from './alerts.ts';
import type { ObservationRow, Prepared } from './prepare.ts';
import { writeMessages, type BatchResult, type QuarantineRow, type StoreMessage } from './store.ts';

export interface IngestStats {
  received: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  quarantined: number;
  batches: number;
  failedBatches: number;
}

/** Where a prepared message came from; `raw` and `key` are set for MQTT messages. */
export interface MessageOrigin {
  /** `mqtt:<topic>`, `feed:<id>`, … */
  source: string;
  /** the bytes as received: kept (base64) when the message has to be quarantined */
  raw?: Buffer | string;
  /** unique key of the message (see messageKey): a redelivery of a stored message is skipped */
  key?: string;
}

export interface PlausibleTime {
  /** observations later than now + this go to the quarantine (default 10 minutes) */
  maxFutureMs: number;
  /** observations before this instant go to the quarantine */
  epoch: Date;
}

export const DEFAULT_PLAUSIBLE: PlausibleTime = { maxFutureMs: 10 * 60_000, epoch: new Date('2010-01-01T00:00:00Z') };

/** The unique key of an MQTT message: a QoS 1 redelivery carries the same topic and bytes. */
export function messageKey(topic: string, payload: Buffer | string): string {
  return createHash('sha256').update(topic).update('\u0000').update(payload).digest('base64url');
}

/** A row the database refused for what it contains (SQLSTATE class 22 data exception, 23 integrity, 54 limits), not for being unavailable. */
export function isDataError(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}

interface Entry extends StoreMessage {
  source: string;
  payloadBase64: string;
  addedAt: number;
  resolve(): void;
  reject(e: Error): void;
}

export interface IngestQueueOptions {
  maxBatch?: number;
  maxWaitMs?: number;
  /** how long a batch is retried while the database fails, before its messages are given back (rejected) */
  retryForMs?: number;
  plausible?: PlausibleTime;
  onBatch?: (r: BatchResult) => void;
  log?: (m: string) => void;
}

/**
 * Collects prepared messages and writes them in batches (one transaction per
 * batch, multi-row statements), which is what makes thousands of messages per
 * second possible. Batches are written one after another, in arrival order.
 *
 * One message never stops the ingest: when the database refuses a batch for its
 * content (a data error), the batch is written message by message and a message
 * that still cannot be stored goes to the quarantine (raw bytes, reason). When
 * the database is unavailable the batch is retried with capped backoff for
 * `retryForMs`, then its promises reject: an MQTT message is then not
 * acknowledged and the broker delivers it again.
 */
export class IngestQueue {
  private entries: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private pendingSince: number[] = [];
  readonly stats: IngestStats = { received: 0, inserted: 0, duplicates: 0, rejected: 0, quarantined: 0, batches: 0, failedBatches: 0 };
  /** commit time of the last stored batch and how long its oldest message waited (receipt → commit) */
  lastCommit: { at: Date; lagMs: number } | undefined;
  /** the last batch failed and is being retried */
  failing = false;

  constructor(
    private readonly db: Kysely<any>,
    private readonly rules: AlertRules,
    private readonly opts: IngestQueueOptions = {},
  ) {}

  /** Messages received and not yet committed. */
  get pending(): number {
    return this.pendingSince.length;
  }

  /** Receipt time (ms) of the oldest message not yet committed. */
  get oldestPendingAt(): number | undefined {
    return this.pendingSince[0];
  }

  /** Queues a message; resolves when it is committed (stored, skipped as a redelivery, or quarantined). */
  add(p: Prepared, origin: MessageOrigin = { source: p.rejects[0]?.source ?? 'unknown' }): Promise<void> {
    this.stats.received++;
    const now = Date.now();
    const { plausible, implausible } = splitByTime(p.observations, now, this.opts.plausible ?? DEFAULT_PLAUSIBLE);
    const payloadBase64 = origin.raw !== undefined ? Buffer.from(origin.raw).toString('base64') : Buffer.from(JSON.stringify(implausible.map((x) => x.row))).toString('base64');
    const quarantine: QuarantineRow[] = implausible.length ? [{ source: origin.source, reason: [...new Set(implausible.map((x) => x.reason))].join('; '), payloadBase64 }] : [];
    const done = new Promise<void>((resolve, reject) => {
      this.entries.push({ key: origin.key, observations: plausible, rejects: p.rejects, quarantine, source: origin.source, payloadBase64, addedAt: now, resolve, reject });
    });
    this.pendingSince.push(now);
    if (this.entries.length >= (this.opts.maxBatch ?? 2000)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.opts.maxWaitMs ?? 50);
    return done;
  }

  /** Writes what is queued; resolves when everything queued so far is committed (or given back). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.entries;
    this.entries = [];
    this.flushing = this.flushing.then(async () => {
      if (!batch.length) return;
      try {
        await this.write(batch);
        this.failing = false;
        this.lastCommit = { at: new Date(), lagMs: Date.now() - Math.min(...batch.map((e) => e.addedAt)) };
        for (const e of batch) e.resolve();
      } catch (e) {
        for (const x of batch) x.reject(e as Error);
      } finally {
        this.pendingSince.splice(0, batch.length);
      }
    });
    return this.flushing;
  }

  private async write(batch: Entry[]): Promise<void> {
    try {
      this.count(await this.retrying(() => writeMessages(this.db, batch, this.rules), `batch of ${batch.length} messages`));
    } catch (e) {
      if (!isDataError(e)) throw e;
      this.opts.log?.(`sensors: a batch of ${batch.length} messages was refused (${(e as Error).message}); storing them one by one`);
      for (const m of batch) await this.writeOne(m);
    }
  }

  /** One message; if the database refuses its content, the message goes to the quarantine instead. */
  private async writeOne(m: Entry): Promise<void> {
    try {
      // twice: a conflict with a concurrent writer (another instance) does not repeat, a poisoned row does
      const write = () => this.retrying(() => writeMessages(this.db, [m], this.rules), `message from ${m.source}`);
      this.count(await write().catch((e: unknown) => (isDataError(e) ? write() : Promise.reject(e))));
    } catch (e) {
      if (!isDataError(e)) throw e;
      const reason = `not storable: ${(e as Error).message}`;
      this.opts.log?.(`sensors: message from ${m.source} quarantined (${reason})`);
      const dead: StoreMessage = { key: m.key, observations: [], rejects: [], quarantine: [{ source: m.source, reason, payloadBase64: m.payloadBase64 }] };
      this.count(await this.retrying(() => writeMessages(this.db, [dead], this.rules), `quarantine of a message from ${m.source}`));
    }
  }

  /** Retries while the database is unavailable (capped backoff, at most retryForMs); data errors are thrown at once. */
  private async retrying<T>(write: () => Promise<T>, what: string): Promise<T> {
    const until = Date.now() + (this.opts.retryForMs ?? 60_000);
    for (let attempt = 0; attempt < 10_000; attempt++) {
      try {
        return await write();
      } catch (e) {
        if (isDataError(e)) throw e;
        this.failing = true;
        this.stats.failedBatches++;
        if (Date.now() >= until) throw e;
        this.opts.log?.(`sensors: ${what} failed (${(e as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000, Math.max(0, until - Date.now()))));
      }
    }
    throw new Error(`sensors: ${what}: too many attempts`);
  }

  private count(r: BatchResult): void {
    this.stats.batches++;
    this.stats.inserted += r.inserted;
    this.stats.duplicates += r.duplicates;
    this.stats.rejected += r.rejected;
    this.stats.quarantined += r.quarantined;
    this.opts.onBatch?.(r);
  }
}

function splitByTime(rows: ObservationRow[], now: number, p: PlausibleTime): { plausible: ObservationRow[]; implausible: { row: ObservationRow; reason: string }[] } {
  const plausible: ObservationRow[] = [];
  const implausible: { row: ObservationRow; reason: string }[] = [];
  for (const row of rows) {
    const t = row.time.getTime();
    if (!Number.isFinite(t)) implausible.push({ row, reason: 'time is not a valid instant' });
    else if (t > now + p.maxFutureMs) implausible.push({ row, reason: `time ${row.time.toISOString()} is more than ${Math.round(p.maxFutureMs / 60_000)} min in the future` });
    else if (t < p.epoch.getTime()) implausible.push({ row, reason: `time ${row.time.toISOString()} is before the epoch ${p.epoch.toISOString()} (SENSOR_EPOCH)` });
    else plausible.push(row);
  }
  return { plausible, implausible };
}
