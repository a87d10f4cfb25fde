import { FACETS, type FacetId, type Selection } from './search.ts';

/** The dataset list's search in its address: `q`, `obec` (municipality RÚIAN code), the other facets by id, `sort`. */
export interface ListState {
  query: string;
  sort: 'relevance' | 'freshness';
  selection: Selection;
}

/** address parameter of each facet: `obec` is what the municipality pages link with */
const PARAM: Record<FacetId, string> = { theme: 'theme', municipality: 'obec', format: 'format', keyword: 'keyword', frequency: 'frequency' };

export function readListState(params: URLSearchParams): ListState {
  const selection: Selection = {};
  for (const f of FACETS) {
    const v = params.get(PARAM[f])?.trim();
    if (v) selection[f] = v.slice(0, 200);
  }
  return { query: (params.get('q') ?? '').slice(0, 200), sort: params.get('sort') === 'freshness' ? 'freshness' : 'relevance', selection };
}

/** The address with the list state written in (other parameters such as `lang` kept). */
export function writeListState(url: URL, s: ListState): URL {
  const out = new URL(url);
  out.searchParams.delete('q');
  out.searchParams.delete('sort');
  for (const f of FACETS) out.searchParams.delete(PARAM[f]);
  if (s.query.trim()) out.searchParams.set('q', s.query);
  if (s.sort !== 'relevance') out.searchParams.set('sort', s.sort);
  for (const f of FACETS) if (s.selection[f]) out.searchParams.set(PARAM[f], s.selection[f]!);
  return out;
}
