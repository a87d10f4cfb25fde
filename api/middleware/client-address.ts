import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * Who the client is. X-Forwarded-* headers are believed only when the TCP peer
 * is one of the configured reverse proxies (TRUST_PROXY); from anyone else
 * they are removed before Koa or the tile fast path can read them, so a client
 * cannot forge its address, scheme or host by sending them.
 */
export interface ClientAddress {
  /** the address limits and logs use */
  ip: string;
  /** the TCP peer */
  peer: string;
  /** true when `ip` was taken from X-Forwarded-For (then no loopback exemption applies) */
  forwarded: boolean;
}

const FORWARDING_HEADERS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'forwarded', 'x-real-ip'];

/** `::ffff:1.2.3.4` → `1.2.3.4`, so one client has one key whichever socket family it came over */
export function normalizeAddress(a: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return (m ? m[1]! : a).toLowerCase();
}

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  /** `entries`: addresses or CIDR blocks (IPv4 or IPv6); throws on anything else */
  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const [addr, bits, extra] = raw.trim().split('/');
      const family = isIP(addr ?? '');
      if (!family || extra !== undefined) throw new Error(`TRUST_PROXY: "${raw}" is not an IP address or CIDR block`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.list.addAddress(addr!, type);
      else {
        const prefix = Number(bits);
        if (!/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) throw new Error(`TRUST_PROXY: "${raw}" has a bad prefix length`);
        this.list.addSubnet(addr!, prefix, type);
      }
    }
    this.size = entries.length;
  }

  trusts(address: string): boolean {
    if (this.size === 0) return false;
    const a = normalizeAddress(address);
    const family = isIP(a);
    return family !== 0 && this.list.check(a, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** TRUST_PROXY: comma-separated addresses/CIDRs; unset or empty = no proxy is trusted. */
export function parseTrustProxy(raw: string | undefined): TrustedProxies {
  const entries = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return new TrustedProxies(entries);
}

const RESOLVED = Symbol('clientAddress');

/**
 * Resolves the client of a request once (the tile fast path and Koa share it).
 * Behind trusted proxies X-Forwarded-For is read from the right: each proxy
 * appends the peer it saw, so the rightmost address that is not a trusted
 * proxy is the client; what the client itself wrote further left is ignored.
 */
export function resolveClient(req: IncomingMessage, proxies: TrustedProxies): ClientAddress {
  const cached = (req as unknown as Record<symbol, ClientAddress | undefined>)[RESOLVED];
  if (cached) return cached;
  const peer = normalizeAddress(req.socket.remoteAddress ?? '');
  let client: ClientAddress = { ip: peer, peer, forwarded: false };
  if (proxies.trusts(peer)) {
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((s) => normalizeAddress(s.trim())).filter(Boolean);
    let ip: string | undefined;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (!isIP(hop)) break; // garbage from further left: the last good hop stands
      ip = hop;
      if (!proxies.trusts(hop)) break;
    }
    if (ip) client = { ip, peer, forwarded: true };
  } else {
    for (const h of FORWARDING_HEADERS) delete req.headers[h];
  }
  (req as unknown as Record<symbol, ClientAddress>)[RESOLVED] = client;
  return client;
}
