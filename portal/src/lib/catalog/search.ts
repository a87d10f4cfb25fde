import type { PortalDataset } from '../../../../api/catalog/portal.ts';
import type { Lang } from './strings.ts';

export type { PortalDataset };

/** Lower case without diacritics: "tříděný" and "trideny" match each other. */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

export type FacetId = 'theme' | 'municipality' | 'format' | 'keyword' | 'frequency';
export const FACETS: readonly FacetId[] = ['theme', 'municipality', 'format', 'keyword', 'frequency'];

export interface FacetValue {
  value: string;
  label: string;
  count: number;
}

function values(d: PortalDataset, facet: FacetId, lang: Lang): { value: string; label: string }[] {
  switch (facet) {
    case 'theme':
      return d.themes.map((t) => ({ value: t.code, label: t.label[lang] }));
    case 'municipality':
      return d.municipalities.map((m) => ({ value: String(m.kod), label: m.nazev }));
    case 'format':
      return d.downloads.map((x) => ({ value: x.format, label: x.label }));
    case 'keyword':
      return d.keywords[lang].map((k) => ({ value: fold(k), label: k }));
    case 'frequency':
      return [{ value: d.frequency.code, label: d.frequency.label[lang] }];
  }
}

export type Selection = Partial<Record<FacetId, string>>;

/**
 * Relevance: every query word must occur (folded) somewhere; a hit in the
 * title weighs most, then keywords, then the description.
 */
export function score(d: PortalDataset, query: string, lang: Lang): number {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (!words.length) return 1;
  const title = fold(`${d.title[lang]} ${d.title.cs}`);
  const keywords = fold([...d.keywords.cs, ...d.keywords.en].join(' '));
  const text = fold(`${d.description[lang]} ${d.description.cs} ${d.id}`);
  let total = 0;
  for (const w of words) {
    const s = (title.includes(w) ? 5 : 0) + (keywords.includes(w) ? 3 : 0) + (text.includes(w) ? 1 : 0);
    if (s === 0) return 0;
    total += s;
  }
  return total;
}

export function search(
  all: PortalDataset[],
  opts: { query: string; selection: Selection; sort: 'relevance' | 'freshness'; lang: Lang },
): { results: PortalDataset[]; facets: Record<FacetId, FacetValue[]> } {
  const matches = (d: PortalDataset, except?: FacetId) =>
    FACETS.every((f) => f === except || !opts.selection[f] || values(d, f, opts.lang).some((v) => v.value === opts.selection[f]));
  const scored = all.map((d) => ({ d, s: score(d, opts.query, opts.lang) })).filter((x) => x.s > 0);
  const results = scored
    .filter((x) => matches(x.d))
    .sort((a, b) =>
      opts.sort === 'freshness' || a.s === b.s ? b.d.modified.localeCompare(a.d.modified) || a.d.title[opts.lang].localeCompare(b.d.title[opts.lang], 'cs') : b.s - a.s,
    )
    .map((x) => x.d);
  // counts of each facet over what the other facets and the query leave
  const facets = Object.fromEntries(
    FACETS.map((f) => {
      const counts = new Map<string, FacetValue>();
      for (const { d } of scored) {
        if (!matches(d, f)) continue;
        for (const v of values(d, f, opts.lang)) {
          const c = counts.get(v.value) ?? { ...v, count: 0 };
          c.count++;
          counts.set(v.value, c);
        }
      }
      return [f, [...counts.values()].sort((a, b) => b.count - a.count || a.label.localeCompare(b.label, 'cs'))];
    }),
  ) as Record<FacetId, FacetValue[]>;
  return { results, facets };
}
