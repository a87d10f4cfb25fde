import { CompiledQuery, type Kysely } from 'kysely';

/**
 * The rows of one `COPY … FROM STDIN` in PostgreSQL's text format. It travels to
 * the driver as the statement's only parameter, so COPY runs on the connection
 * (and inside the transaction) of whatever Kysely instance executes it: the
 * PostgreSQL pool's client streams it with pg-copy-streams (sql/connection.ts),
 * the PGlite pool hands it over as a blob (sql/pglite-pool.ts).
 */
export class CopyData {
  constructor(readonly data: string) {}
}

const COPY_FROM_STDIN = /^\s*COPY\s[\s\S]+\sFROM\s+STDIN\b/i;

export function isCopyFrom(sql: string, parameters: ReadonlyArray<unknown> | undefined): parameters is [CopyData] {
  return parameters?.length === 1 && parameters[0] instanceof CopyData && COPY_FROM_STDIN.test(sql);
}

/** Loads `data` (text format: tab-separated, `\N` for null, one row a line) with `COPY … FROM STDIN`; returns the row count. */
export async function copyFrom(db: Kysely<any>, statement: string, data: string): Promise<number> {
  if (!COPY_FROM_STDIN.test(statement)) throw new Error('copyFrom needs a COPY … FROM STDIN statement');
  const r = await db.executeQuery<{ rows: number }>(CompiledQuery.raw(statement, [new CopyData(data)]));
  return r.rows[0]?.rows ?? 0;
}

/** One value in COPY text format: backslash, tab, newline and carriage return escaped; null → `\N`. */
export function copyText(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : v;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
