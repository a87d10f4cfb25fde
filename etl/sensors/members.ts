import { sql, type Kysely } from 'kysely';

export interface MembershipOptions {
  /** how often this instance writes its heartbeat and looks for dead members (default 2 s) */
  heartbeatMs?: number;
  /** a member whose heartbeat is older than this is dead and its session is adopted (default 6 s) */
  deadAfterMs?: number;
  log?: (m: string) => void;
}

/**
 * The instances consuming the shared MQTT subscription, in the database
 * (`sensor_ingest_member`). A broker keeps an offline member's persistent
 * session — the messages it had not acknowledged and its share of new ones —
 * until that client id connects again (Mosquitto does not hand them to the other
 * members of the group). So a live instance that sees a member's heartbeat stop
 * claims it (one claimer, by an atomic UPDATE) and resumes that session to drain
 * it (etl/sensors/mqtt.ts `drainSession`). Times are the database's, so clock
 * skew between hosts does not matter.
 */
export class IngestMembership {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private readonly adopting = new Set<string>();
  readonly heartbeatMs: number;
  readonly deadAfterMs: number;
  /** the last heartbeat written (undefined while the database is unreachable) */
  lastHeartbeat: Date | undefined;

  constructor(
    private readonly db: Kysely<any>,
    readonly clientId: string,
    private readonly opts: MembershipOptions = {},
  ) {
    this.heartbeatMs = opts.heartbeatMs ?? 2000;
    this.deadAfterMs = opts.deadAfterMs ?? 6000;
  }

  /** Writes heartbeats and hands each dead member's client id to `adopt` (once at a time per member). */
  async start(adopt: (clientId: string) => Promise<void>): Promise<void> {
    await this.tick(adopt);
    this.timer = setInterval(() => void this.tick(adopt), this.heartbeatMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The adopted member's session is drained and deleted: forget the member (unless it came back). */
  async forget(clientId: string): Promise<void> {
    await sql`DELETE FROM sensor_ingest_member WHERE client_id = ${clientId} AND adopted_by = ${this.clientId}`.execute(this.db);
  }

  private async tick(adopt: (clientId: string) => Promise<void>): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      // a member that comes back clears a claim on it
      const r = await sql<{ at: Date }>`
        INSERT INTO sensor_ingest_member (client_id, heartbeat_at) VALUES (${this.clientId}, now())
        ON CONFLICT (client_id) DO UPDATE SET heartbeat_at = now(), adopted_by = NULL, adopted_at = NULL
        RETURNING heartbeat_at AS at`.execute(this.db);
      this.lastHeartbeat = new Date(r.rows[0]!.at);
      // a claim whose adopter died too expires, so a third instance can take it over
      const dead = await sql<{ client_id: string }>`
        UPDATE sensor_ingest_member SET adopted_by = ${this.clientId}, adopted_at = now()
        WHERE client_id <> ${this.clientId}
          AND heartbeat_at < now() - make_interval(secs => ${this.deadAfterMs / 1000})
          AND (adopted_by IS NULL OR adopted_at < now() - make_interval(secs => ${(this.deadAfterMs * 10) / 1000}))
        RETURNING client_id`.execute(this.db);
      for (const { client_id } of dead.rows) {
        if (this.adopting.has(client_id)) continue;
        this.adopting.add(client_id);
        this.opts.log?.(`sensors: ingest member ${client_id} stopped reporting; taking over its MQTT session`);
        void adopt(client_id)
          .catch((e: Error) => this.opts.log?.(`sensors: taking over ${client_id} failed: ${e.message}`))
          .finally(() => this.adopting.delete(client_id));
      }
    } catch (e) {
      this.lastHeartbeat = undefined;
      this.opts.log?.(`sensors: ingest heartbeat failed: ${(e as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }
}
