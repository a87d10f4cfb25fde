import { sql, type Kysely } from 'kysely';

export interface LeaseOptions {
  /** how long a lease lasts without renewal (default 6 s); another instance takes it over after that */
  ttlMs?: number;
  /** how often the holder renews and the others try to take it (default 2 s) */
  renewMs?: number;
  log?: (m: string) => void;
}

/**
 * One holder at a time, in the database (`sensor_ingest_lease`): the holder renews
 * its row every `renewMs`; a row not renewed for `ttlMs` may be taken by anyone.
 * Times are the database's, so clock skew between hosts does not matter. A holder
 * that cannot renew (database unreachable) gives the work up before its lease can
 * have expired, so two holders never consume at once.
 */
export class IngestLease {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private lastRenewed = 0;
  readonly ttlMs: number;
  readonly renewMs: number;
  held = false;

  constructor(
    private readonly db: Kysely<any>,
    readonly name: string,
    readonly holder: string,
    private readonly opts: LeaseOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 6000;
    this.renewMs = opts.renewMs ?? 2000;
  }

  /** Takes or renews the lease; true while this instance holds it. */
  async tryHold(): Promise<boolean> {
    const r = await sql<{ holder: string }>`
      INSERT INTO sensor_ingest_lease (name, holder, expires_at) VALUES (${this.name}, ${this.holder}, now() + ${this.ttlMs} * interval '1 millisecond')
      ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
        acquired_at = CASE WHEN sensor_ingest_lease.holder = EXCLUDED.holder THEN sensor_ingest_lease.acquired_at ELSE now() END
      WHERE sensor_ingest_lease.holder = EXCLUDED.holder OR sensor_ingest_lease.expires_at < now()
      RETURNING holder`.execute(this.db);
    return r.rows.length === 1;
  }

  /** Runs `onAcquire` when this instance gets the lease and `onLose` when it has to give it up. */
  async start(onAcquire: () => Promise<void>, onLose: () => Promise<void>): Promise<void> {
    const tick = async () => {
      if (this.ticking) return;
      this.ticking = true;
      try {
        let holds: boolean;
        try {
          holds = await this.tryHold();
          if (holds) this.lastRenewed = Date.now();
        } catch (e) {
          // unreachable database: keep consuming only while the lease cannot have expired for the others
          holds = this.held && Date.now() - this.lastRenewed < this.ttlMs - this.renewMs;
          this.opts.log?.(`sensors: lease ${this.name}: ${(e as Error).message}`);
        }
        if (holds && !this.held) {
          this.held = true;
          this.opts.log?.(`sensors: ${this.holder} holds the ingest lease ${this.name}`);
          await onAcquire();
        } else if (!holds && this.held) {
          this.held = false;
          this.opts.log?.(`sensors: ${this.holder} gave up the ingest lease ${this.name}`);
          await onLose();
        }
      } finally {
        this.ticking = false;
      }
    };
    await tick();
    this.timer = setInterval(() => void tick().catch(() => {}), this.renewMs);
    this.timer.unref?.();
  }

  /** Stops renewing; a holder stops its work (`beforeRelease`), then releases the lease so another instance takes over at once. */
  async stop(beforeRelease?: () => Promise<void>): Promise<void> {
    clearInterval(this.timer);
    while (this.ticking) await new Promise((r) => setTimeout(r, 20));
    if (this.held) await beforeRelease?.();
    if (this.held) {
      this.held = false;
      await sql`DELETE FROM sensor_ingest_lease WHERE name = ${this.name} AND holder = ${this.holder}`.execute(this.db).catch(() => {});
    }
  }
}
