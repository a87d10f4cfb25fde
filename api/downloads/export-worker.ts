/**
 * Entry of the export worker process: writes one download file and exits.
 * Started by api/downloads/export-process.ts (bundled, so it runs without the
 * TypeScript loader), it loads only the writers, the layer schemas and a pg
 * connection — not Koa, not the API — so a 1,000,000-feature export neither
 * blocks the API's event loop nor grows the API's heap.
 */
import { getLayer } from '../../schemas/index.ts';
import { getFormat, type FormatId } from './formats.ts';
import { compileSelection, type ExportRequest } from './selection.ts';
import { copyExportSource } from './source.ts';
import { WRITERS } from './writers.ts';

export interface ExportJob {
  /** PostgreSQL connection string (the worker opens its own connection) */
  databaseUrl: string;
  searchPath?: string;
  layerId: string;
  format: FormatId;
  request: ExportRequest;
  /** file to write */
  path: string;
}

export type ExportOutcome =
  | {
      ok: true;
      /** export time, process start-up excluded */
      ms: number;
      /** peak RSS of the worker process (MB) and its RSS before the export began */
      maxRssMb: number;
      baseRssMb: number;
    }
  | { ok: false; message: string; code?: string };

async function run(job: ExportJob): Promise<ExportOutcome> {
  const baseRssMb = process.resourceUsage().maxRSS / 1024;
  const t0 = performance.now();
  try {
    const layer = getLayer(job.layerId);
    const format = getFormat(job.format);
    if (!layer || !format) throw new Error(`unknown layer or format: ${job.layerId}, ${job.format}`);
    const source = copyExportSource(job.databaseUrl, job.searchPath);
    try {
      await WRITERS[format.id](source, layer, compileSelection(layer, job.request), job.path);
    } finally {
      await source.close?.();
    }
    return { ok: true, ms: performance.now() - t0, maxRssMb: process.resourceUsage().maxRSS / 1024, baseRssMb };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return { ok: false, message: e instanceof Error ? e.message : String(e), code: typeof code === 'string' ? code : undefined };
  }
}

// the API went away: nobody waits for this file any more
process.on('disconnect', () => process.exit(1));
process.once('message', (job: ExportJob) => {
  void run(job).then((outcome) => process.send!(outcome, () => process.exit(0)));
});
// loaded and waiting: the API keeps one such spare ready (export-process.ts)
if (process.connected) process.send!({ ready: true }, (e: Error | null) => e && process.exit(1));
