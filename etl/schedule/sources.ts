import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Cron } from 'croner';
import { getLayer } from '../../schemas/index.ts';
import { InputError } from '../errors.ts';
import { PROJECT_ROOT } from '../../schemas/paths.ts';
import { RUIAN_FILE_LAYERS, type RuianSourceConfig } from '../ruian/monthly.ts';

const root = PROJECT_ROOT;

/** One scheduled source of etl/sources.json (or the file named by ETL_SOURCES). */
export interface SourceConfig {
  name: string;
  /** local file (relative to the repository root) … */
  path?: string;
  /** … or an http(s) URL downloaded on every run … */
  url?: string;
  /** … or the monthly RÚIAN files of the municipalities from ČÚZK (etl/ruian/monthly.ts), into the RÚIAN layers */
  ruian?: RuianSourceConfig;
  /** the layer the file is imported into (a `ruian` source fills all RÚIAN layers; this names the first) */
  layer: string;
  mapping?: string;
  municipality?: number;
  srs?: string;
  encoding?: string;
  /** cron expression (croner syntax, local time) */
  cron: string;
  /** no successful run for this long → the source is stale */
  expectedPeriodHours: number;
  /** download limit for URLs, bytes (default 512 MiB) */
  maxBytes?: number;
  /** column holding the stable source id (else the mapping's, else detected) */
  idField?: string;
  /** this source may withdraw more than 20 % of the layer in one run */
  allowWithdraw?: boolean;
  /** features staff edited that this source would change: edits-win (default), source-wins or hold */
  editPolicy?: 'edits-win' | 'source-wins' | 'hold';
}

export function sourcesFile(): string {
  return process.env.ETL_SOURCES ? resolve(process.env.ETL_SOURCES) : join(root, 'etl/sources.json');
}

/** Reads and checks the source list; a broken config is refused as a whole. */
export function loadSources(file = sourcesFile()): SourceConfig[] {
  if (!existsSync(file)) return [];
  let doc: { sources?: SourceConfig[] };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as { sources?: SourceConfig[] };
  } catch (e) {
    throw new InputError(`not valid JSON: ${(e as Error).message}`, file);
  }
  const list = doc.sources ?? [];
  const names = new Set<string>();
  for (const s of list) {
    const where = `${file}: source "${s.name}"`;
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(s.name ?? '')) throw new InputError(`source name must be lower-case letters, digits and dashes`, where);
    if (names.has(s.name)) throw new InputError('duplicate source name', where);
    names.add(s.name);
    if ([s.path, s.url, s.ruian].filter(Boolean).length !== 1) throw new InputError('give exactly one of "path", "url" and "ruian"', where);
    if (s.ruian) {
      const m = s.ruian.municipalities;
      if (m !== 'orp' && !(Array.isArray(m) && m.length > 0 && m.every((k) => Number.isInteger(k) && k >= 100000 && k <= 999999)))
        throw new InputError('ruian.municipalities must be "orp" or a list of 6-digit RÚIAN codes', where);
      if (s.ruian.baseUrl !== undefined && !/^https?:\/\//i.test(s.ruian.baseUrl)) throw new InputError('ruian.baseUrl must be http(s)', where);
      s.layer ??= RUIAN_FILE_LAYERS[0][0];
    }
    if (s.url && !/^https?:\/\//i.test(s.url)) throw new InputError('url must be http(s)', where);
    if (!getLayer(s.layer)) throw new InputError(`unknown layer "${s.layer}"`, where);
    try {
      new Cron(s.cron, { paused: true });
    } catch (e) {
      throw new InputError(`invalid cron expression "${s.cron}": ${(e as Error).message}`, where);
    }
    if (!(s.expectedPeriodHours > 0)) throw new InputError('expectedPeriodHours must be positive', where);
    if (s.editPolicy !== undefined && !['edits-win', 'source-wins', 'hold'].includes(s.editPolicy))
      throw new InputError('editPolicy must be edits-win, source-wins or hold', where);
  }
  return list;
}

export function resolveRepoPath(p: string): string {
  return isAbsolute(p) ? p : join(root, p);
}
