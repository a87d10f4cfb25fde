import pg from 'pg';

/** Reconnect delays of a LISTEN connection: exponential from `baseMs`, capped at `maxMs`, with jitter. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/**
 * The cap stays well under the 5 s in which a returning database must be
 * heard again; the jitter keeps many API instances from reconnecting in step.
 */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 250, maxMs: 2_000 };

/** "Equal jitter": half the exponential delay fixed, half random, so a delay is never near zero. */
export function backoffDelay(attempt: number, b: Backoff, random = Math.random): number {
  const d = Math.min(b.maxMs, b.baseMs * 2 ** Math.min(attempt, 30));
  return d / 2 + random() * (d / 2);
}

export interface ListenerStatus {
  channel: string;
  /** LISTEN is in place right now */
  listening: boolean;
  /** since when `listening` has its current value */
  since: Date;
  /** connections lost and re-established since the start */
  reconnects: number;
  lastError?: string;
}

export interface ListenOptions {
  /**
   * Called after every re-LISTEN that follows a lost connection: notifications
   * sent while the listener was away are gone, so whatever they keep fresh
   * must be resynchronised.
   */
  onResync?: () => void;
}

/**
 * One dedicated PostgreSQL connection LISTENing on one channel, with exactly
 * one reconnect loop: a connection is opened only after the previous one has
 * ended, so however long the database is away the listener holds at most one
 * connection (a failed attempt used to schedule two successors, doubling the
 * attempts until PostgreSQL ran out of connection slots).
 */
export class ChannelListener {
  private stopped = false;
  private client?: pg.Client;
  private wake?: () => void;
  private loop?: Promise<void>;
  private readonly state: ListenerStatus;

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    readonly channel: string,
    private readonly onPayload: (payload: string) => void,
    private readonly opts: ListenOptions & { backoff?: Backoff } = {},
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
    this.state = { channel, listening: false, since: new Date(), reconnects: 0 };
  }

  status(): ListenerStatus {
    return { ...this.state };
  }

  /** Starts the loop; resolves after the first attempt, successful or not (later ones continue in the background). */
  start(): Promise<void> {
    let first!: () => void;
    const firstAttempt = new Promise<void>((r) => (first = r));
    this.loop = this.run(first);
    return firstAttempt;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.client?.end().catch(() => {});
    await this.loop;
  }

  private setListening(listening: boolean, error?: string): void {
    if (this.state.listening !== listening) this.state.since = new Date();
    this.state.listening = listening;
    if (error) this.state.lastError = error;
  }

  private async run(firstDone: () => void): Promise<void> {
    let attempt = 0;
    let everListened = false;
    while (!this.stopped) {
      const c = new pg.Client(this.clientConfig);
      this.client = c;
      // 'error' and 'end' may both come for one loss: one promise, settled once
      const ended = new Promise<string>((resolve) => {
        c.on('error', (e: Error) => resolve(e.message));
        c.on('end', () => resolve('connection ended'));
      });
      c.on('notification', (n) => {
        if (n.channel === this.channel && n.payload !== undefined) this.onPayload(n.payload);
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${this.channel}`);
        attempt = 0;
        this.setListening(true);
        if (everListened) {
          this.state.reconnects++;
          this.opts.onResync?.();
        }
        everListened = true;
        firstDone();
        const why = await ended;
        this.setListening(false, why);
      } catch (e) {
        this.setListening(false, (e as Error).message);
        firstDone();
      }
      await c.end().catch(() => {});
      this.client = undefined;
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoffDelay(attempt++, this.opts.backoff ?? DEFAULT_BACKOFF));
        timer.unref();
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
