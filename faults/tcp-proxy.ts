import { createServer, Socket, type Server } from 'node:net';

/** see TcpProxy.heldNow */
const SETTLE_MS = 50;

export type CutMode =
  /** the database is down (stopped, restarting): connections are refused */
  | 'refuse'
  /** the network is partitioned: connections are accepted and then nothing arrives, until the cut heals */
  | 'blackhole';

export interface TcpProxyOptions {
  /** where PostgreSQL listens */
  target: { host: string; port: number };
  /**
   * Connections forwarded to PostgreSQL at most at once; clients beyond it are counted and closed.
   * A shared test server must never see a runaway client's thousands of connections.
   */
  maxUpstream: number;
}

/**
 * A TCP relay between the server under test and PostgreSQL that can be cut
 * and healed on the same port. It counts the client connections held at once
 * (the peak is what PostgreSQL would have had to accept) and the ones it had
 * to turn away, so a fault scenario can prove a process never exceeds its
 * connection budget, not even with a storm of short-lived attempts.
 */
export class TcpProxy {
  private server?: Server;
  private port = 0;
  private readonly pairs = new Set<Socket>();
  /** sockets accepted during a blackhole cut, with what they sent, connected upstream when it heals */
  private held: { client: Socket; sent: Buffer[]; onData: (b: Buffer) => void }[] = [];
  private mode: 'open' | CutMode = 'open';
  /** client connections open right now (forwarded, held or being refused) */
  current = 0;
  /** of those, the ones open for longer than SETTLE_MS: connections the client holds, not ones it is closing */
  heldNow = 0;
  /** highest `heldNow` since the last resetPeak() */
  peak = 0;
  /** client connections turned away because `maxUpstream` was reached */
  overLimit = 0;
  /** client connections accepted in total */
  accepted = 0;

  constructor(private readonly opts: TcpProxyOptions) {}

  /** Listens on `port` (0 = any free one); resolves to the port. */
  async start(port = 0): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  get listeningPort(): number {
    return this.port;
  }

  resetPeak(): void {
    this.peak = this.heldNow;
  }

  private accept(client: Socket): void {
    this.accepted++;
    this.current++;
    // a client that gives up on a connection and opens the next one at once (a pool after a connect timeout)
    // closes the first a moment before the proxy sees it close: counted only once it has been open SETTLE_MS
    let counted = false;
    const settle = setTimeout(() => {
      counted = true;
      this.heldNow++;
      this.peak = Math.max(this.peak, this.heldNow);
    }, SETTLE_MS);
    client.on('error', () => {});
    client.once('close', () => {
      clearTimeout(settle);
      if (counted) this.heldNow--;
      this.current--;
      this.pairs.delete(client);
    });
    this.pairs.add(client);
    if (this.mode === 'blackhole') {
      // what the client sends is kept (a network that delays until it heals) and nothing answers; the socket
      // keeps flowing so that a client giving up and closing it is seen (and no longer counted) at once
      const sent: Buffer[] = [];
      const onData = (b: Buffer) => sent.push(b);
      client.on('data', onData);
      this.held.push({ client, sent, onData });
      return;
    }
    if (this.current > this.opts.maxUpstream) {
      this.overLimit++;
      client.destroy();
      return;
    }
    this.forward(client);
  }

  private forward(client: Socket, sent: Buffer[] = []): void {
    const upstream = new Socket();
    upstream.on('error', () => client.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    // until upstream is connected, the client's bytes wait in its socket's buffer (no 'data' listener yet)
    client.pause();
    upstream.connect(this.opts.target.port, this.opts.target.host, () => {
      for (const b of sent) upstream.write(b);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    this.pairs.add(upstream);
    upstream.once('close', () => this.pairs.delete(upstream));
  }

  /** Drops every open connection and starts refusing or swallowing new ones. */
  async cut(mode: CutMode): Promise<void> {
    this.mode = mode;
    for (const s of this.pairs) s.destroy();
    if (mode === 'refuse' && this.server) {
      const s = this.server;
      this.server = undefined;
      await new Promise<void>((r) => s.close(() => r()));
    }
  }

  /** Heals the cut: listens again on the same port, and held connections reach PostgreSQL. */
  async restore(): Promise<void> {
    const wasRefusing = this.server === undefined;
    this.mode = 'open';
    if (wasRefusing) await this.start(this.port);
    const held = this.held;
    this.held = [];
    for (const { client, sent, onData } of held) {
      client.off('data', onData);
      if (client.destroyed) continue;
      if (this.current > this.opts.maxUpstream) {
        this.overLimit++;
        client.destroy();
      } else this.forward(client, sent);
    }
  }

  async close(): Promise<void> {
    for (const s of this.pairs) s.destroy();
    for (const h of this.held) h.client.destroy();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
