import type { Context } from 'koa';
import { BadParameter, HttpProblem } from '../problem.ts';

/**
 * Content negotiation: `f` wins over `Accept`. Each resource offers its media
 * types with the `f` value that selects each; the first is the default.
 */
export function negotiate(ctx: Context, offers: Record<string, string>): string {
  const f = ctx.query.f;
  if (Array.isArray(f)) throw new BadParameter('f', 'f may be given only once');
  if (f !== undefined) {
    const type = offers[f];
    if (!type) throw new BadParameter('f', `unsupported format "${f.slice(0, 40)}"; use ${Object.keys(offers).join(' or ')}`);
    return type;
  }
  const types = [...new Set(Object.values(offers))];
  // GeoJSON is JSON: a client asking for application/json gets it too
  const accepted = ctx.accepts([...types, 'application/json']);
  if (accepted === false)
    throw new HttpProblem(406, 'Not Acceptable', `this resource is available as ${types.join(', ')}`);
  return types.includes(accepted) ? accepted : types[0]!;
}
