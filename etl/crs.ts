/**
 * Recognises the CRS of Czech sources. Only CRSs we can name with an EPSG code
 * pass; anything else is an error unless the operator states `--srs`.
 */

export const SJTSK = 5514;
export const WGS84 = 4326;

/** `EPSG:5514`, `urn:ogc:def:crs:EPSG::5514`, `…/EPSG/0/5514`, `CRS84`, `5514` → EPSG code */
export function parseCrsName(name: string): number | undefined {
  const s = name.trim();
  if (/CRS:?84$/i.test(s) || /OGC:1\.3:CRS84$/i.test(s)) return WGS84;
  const m = /^(?:EPSG:{1,2}|urn:ogc:def:crs:EPSG:[\d.]*:|https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/0\/)?(\d{4,6})$/i.exec(s);
  if (!m) return undefined;
  return Number(m[1]);
}

/** Recognise a shapefile .prj (ESRI WKT). */
export function crsFromPrj(wkt: string): number | undefined {
  const authority = /AUTHORITY\["EPSG",\s*"?(\d+)"?\]\s*\]\s*$/i.exec(wkt.trim());
  if (authority) return Number(authority[1]);
  if (/krovak/i.test(wkt) || /S[-_]JTSK/i.test(wkt)) return SJTSK;
  if (/^GEOGCS\["(GCS_)?WGS[ _]?(19)?84"/i.test(wkt.trim())) return WGS84;
  if (/^PROJCS\["WGS_1984_Web_Mercator/i.test(wkt.trim()) || /Pseudo[-_]Mercator/i.test(wkt)) return 3857;
  return undefined;
}

/** Geographic coordinates that cannot be S-JTSK and vice versa: catches a wrong `--srs`. */
export function plausibleFor(srid: number, x: number, y: number): boolean {
  if (srid === WGS84) return x >= -180 && x <= 180 && y >= -90 && y <= 90;
  if (srid === SJTSK) return x > -1_000_000 && x < -400_000 && y > -1_300_000 && y < -900_000;
  return true;
}
