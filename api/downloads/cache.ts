import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { LayerSchema } from '../../schemas/index.ts';
import { exportColumns } from './rows.ts';
import { queryExportSource } from './source.ts';
import type { DownloadFormat } from './formats.ts';
import { inProcessExporter, type Exporter } from './exporter.ts';
import type { ExportRequest } from './selection.ts';

export interface ExportFile {
  path: string;
  /** download file name */
  name: string;
  bytes: number;
  sha256: string;
  /** the layer's modification time the file was generated from */
  layerModified: Date;
}

/** Bump when a writer's output changes, so cached files of the old writer are not served. */
const WRITER_VERSION = '2';

export function downloadName(layer: LayerSchema, format: DownloadFormat, municipality?: number): string {
  return `${layer.id}${municipality !== undefined ? `-${municipality}` : ''}.${format.ext}`;
}

async function layerModified(db: Kysely<any>, layerId: string): Promise<Date> {
  const r = await sql<{ m: Date }>`SELECT modified_at AS m FROM layer_state WHERE layer_id = ${layerId}`.execute(db);
  return r.rows[0] ? new Date(r.rows[0].m) : new Date(0);
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Whole-layer and per-municipality downloads, generated on first request and
 * kept under DATA_DIR/downloads. The cache key contains the layer's
 * modification time (moved by every import and edit, `recordChange`) and the
 * column list, so a changed layer is regenerated and an unchanged one never is.
 * Files are written by `exporter` (a worker process on PostgreSQL, this process
 * on PGlite); the layer's modification time is read through `db`.
 */
export class DownloadCache {
  private inflight = new Map<string, Promise<ExportFile>>();

  constructor(
    private readonly db: Kysely<any>,
    readonly dir: string,
    private readonly exporter: Exporter = inProcessExporter(queryExportSource(db)),
  ) {}

  private key(layer: LayerSchema, format: DownloadFormat, modified: Date, municipality?: number): string {
    return createHash('sha256')
      .update(JSON.stringify([WRITER_VERSION, layer.id, layer.geometryType, exportColumns(layer), format.id, municipality ?? null, modified.toISOString()]))
      .digest('hex')
      .slice(0, 24);
  }

  async get(layer: LayerSchema, format: DownloadFormat, municipality?: number): Promise<ExportFile> {
    const modified = await layerModified(this.db, layer.id);
    const key = this.key(layer, format, modified, municipality);
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.load(layer, format, municipality, modified, key).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** The cached file if it is current, without generating it. */
  async peek(layer: LayerSchema, format: DownloadFormat, municipality?: number): Promise<ExportFile | undefined> {
    const modified = await layerModified(this.db, layer.id);
    const key = this.key(layer, format, modified, municipality);
    const name = downloadName(layer, format, municipality);
    const path = join(this.dir, layer.id, `${key}-${name}`);
    try {
      const m = JSON.parse(await readFile(`${path}.json`, 'utf8')) as { bytes: number; sha256: string };
      return { path, name, bytes: m.bytes, sha256: m.sha256, layerModified: modified };
    } catch {
      return undefined;
    }
  }

  private async load(layer: LayerSchema, format: DownloadFormat, municipality: number | undefined, modified: Date, key: string): Promise<ExportFile> {
    const name = downloadName(layer, format, municipality);
    const folder = join(this.dir, layer.id);
    const path = join(folder, `${key}-${name}`);
    const meta = `${path}.json`;
    try {
      const m = JSON.parse(await readFile(meta, 'utf8')) as { bytes: number; sha256: string };
      const s = await stat(path);
      if (s.size === m.bytes) return { path, name, bytes: m.bytes, sha256: m.sha256, layerModified: modified };
    } catch {
      /* not cached yet */
    }
    await mkdir(folder, { recursive: true });
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    try {
      await this.exporter(layer, format, { municipality }, tmp);
      // an import committed while we read: the file mixes two versions, so do it again under the new key
      const after = await layerModified(this.db, layer.id);
      if (after.getTime() !== modified.getTime()) {
        await rm(tmp, { force: true });
        return this.get(layer, format, municipality);
      }
      const [bytes, sha256] = [(await stat(tmp)).size, await sha256File(tmp)];
      await rename(tmp, path);
      await writeFile(meta, JSON.stringify({ bytes, sha256, layerModified: modified.toISOString() }));
      await this.prune(folder, name, key);
      return { path, name, bytes, sha256, layerModified: modified };
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /** Older generations of the same download are deleted once the new one is in place. */
  private async prune(folder: string, name: string, key: string): Promise<void> {
    for (const f of await readdir(folder)) {
      const m = /^([0-9a-f]{24})-(.*?)(\.json)?$/.exec(f);
      if (m && m[2] === name && m[1] !== key) await rm(join(folder, f), { force: true });
    }
  }

  /** A filtered download (bbox …) is generated for one request into a temporary file and not cached. */
  async temporary(layer: LayerSchema, format: DownloadFormat, sel: ExportRequest): Promise<{ path: string; name: string; bytes: number; sha256: string }> {
    await mkdir(join(this.dir, '_tmp'), { recursive: true });
    const name = downloadName(layer, format, sel.municipality);
    const path = join(this.dir, '_tmp', `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}-${name}`);
    try {
      await this.exporter(layer, format, sel, path);
      return { path, name, bytes: (await stat(path)).size, sha256: await sha256File(path) };
    } catch (e) {
      await rm(path, { force: true });
      throw e;
    }
  }
}
