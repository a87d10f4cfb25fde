import type { Context, Next } from 'koa';
import { BadParameter, HttpProblem } from '../problem.ts';

/**
 * Text that no route can store or compare: NUL (PostgreSQL text cannot hold it, so it would
 * surface as a 500 from deep inside a query) and unpaired UTF-16 surrogates (not Unicode
 * text; the driver would silently turn them into U+FFFD).
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function unstorableText(s: string): boolean {
  return UNSTORABLE.test(s);
}

export class BadText extends HttpProblem {
  constructor(where: string, extra: Record<string, unknown> = {}) {
    super(400, 'Bad Request', `${where} contains a NUL character, an unpaired surrogate or bytes that are not UTF-8`, extra);
  }
}

function decode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined; // a stray %, an overlong or surrogate UTF-8 sequence, a truncated one
  }
}

/**
 * Refuses an /api request whose path or query carries text that is not clean UTF-8 before any
 * route sees it, so every route family answers such input the same way (400 problem+json)
 * instead of each discovering it in its own SQL.
 */
export async function inputHygiene(ctx: Context, next: Next): Promise<void> {
  if (!ctx.path.startsWith('/api')) return next();
  const path = decode(ctx.path);
  if (path === undefined || unstorableText(path)) throw new BadText('the path');
  const qs = ctx.querystring;
  if (qs) {
    for (const pair of qs.split('&')) {
      const eq = pair.indexOf('=');
      const key = decode((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      const value = eq < 0 ? '' : decode(pair.slice(eq + 1).replace(/\+/g, ' '));
      if (key === undefined || unstorableText(key)) throw new BadText('a query parameter name');
      if (value === undefined || unstorableText(value)) throw new BadParameter(key, `the value of ${key.slice(0, 40)} contains a NUL character, an unpaired surrogate or bytes that are not UTF-8`);
    }
  }
  return next();
}

/** Throws BadText when any string or key anywhere in a parsed JSON value is unstorable. */
export function checkJsonText(value: unknown, where = 'the body'): void {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (unstorableText(v)) throw new BadText(where);
    } else if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (unstorableText(k)) throw new BadText(where);
        stack.push(x);
      }
    }
  }
}
