import type { Handle } from '@sveltejs/kit';
import { env } from '$env/dynamic/public';
import { env as privateEnv } from '$env/dynamic/private';

/**
 * The origins the map may load basemap tiles and styles from: those of the operator's basemap
 * URLs (PUBLIC_ORTHOPHOTO_URL, PUBLIC_ZTM_URL, PUBLIC_BASEMAP_STYLE_URL) plus CSP_EXTRA_ORIGINS (space-separated,
 * for the hosts a vector style refers to: its tiles, glyphs, sprites). kit.csp is fixed at build
 * time; these are known only at run time, so they are added to its policy here.
 */
function basemapOrigins(): string[] {
  const out = new Set<string>();
  for (const u of [env.PUBLIC_ORTHOPHOTO_URL, env.PUBLIC_ZTM_URL, env.PUBLIC_BASEMAP_STYLE_URL]) {
    if (!u || u.startsWith('/')) continue;
    try {
      out.add(new URL(u.replace(/[{}]/g, '')).origin);
    } catch {
      // not a URL: the map reports the failing basemap itself
    }
  }
  for (const o of (privateEnv.CSP_EXTRA_ORIGINS ?? '').split(/\s+/)) if (/^https:\/\/[a-z0-9.-]+(:\d+)?$/i.test(o)) out.add(o);
  return [...out];
}

export const handle: Handle = async ({ event, resolve }) => {
  const response = await resolve(event);
  const origins = basemapOrigins();
  const csp = response.headers.get('content-security-policy');
  if (csp && origins.length)
    response.headers.set(
      'content-security-policy',
      csp.replace(/(^|;\s*)(img-src|connect-src)([^;]*)/g, (_m, sep: string, name: string, values: string) => `${sep}${name}${values} ${origins.join(' ')}`),
    );
  return response;
};
