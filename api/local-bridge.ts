import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Middleware } from 'koa';
import type { Kysely } from 'kysely';
import type { CliIo } from '../etl/cli.ts';

/**
 * The embedded PGlite database belongs to one process. While `npm start` runs,
 * `npm run etl` / `npm run admin` hand their command to the server through this
 * bridge: loopback only, authorised by a random token in DATA_DIR/server.json
 * (mode 0600), so only a local user who can read the data directory can use it.
 */

/** `input`: standard input the client read for the tool (a password); never logged or echoed. */
export type ToolIo = CliIo & { input?: string };

export type CliRunner = (argv: string[], db: Kysely<any>, io: ToolIo) => Promise<number>;

export interface ServerLock {
  pid: number;
  port: number;
  token: string;
}

export const BRIDGE_PATH = '/api/_local/cli';

export function lockPath(dataDir: string): string {
  return join(dataDir, 'server.json');
}

export function writeLock(dataDir: string, port: number): ServerLock {
  const lock = { pid: process.pid, port, token: randomBytes(32).toString('hex') };
  writeFileSync(lockPath(dataDir), JSON.stringify(lock), { mode: 0o600 });
  const remove = () => {
    try {
      const cur = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as ServerLock;
      if (cur.pid === process.pid) rmSync(lockPath(dataDir));
    } catch {
      /* already gone */
    }
  };
  process.once('exit', remove);
  return lock;
}

/** The running server that owns the embedded database, if any. */
export function readLiveLock(dataDir: string): ServerLock | undefined {
  if (!existsSync(lockPath(dataDir))) return undefined;
  try {
    const lock = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as ServerLock;
    process.kill(lock.pid, 0);
    return lock;
  } catch {
    return undefined;
  }
}

export function bridgeMiddleware(lock: ServerLock, db: Kysely<any>, tools: Record<string, CliRunner>): Middleware {
  const expected = Buffer.from(`Bearer ${lock.token}`);
  return async (ctx, next) => {
    if (ctx.path !== BRIDGE_PATH) return next();
    const remote = ctx.req.socket.remoteAddress ?? '';
    const given = Buffer.from(ctx.get('authorization'));
    if (ctx.method !== 'POST' || !/^(127\.|::1$|::ffff:127\.)/.test(remote) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      ctx.status = 404;
      return;
    }
    const body = await readJson(ctx.req);
    const tool = tools[String(body.tool)];
    if (!tool || !Array.isArray(body.argv)) {
      ctx.status = 400;
      ctx.body = 'bad bridge request';
      return;
    }
    const out = new PassThrough();
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = out;
    const write = (kind: string, line: string) => out.write(`${kind}${line.replace(/\n/g, `\n${kind}`)}\n`);
    void tool(body.argv.map(String), db, {
      out: (l) => write('O', l),
      err: (l) => write('E', l),
      progress: (l) => write('P', l),
      cwd: typeof body.cwd === 'string' ? body.cwd : undefined,
      input: typeof body.input === 'string' ? body.input : undefined,
    })
      .then((code) => out.end(`X${code}\n`))
      .catch((e: Error) => {
        write('E', `error: ${e.message}`);
        out.end('X1\n');
      });
  };
}

async function readJson(req: NodeJS.ReadableStream): Promise<{ tool?: unknown; argv?: unknown; cwd?: unknown; input?: unknown }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1_000_000) throw new Error('bridge request too large');
    chunks.push(c as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Client side: run a CLI tool inside the live server, echoing its output. Returns the exit code. */
export async function runThroughServer(lock: ServerLock, tool: string, argv: string[], io: CliIo, input?: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${lock.port}${BRIDGE_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${lock.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tool, argv, cwd: process.cwd(), input }),
  });
  if (!res.ok || !res.body) throw new Error(`the running server refused the command (HTTP ${res.status})`);
  let code = 1;
  let buf = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const kind = line[0];
      const text = line.slice(1);
      if (kind === 'O') io.out(text);
      else if (kind === 'E') io.err(text);
      else if (kind === 'P') io.progress?.(text);
      else if (kind === 'X') code = Number(text);
    }
  }
  return code;
}
