import { describe, expect, it } from 'vitest';
import { fold, search, type PortalDataset } from '../src/lib/catalog/search.ts';

function ds(id: string, over: Partial<PortalDataset>): PortalDataset {
  return {
    id,
    title: { cs: id, en: id },
    description: { cs: '', en: '' },
    keywords: { cs: [], en: [] },
    themes: [{ code: 'REGI', label: { cs: 'Regiony a města', en: 'Regions and cities' } }],
    frequency: { code: 'ANNUAL', label: { cs: 'ročně', en: 'annual' } },
    municipalities: [{ kod: 562971, nazev: 'Chomutov' }],
    modified: '2026-01-01T00:00:00.000Z',
    featureCount: 1,
    geometryType: 'Point',
    perMunicipality: true,
    hvd: { cs: 'Geoprostorové údaje – správní jednotky', en: 'Geospatial – administrative units' },
    downloads: [{ format: 'csv', label: 'CSV', mediaType: 'text/csv', url: '/x.csv' }],
    stale: false,
    catalogIri: 'https://x/' + id,
    ...over,
  };
}

const all = [
  ds('odpad', { title: { cs: 'Stanoviště tříděného odpadu', en: 'Sorted waste sites' }, modified: '2026-03-01T00:00:00Z', frequency: { code: 'MONTHLY', label: { cs: 'měsíčně', en: 'monthly' } } }),
  ds('stromy', { title: { cs: 'Stromy', en: 'Trees' }, description: { cs: 'Pasport zeleně, u stanoviště odpadu nejsou.', en: '' }, modified: '2026-05-01T00:00:00Z', municipalities: [{ kod: 563099, nazev: 'Jirkov' }] }),
  ds('obce', { title: { cs: 'Obce ORP Chomutov', en: 'Municipalities' }, keywords: { cs: ['hranice'], en: ['boundaries'] }, modified: '2025-01-01T00:00:00Z' }),
];

describe('dataset search of the /data page', () => {
  it('folds Czech diacritics and case', () => {
    expect(fold('Tříděného ODPADU Žluťoučký')).toBe('trideneho odpadu zlutoucky');
  });

  it('matches without diacritics and ranks a title hit above a description hit', () => {
    const r = search(all, { query: 'odpadu', selection: {}, sort: 'relevance', lang: 'cs' });
    expect(r.results.map((d) => d.id)).toEqual(['odpad', 'stromy']);
    expect(search(all, { query: 'STANOVISTE trideneho', selection: {}, sort: 'relevance', lang: 'cs' }).results.map((d) => d.id)).toEqual(['odpad']);
    expect(search(all, { query: 'hranice', selection: {}, sort: 'relevance', lang: 'cs' }).results.map((d) => d.id)).toEqual(['obce']);
  });

  it('sorts by freshness and narrows by facets with counts over the other facets', () => {
    expect(search(all, { query: '', selection: {}, sort: 'freshness', lang: 'cs' }).results.map((d) => d.id)).toEqual(['stromy', 'odpad', 'obce']);
    const r = search(all, { query: '', selection: { municipality: '562971' }, sort: 'freshness', lang: 'cs' });
    expect(r.results.map((d) => d.id)).toEqual(['odpad', 'obce']);
    // the municipality facet still offers Jirkov (counted without its own selection)
    expect(r.facets.municipality.map((v) => [v.label, v.count])).toEqual([['Chomutov', 2], ['Jirkov', 1]]);
    expect(r.facets.frequency.map((v) => v.value).sort()).toEqual(['ANNUAL', 'MONTHLY']);
    expect(search(all, { query: '', selection: { frequency: 'MONTHLY' }, sort: 'relevance', lang: 'en' }).results.map((d) => d.id)).toEqual(['odpad']);
  });
});
