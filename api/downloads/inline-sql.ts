import { createQueryId, PostgresQueryCompiler, type RawBuilder } from 'kysely';
import pg from 'pg';

/**
 * Kysely's PostgreSQL compiler with every bound value written into the text
 * as a literal, for statements that take no parameters: `COPY (SELECT …) TO
 * STDOUT` is one (PostgreSQL does not accept `$n` there). Values still come
 * only from the builders' bound parameters, never from text pasted into
 * fragments: numbers must be finite, text goes through pg's `escapeLiteral`
 * (quotes doubled, backslashes as E''), anything else is refused.
 */
class InliningCompiler extends PostgresQueryCompiler {
  protected override appendValue(parameter: unknown): void {
    this.append(sqlLiteral(parameter));
  }
}

export function sqlLiteral(v: unknown): string {
  if (v === null) return 'NULL';
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) throw new Error(`cannot inline the number ${v}`);
      // parenthesised so a negative number stays one operand before `::type` or after an operator
      return v < 0 || Object.is(v, -0) ? `(${String(v)})` : String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      if (v.includes('\0')) throw new Error('cannot inline text containing NUL');
      return pg.escapeLiteral(v);
    default:
      throw new Error(`cannot inline a value of type ${typeof v}`);
  }
}

/** SQL text of a builder with its values inlined as literals. */
export function inlineSql(query: RawBuilder<unknown>): string {
  const compiled = new InliningCompiler().compileQuery(query.toOperationNode(), createQueryId());
  if (compiled.parameters.length) throw new Error('inlined statement still has parameters');
  return compiled.sql;
}
