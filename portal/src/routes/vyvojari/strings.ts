import type { Lang } from '$lib/i18n.ts';

/** The /vyvojari page's texts, Czech first. */
const S = {
  title: { cs: 'Pro vývojáře', en: 'For developers' },
  intro: {
    cs: 'Data geoportálu jsou otevřená a dostupná přes standardní rozhraní. Bez klíče můžete volat všechna veřejná API s výchozím limitem požadavků na adresu; s vlastním API klíčem máte vyšší limit a přehled o svém využití.',
    en: 'The geoportal’s data are open and served through standard interfaces. Without a key you can call every public API with the default per-address request limit; with your own API key you get a higher limit and statistics of your use.',
  },
  apisTitle: { cs: 'Rozhraní', en: 'APIs' },
  apiFeatures: { cs: 'OGC API – Features: vrstvy jako GeoJSON, filtry CQL2, souřadnicové systémy včetně S-JTSK', en: 'OGC API – Features: layers as GeoJSON, CQL2 filters, coordinate systems including S-JTSK' },
  apiTiles: { cs: 'vektorové dlaždice (Mapbox Vector Tile) a TileJSON', en: 'vector tiles (Mapbox Vector Tile) and TileJSON' },
  apiSearch: { cs: 'vyhledávání adres a prvků', en: 'search of addresses and features' },
  apiDownloads: { cs: 'stahování celých vrstev (GeoJSON, CSV, GeoPackage, Shapefile, FlatGeobuf) a katalog DCAT-AP-CZ', en: 'whole-layer downloads (GeoJSON, CSV, GeoPackage, Shapefile, FlatGeobuf) and the DCAT-AP-CZ catalogue' },
  apiOfn: { cs: 'data podle otevřených formálních norem (OFN): sportoviště, nádoby na tříděný odpad', en: 'data shaped by the Czech open formal norms (OFN): sports grounds, sorted-waste containers' },
  apiSensors: { cs: 'senzory: poslední hodnoty, časové řady, výstrahy', en: 'sensors: latest values, time series, alerts' },
  explorer: { cs: 'Popis všech rozhraní (OpenAPI) si vyzkoušejte v prohlížeči', en: 'Try every interface (OpenAPI) in the browser' },
  examplesTitle: { cs: 'Příklady', en: 'Examples' },
  keyHint: { cs: 'Klíč posílejte v hlavičce X-API-Key; bez ní platí výchozí limit.', en: 'Send the key in the X-API-Key header; without it the default limit applies.' },
  qgis: {
    cs: 'QGIS: Vrstva › Přidat vrstvu › Přidat vrstvu WFS / OGC API – Features › Nové; URL níže, v části „Hlavičky HTTP“ přidejte X-API-Key s vaším klíčem.',
    en: 'QGIS: Layer › Add Layer › Add WFS / OGC API – Features Layer › New; the URL below, and under “HTTP headers” add X-API-Key with your key.',
  },
  keysTitle: { cs: 'API klíče', en: 'API keys' },
  signupIntro: { cs: 'Zadejte e-mail, pošleme na něj přihlašovací odkaz (platí 1 hodinu). Účet vznikne při prvním přihlášení.', en: 'Enter your e-mail and we send you a sign-in link (valid for 1 hour). The account is created at the first sign-in.' },
  email: { cs: 'E-mail', en: 'E-mail' },
  send: { cs: 'Poslat odkaz', en: 'Send the link' },
  sent: { cs: 'Odkaz jsme poslali na {0}. Otevřete ho v tomto prohlížeči.', en: 'We sent the link to {0}. Open it in this browser.' },
  confirming: { cs: 'Přihlašuji…', en: 'Signing in…' },
  signedIn: { cs: 'Přihlášen(a) jako {0}.', en: 'Signed in as {0}.' },
  logout: { cs: 'Odhlásit', en: 'Sign out' },
  keyName: { cs: 'Název klíče (např. aplikace)', en: 'Key name (e.g. the app)' },
  create: { cs: 'Vytvořit klíč', en: 'Create a key' },
  newKey: { cs: 'Nový klíč „{0}“ (zobrazí se jen jednou, uložte si ho):', en: 'New key “{0}” (shown only once, keep it):' },
  noKeys: { cs: 'Zatím nemáte žádný klíč.', en: 'You have no key yet.' },
  name: { cs: 'Název', en: 'Name' },
  start: { cs: 'Začátek', en: 'Starts with' },
  limit: { cs: 'Limit / min', en: 'Limit / min' },
  created: { cs: 'Vytvořen', en: 'Created' },
  state: { cs: 'Stav', en: 'State' },
  active: { cs: 'platný', en: 'active' },
  revoked: { cs: 'zneplatněn', en: 'revoked' },
  actions: { cs: 'Akce', en: 'Actions' },
  rotate: { cs: 'Vyměnit', en: 'Rotate' },
  revoke: { cs: 'Zneplatnit', en: 'Revoke' },
  rotated: { cs: 'Nový tajný klíč pro „{0}“ (starý přestal platit):', en: 'New secret for “{0}” (the old one no longer works):' },
  statsTitle: { cs: 'Statistiky využití', en: 'Usage statistics' },
  statsIntro: { cs: 'Za posledních 30 dní, po dnech a skupinách rozhraní. Adresy klientů neukládáme.', en: 'The last 30 days, by day and endpoint family. Client addresses are not stored.' },
  noStats: { cs: 'Zatím žádné požadavky s vašimi klíči.', en: 'No requests with your keys yet.' },
  day: { cs: 'Den', en: 'Day' },
  key: { cs: 'Klíč', en: 'Key' },
  family: { cs: 'Rozhraní', en: 'Endpoints' },
  requests: { cs: 'Požadavky', en: 'Requests' },
  errors: { cs: 'Chyby', en: 'Errors' },
  bytes: { cs: 'Přeneseno (kB)', en: 'Sent (kB)' },
  p95: { cs: 'p95 odezvy (ms)', en: 'p95 latency (ms)' },
  failed: { cs: 'Nepodařilo se: {0}', en: 'Failed: {0}' },
} as const satisfies Record<string, { cs: string; en: string }>;

export type DevKey = keyof typeof S;

export function s(key: DevKey, lang: Lang, ...args: (string | number)[]): string {
  return args.reduce<string>((text, a, i) => text.replace(`{${i}}`, String(a)), S[key][lang]);
}
