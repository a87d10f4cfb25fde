import { sql, type Kysely } from 'kysely';
import type { LayerSchema } from '../../schemas/index.ts';
import type { DownloadFormat } from './formats.ts';
import { runExportWorker } from './export-process.ts';
import { compileSelection, type ExportRequest } from './selection.ts';
import { copyExportSource, type ExportSource } from './source.ts';
import { WRITERS } from './writers.ts';

/** Writes one download file of `layer` in `format` to `path`. */
export type Exporter = (layer: LayerSchema, format: DownloadFormat, req: ExportRequest, path: string) => Promise<void>;

/** In the API's own process: the embedded PGlite lives there and nowhere else; small layers on PostgreSQL. */
export function inProcessExporter(source: ExportSource): Exporter {
  return (layer, format, req, path) => WRITERS[format.id](source, layer, compileSelection(layer, req), path);
}

/**
 * In an export worker process (api/downloads/export-process.ts) with its own
 * connection: PostgreSQL. Encoding a large layer is seconds of CPU; there it
 * does not stall tile and feature requests, and its memory is returned when it ends.
 */
export function workerExporter(conn: { url: string; searchPath?: string }): Exporter {
  return async (layer, format, req, path) => {
    await runExportWorker({ databaseUrl: conn.url, searchPath: conn.searchPath, layerId: layer.id, format: format.id, request: req, path });
  };
}

/**
 * PostgreSQL: layers of up to `inProcessMax` features (EXPORT_IN_PROCESS_MAX, default 20,000) are
 * written in the API process (tens of milliseconds, in COPY batches that yield to other requests);
 * larger ones in a worker. Starting a worker costs ≈ 0.25 s of CPU, which a catalogue harvest
 * dereferencing hundreds of small per-municipality files would otherwise pay for each.
 */
export function postgresExporter(db: Kysely<any>, conn: { url: string; searchPath?: string }, inProcessMax = Number(process.env.EXPORT_IN_PROCESS_MAX ?? 20_000)): Exporter {
  const here = inProcessExporter(copyExportSource(conn.url, conn.searchPath));
  const worker = workerExporter(conn);
  return async (layer, format, req, path) => {
    const r = await sql<{ n: number | null }>`SELECT feature_count AS n FROM layer_state WHERE layer_id = ${layer.id}`.execute(db);
    const features = r.rows[0]?.n ?? Infinity;
    return (features <= inProcessMax ? here : worker)(layer, format, req, path);
  };
}
