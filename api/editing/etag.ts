import type { Context } from 'koa';
import { PreconditionRequired } from './errors.ts';

/**
 * A feature's version is its row's xmin (the id of the transaction that last
 * wrote it): every write of the row changes it, on PostgreSQL and PGlite alike,
 * and the conditional UPDATE compares it in the database.
 */
export function etagOf(version: string): string {
  return `"${version}"`;
}

/** `*` (any current version) or the versions listed in If-Match; strong comparison, so W/ tags never match. */
export function parseIfMatch(ctx: Context): '*' | string[] {
  const h = ctx.get('if-match').trim();
  if (!h) throw new PreconditionRequired();
  if (h === '*') return '*';
  return h
    .split(',')
    .map((s) => s.trim())
    .map((s) => /^"(\d{1,20})"$/.exec(s)?.[1])
    .filter((s): s is string => s !== undefined);
}

export function matches(ifMatch: '*' | string[], version: string): boolean {
  return ifMatch === '*' || ifMatch.includes(version);
}
