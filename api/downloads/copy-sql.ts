import { createQueryId, PostgresQueryCompiler, type RawBuilder } from 'kysely';

/**
 * A statement that takes no parameters — `COPY (SELECT …) TO STDOUT` is one:
 * PostgreSQL accepts no `$n` there — with its values still bound, never
 * written into the SQL text. Each value becomes a transaction-local setting,
 * set by `SELECT set_config($1, $2, true)` with the value as a bound
 * parameter, and the statement reads it back as
 * `current_setting('geoportal.copy_N')::type`. So the request's values
 * (municipality, bbox, CQL2 literals) reach PostgreSQL only as bound
 * parameters, and it works on a read-only replica (unlike a temporary table).
 * The type comes from the JavaScript value: whole numbers bigint, other
 * numbers float8, text, boolean; the CQL2 compiler already casts dates.
 */
export interface CopySql {
  sql: string;
  /** [setting name, value as text] to set before the statement, in the same transaction */
  settings: [string, string][];
}

const SETTING = 'geoportal.copy_';

class SettingsCompiler extends PostgresQueryCompiler {
  readonly settings: [string, string][] = [];

  protected override appendValue(v: unknown): void {
    if (v === null || v === undefined) {
      this.append('NULL');
      return;
    }
    let type: string;
    let text: string;
    switch (typeof v) {
      case 'number':
        if (!Number.isFinite(v)) throw new Error(`cannot bind the number ${v}`);
        type = Number.isInteger(v) ? 'bigint' : 'float8';
        text = String(v);
        break;
      case 'boolean':
        type = 'boolean';
        text = String(v);
        break;
      case 'string':
        type = 'text';
        text = v;
        break;
      default:
        throw new Error(`cannot bind a value of type ${typeof v} to a COPY statement`);
    }
    const name = `${SETTING}${this.settings.length + 1}`;
    this.settings.push([name, text]);
    this.append(`current_setting('${name}')::${type}`);
  }
}

export function copySql(query: RawBuilder<unknown>): CopySql {
  const compiler = new SettingsCompiler();
  const compiled = compiler.compileQuery(query.toOperationNode(), createQueryId());
  if (compiled.parameters.length) throw new Error('a COPY statement cannot have parameters');
  return { sql: compiled.sql, settings: compiler.settings };
}

/** An ordinary statement with bound parameters, as Kysely compiles it (for a plain pg client). */
export function boundSql(query: RawBuilder<unknown>): { sql: string; parameters: readonly unknown[] } {
  const compiled = new PostgresQueryCompiler().compileQuery(query.toOperationNode(), createQueryId());
  return { sql: compiled.sql, parameters: compiled.parameters };
}
