import type { Context } from 'koa';
import { HttpProblem } from '../problem.ts';
import { checkJsonText } from '../middleware/input-hygiene.ts';

/**
 * Reads a JSON request body with a size cap. Small enough not to warrant a
 * body-parser dependency (none is installed); only our own write routes use it.
 */
export async function readJsonBody(ctx: Context, maxBytes = 5_000_000, types = ['application/json']): Promise<unknown> {
  if (!ctx.is(types)) throw new HttpProblem(415, 'Unsupported Media Type', `send ${types.join(' or ')}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req) {
    size += (c as Buffer).length;
    if (size > maxBytes) throw new HttpProblem(413, 'Content Too Large', `the body exceeds ${maxBytes} bytes`);
    chunks.push(c as Buffer);
  }
  let value: unknown;
  try {
    // fatal: bytes that are not UTF-8 are refused, not replaced by U+FFFD
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
  } catch {
    throw new HttpProblem(400, 'Bad Request', 'the body is not valid JSON in UTF-8');
  }
  // NUL and lone surrogates (JSON escapes can carry both) cannot be stored as text
  checkJsonText(value);
  return value;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
