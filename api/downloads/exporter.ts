import type { LayerSchema } from '../../schemas/index.ts';
import type { DownloadFormat } from './formats.ts';
import { prepareExportWorker, runExportWorker } from './export-process.ts';
import { compileSelection, type ExportRequest } from './selection.ts';
import type { ExportSource } from './source.ts';
import { WRITERS } from './writers.ts';

/** Writes one download file of `layer` in `format` to `path`. */
export type Exporter = (layer: LayerSchema, format: DownloadFormat, req: ExportRequest, path: string) => Promise<void>;

/** In the API's own process: the embedded PGlite lives there and nowhere else. */
export function inProcessExporter(source: ExportSource): Exporter {
  return (layer, format, req, path) => WRITERS[format.id](source, layer, compileSelection(layer, req), path);
}

/**
 * In an export worker process (api/downloads/export-process.ts) with its own
 * connection: PostgreSQL. Encoding a large layer is seconds of CPU; there it
 * does not stall tile and feature requests, and its memory is returned when it ends.
 */
export function workerExporter(conn: { url: string; searchPath?: string }): Exporter {
  // bundled now, so the first download does not wait for it
  prepareExportWorker().catch(() => {});
  return async (layer, format, req, path) => {
    await runExportWorker({ databaseUrl: conn.url, searchPath: conn.searchPath, layerId: layer.id, format: format.id, request: req, path });
  };
}
