import { getLayer } from '$schemas/index.ts';

/** The feature named in an editor address, `?sel=layer:fid` (the same form as the map's share link). */
export interface Selection {
  layerId: string;
  fid: number;
}

export function parseSelection(url: URL): Selection | null {
  const [layerId, fid] = (url.searchParams.get('sel') ?? '').split(':');
  if (!layerId || !fid || !getLayer(layerId) || !/^\d{1,15}$/.test(fid)) return null;
  return { layerId, fid: Number(fid) };
}

/** The address with the selection set (or removed); other parameters such as `lang` stay. */
export function withSelection(url: URL, sel: Selection | null): URL {
  const out = new URL(url);
  if (sel) out.searchParams.set('sel', `${sel.layerId}:${sel.fid}`);
  else out.searchParams.delete('sel');
  return out;
}

/** The editor link for a feature, e.g. from the map's identify panel. */
export function editorHref(sel: Selection, lang: 'cs' | 'en'): string {
  return `/editor?sel=${encodeURIComponent(sel.layerId)}:${sel.fid}${lang === 'en' ? '&lang=en' : ''}`;
}
