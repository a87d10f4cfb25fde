import type { Context } from 'koa';
import { HttpProblem } from '../problem.ts';

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
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpProblem(400, 'Bad Request', 'the body is not valid JSON');
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
