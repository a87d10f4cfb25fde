import type { Context, Next } from 'koa';

/**
 * Typed errors of the API; the one middleware below maps them to RFC 9457
 * application/problem+json responses. Nothing else writes error bodies.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }
}

export class NotFound extends HttpProblem {
  constructor(detail: string) {
    super(404, 'Not Found', detail);
  }
}

/** A query parameter the client got wrong; `parameter` names it. */
export class BadParameter extends HttpProblem {
  constructor(parameter: string, detail: string) {
    super(400, 'Bad Request', detail, { parameter });
  }
}

/** A client over a limit (requests per minute, sign-in attempts); answered with Retry-After. */
export class TooManyRequests extends HttpProblem {
  constructor(
    detail: string,
    readonly retryAfter: number,
  ) {
    super(429, 'Too Many Requests', detail, { retryAfter });
  }
}

export class DatabaseUnavailable extends HttpProblem {
  constructor(detail = 'the database is not reachable; retry shortly') {
    super(503, 'Service Unavailable', detail);
  }
}

// 53300: too many connections; 57P01–03: the server is shutting down, crashed or starting
const DB_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', '53300', '57P01', '57P02', '57P03', '08006', '08001', '08003']);
// pg.Pool's own failures carry no code: its connect timeout (DATABASE_CONNECT_TIMEOUT_MS) and a wait for a free client that timed out
const DB_DOWN_MESSAGES = /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error/;

export function isDatabaseDown(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return (code !== undefined && DB_DOWN_CODES.has(code)) || DB_DOWN_MESSAGES.test(String((e as Error)?.message));
}

export async function problemMiddleware(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined && ctx.path.startsWith('/api'))
      throw new NotFound(`no resource at ${ctx.path}`);
  } catch (e) {
    let p: HttpProblem;
    if (e instanceof HttpProblem) p = e;
    else if (isDatabaseDown(e)) p = new DatabaseUnavailable();
    else {
      const status = (e as { status?: number }).status;
      if (status && status >= 400 && status < 500) p = new HttpProblem(status, (e as Error).message || 'Bad Request');
      else {
        ctx.app.emit('error', e, ctx);
        p = new HttpProblem(500, 'Internal Server Error', 'an unexpected error occurred; it has been logged');
      }
    }
    ctx.status = p.status;
    ctx.type = 'application/problem+json';
    if (p.status === 503) ctx.set('Retry-After', '5');
    if (p instanceof TooManyRequests) ctx.set('Retry-After', String(p.retryAfter));
    ctx.body = problemBody(p, ctx.path);
  }
}

/** The RFC 9457 body of a problem (also written by the cached-tile fast path, which runs outside Koa). */
export function problemBody(p: HttpProblem, instance: string): Record<string, unknown> {
  return { type: 'about:blank', title: p.title, status: p.status, detail: p.detail, instance, ...p.extra };
}
