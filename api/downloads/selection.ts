import type { LayerSchema } from '../../schemas/index.ts';
import { BadParameter } from '../problem.ts';
import { compileCql2 } from '../features/cql2/compile.ts';
import { parseCql2Text, type Cql2Json } from '../features/cql2/parse-text.ts';
import { parseCrs } from '../features/crs.ts';
import type { Bbox, ExportSelection } from './rows.ts';

/**
 * What a download asks for, as plain data: it crosses into the export worker
 * process (api/downloads/export-process.ts), where a compiled SQL fragment could
 * not go. The API validates it first (`compileSelection` throws the 400s), and
 * whoever writes the file compiles it again with the same code.
 */
export interface ExportRequest {
  /** RÚIAN code: only that municipality's features (pasports) */
  municipality?: number;
  bbox?: Bbox;
  cql2?: { text: string; lang: string; crs?: string };
}

function parseTree(cql2: NonNullable<ExportRequest['cql2']>): Cql2Json {
  const { text, lang } = cql2;
  if (lang === 'cql2-text' || lang === 'cql-text') return parseCql2Text(text);
  if (lang === 'cql2-json') {
    try {
      return JSON.parse(text) as Cql2Json;
    } catch {
      throw new BadParameter('filter', 'filter is not valid JSON');
    }
  }
  throw new BadParameter('filter-lang', 'filter-lang must be cql2-text or cql2-json');
}

/** The request as the writers take it: the CQL2 filter compiled by the API's own compiler (bound parameters). */
export function compileSelection(layer: LayerSchema, req: ExportRequest): ExportSelection {
  const sel: ExportSelection = {};
  if (req.municipality !== undefined) sel.municipality = req.municipality;
  if (req.bbox) sel.bbox = req.bbox;
  if (req.cql2) sel.filter = compileCql2(parseTree(req.cql2), { layer, filterCrs: parseCrs('filter-crs', req.cql2.crs) });
  return sel;
}
