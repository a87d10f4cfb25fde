import { sql, type Kysely, type RawBuilder } from 'kysely';
import pg from 'pg';
import { to as copyToStdout } from 'pg-copy-streams';
import type { LayerSchema } from '../../schemas/index.ts';
import { copyBinaryBatches, decodeBatches, encodeBatch, type RawBatch } from './copy-binary.ts';
import { boundSql, copySql } from './copy-sql.ts';
import { CHUNK, exportPlan, textWidthsSql, type ExportPlan, type ExportRow, type ExportSelection, type GeometryWanted } from './rows.ts';

/**
 * Where the export writers get their rows, and the text widths dBASE needs
 * before the first row. Rows come in fid order, a chunk at a time, in the same shape
 * whichever source reads them.
 */
export interface ExportSource {
  rows(layer: LayerSchema, sel: ExportSelection, want: GeometryWanted, chunk?: number): AsyncIterable<ExportRow[]>;
  /**
   * The same rows undecoded: each field's bytes in PostgreSQL's binary send format, in the order
   * of `exportPlan(layer, sel, want)` (export columns, then what `want` asks for). Writers that
   * copy values into a binary file read them without making a JS value of each.
   */
  batches(layer: LayerSchema, sel: ExportSelection, want: GeometryWanted, chunk?: number): AsyncIterable<RawBatch>;
  /** longest value in bytes of each text column, by export column index */
  textWidths(layer: LayerSchema, sel: ExportSelection): Promise<Map<number, number>>;
  close?(): Promise<void>;
}

function toWidths(row: Record<string, number | null> | undefined): Map<number, number> {
  const m = new Map<number, number>();
  for (const [k, v] of Object.entries(row ?? {})) m.set(Number(k.slice(1)), Number(v ?? 1));
  return m;
}

/** node-postgres hands bytea over as a Buffer, PGlite as a Uint8Array: wrap, never copy */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Rows by keyset pages of ordinary queries through Kysely: works on PGlite
 * (one connection, where a long-held cursor or COPY would block everyone else)
 * and on PostgreSQL. The next page is requested as soon as one arrives, so
 * the database selects it while the caller formats this one (at most two
 * pages are held). Pages are separate statements, so a concurrent commit can
 * land between them; the cache checks the layer's modification time after.
 */
export function queryExportSource(db: Kysely<any>): ExportSource {
  async function* pages(plan: ExportPlan, chunk: number): AsyncGenerator<unknown[][]> {
    const { names } = plan;
    const bytea = plan.decoders.flatMap((d, i) => (d === 'bytea' ? [i] : []));
    const fetch = (after: number) =>
      sql<Record<string, unknown>>`SELECT ${plan.select} FROM ${plan.from}
        WHERE ${plan.where} AND t.fid > ${after} ORDER BY t.fid LIMIT ${chunk}`.execute(db);
    let next: Promise<{ rows: Record<string, unknown>[] }> | undefined = fetch(-1);
    try {
      while (next) {
        const { rows }: { rows: Record<string, unknown>[] } = await next;
        next = rows.length === chunk ? fetch(Number(rows.at(-1)!.f0)) : undefined;
        if (rows.length === 0) return;
        yield rows.map((row: Record<string, unknown>) => {
          const f = new Array<unknown>(names.length);
          for (let i = 0; i < names.length; i++) f[i] = row[names[i]!] ?? null;
          for (const i of bytea) if (f[i] !== null) f[i] = asBuffer(f[i] as Uint8Array);
          return f;
        });
      }
    } finally {
      // the caller stopped early (error): the prefetched page is dropped, its failure must not go unhandled
      next?.catch(() => {});
    }
  }
  return {
    async *rows(layer, sel, want, chunk = CHUNK): AsyncGenerator<ExportRow[]> {
      const plan = exportPlan(layer, sel, want);
      for await (const page of pages(plan, chunk)) yield page.map((f) => plan.toRow(f));
    },
    async *batches(layer, sel, want, chunk = CHUNK): AsyncGenerator<RawBatch> {
      const plan = exportPlan(layer, sel, want);
      for await (const page of pages(plan, chunk)) yield encodeBatch(page, plan.decoders);
    },
    async textWidths(layer, sel) {
      const q = textWidthsSql(layer, sel);
      return q ? toWidths((await q.execute(db)).rows[0]) : new Map();
    },
  };
}

/**
 * Rows per yielded batch of the COPY source. COPY streams anyway, so this only
 * sets how many decoded rows live at once: a few hundred stay in V8's young
 * generation until the writer is done with them (2000 outlived the scavenges
 * of a small semi-space and were promoted: the FlatGeobuf export took
 * markedly longer with them).
 */
const COPY_BATCH = 256;

/**
 * Rows of ONE `COPY (SELECT … ORDER BY t.fid) TO STDOUT (FORMAT binary)` on
 * PostgreSQL: one statement, so one consistent snapshot, and the values in
 * their binary send format, which is far cheaper to decode than
 * node-postgres's text results (every value parsed from text, bytea from hex).
 * COPY takes no parameters, so the request's values are bound to settings the
 * statement reads (copy-sql.ts): never written into its text. The source needs no Kysely instance at run time:
 * it opens its own connections (a small pool; a COPY holds one for its
 * duration and gives it back when it ends, or drops it when abandoned).
 */
export function copyExportSource(connectionString: string, searchPath?: string): ExportSource {
  let pool: pg.Pool | undefined;
  const getPool = () => {
    if (!pool) {
      pool = new pg.Pool({
        connectionString,
        max: 4,
        options: searchPath ? `-c search_path=${searchPath},public` : undefined,
        idleTimeoutMillis: 30_000,
        allowExitOnIdle: true,
      });
      // an idle connection losing its server must not crash the process; the next export reports it
      pool.on('error', () => {});
    }
    return pool;
  };
  const query = async <R>(q: RawBuilder<unknown>) => {
    const b = boundSql(q);
    return (await getPool().query(b.sql, b.parameters as unknown[])).rows as R[];
  };
  async function* copy(plan: ExportPlan, chunk: number): AsyncGenerator<RawBatch> {
    const c = copySql(sql`SELECT ${plan.select} FROM ${plan.from} WHERE ${plan.where} ORDER BY t.fid`);
    const client = await getPool().connect();
    let done = false;
    try {
      // the request's values, bound, as settings that live as long as this transaction (copy-sql.ts)
      if (c.settings.length) {
        await client.query('BEGIN');
        await client.query(`SELECT ${c.settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ')}`, c.settings.flat());
      }
      yield* copyBinaryBatches(client.query(copyToStdout(`COPY (${c.sql}) TO STDOUT (FORMAT binary)`)), plan.decoders.length, chunk);
      if (c.settings.length) await client.query('COMMIT');
      done = true;
    } finally {
      // a COPY left half-read (error, consumer stopped) leaves the connection mid-protocol: drop it
      client.release(done ? undefined : true);
    }
  }
  return {
    async *rows(layer, sel, want, chunk = COPY_BATCH): AsyncGenerator<ExportRow[]> {
      const plan = exportPlan(layer, sel, want);
      for await (const tuples of decodeBatches(copy(plan, chunk), plan.decoders)) {
        const rows = new Array<ExportRow>(tuples.length);
        for (let i = 0; i < tuples.length; i++) rows[i] = plan.toRow(tuples[i]!);
        yield rows;
      }
    },
    batches(layer, sel, want, chunk = COPY_BATCH) {
      return copy(exportPlan(layer, sel, want), chunk);
    },
    async textWidths(layer, sel) {
      const q = textWidthsSql(layer, sel);
      return q ? toWidths((await query<Record<string, number | null>>(q))[0]) : new Map();
    },
    async close() {
      const p = pool;
      pool = undefined;
      await p?.end();
    },
  };
}
