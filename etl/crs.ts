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

/** A .prj (or GeoPackage SRS definition) we refuse, with the reason the operator reads. */
export class PrjError extends Error {}

/** EPSG:5513: S-JTSK / Krovak with its south-west axes (positive coordinates), which we do not take. */
export const SJTSK_SOUTH_WEST = 5513;
export const SJTSK_SOUTH_WEST_MESSAGE =
  'EPSG:5513 (S-JTSK / Krovak, axes south and west, positive coordinates) is not accepted: export the data in EPSG:5514 ' +
  '(S-JTSK / Krovak East North, negative coordinates) / EPSG:5513 nepřijímáme, exportujte data v EPSG:5514';

/**
 * Recognises a shapefile .prj (ESRI or OGC WKT 1). S-JTSK is recognised by its
 * parameters, not by a name: the Krovak projection on the Bessel 1841
 * ellipsoid with EPSG:5514's centre, azimuth, pseudo standard parallel, scale
 * and false origin, oriented east-north (ESRI X_Scale −1 and a 90° plane
 * rotation, or east/north axes). The same parameters oriented south-west are
 * EPSG:5513 and refused; any other Krovak (made-up or damaged WKT) is refused
 * naming the parameter that differs. Returns undefined for a CRS we do not know.
 */
export function crsFromPrj(wkt: string): number | undefined {
  const text = wkt.trim();
  let root: WktNode;
  try {
    root = parseWkt(text);
  } catch {
    return undefined;
  }
  const authority = /AUTHORITY\["EPSG",\s*"?(\d+)"?\]\s*\]\s*$/i.exec(text);
  const projection = root.keyword === 'PROJCS' ? child(root, 'PROJECTION') : undefined;
  const method = projection ? String(projection.args[0] ?? '') : '';
  if (/krovak/i.test(method)) return krovak(root, method, authority ? Number(authority[1]) : undefined);
  if (authority) {
    const code = Number(authority[1]);
    if (code === SJTSK_SOUTH_WEST) throw new PrjError(SJTSK_SOUTH_WEST_MESSAGE);
    return code;
  }
  if (/^GEOGCS\["(GCS_)?WGS[ _]?(19)?84"/i.test(text)) return WGS84;
  if (/^PROJCS\["WGS_1984_Web_Mercator/i.test(text) || /Pseudo[-_]Mercator/i.test(text)) return 3857;
  return undefined;
}

/** EPSG:5514's Krovak parameters (lower-cased ESRI / OGC names), Greenwich longitudes */
const KROVAK: Record<string, number> = {
  latitude_of_center: 49.5,
  longitude_of_center: 24 + 50 / 60,
  azimuth: 30.28813975277778,
  pseudo_standard_parallel_1: 78.5,
  scale_factor: 0.9999,
  false_easting: 0,
  false_northing: 0,
};
const BESSEL = { a: 6377397.155, rf: 299.1528128 };

function krovak(root: WktNode, method: string, authority: number | undefined): number {
  const fail = (why: string): never => {
    throw new PrjError(
      `the .prj describes a Krovak projection that is not S-JTSK / Krovak East North (EPSG:5514): ${why}; state the CRS with --srs if you are sure / ` +
        `soubor .prj popisuje jiné Křovákovo zobrazení než EPSG:5514`,
    );
  };
  const geog = child(root, 'GEOGCS');
  const spheroid = geog && child(child(geog, 'DATUM') ?? geog, 'SPHEROID');
  const a = Number(spheroid?.args[1]);
  const rf = Number(spheroid?.args[2]);
  if (!(Math.abs(a - BESSEL.a) < 1e-3 && Math.abs(rf - BESSEL.rf) < 1e-6)) fail(`the ellipsoid is not Bessel 1841 (${spheroid ? `${a}, ${rf}` : 'none given'})`);
  const primem = geog ? child(geog, 'PRIMEM') : undefined;
  const meridian = primem ? Number(primem.args[1]) : 0;
  if (!Number.isFinite(meridian)) fail('the prime meridian is not a number');
  const params = new Map<string, number>();
  for (const p of root.children.filter((c) => c.keyword === 'PARAMETER')) params.set(String(p.args[0]).toLowerCase(), Number(p.args[1]));
  for (const [name, want] of Object.entries(KROVAK)) {
    let got = params.get(name);
    if (got === undefined) fail(`parameter ${name} is missing`);
    // a Ferro-based definition gives the centre relative to Ferro (42.5° = 24.83° east of Greenwich)
    if (name === 'longitude_of_center') got = got! + meridian;
    const tolerance = name === 'scale_factor' ? 1e-9 : 1e-6;
    if (Math.abs(got! - want) > tolerance) fail(`${name} is ${got} (expected ${want})`);
  }
  const unit = root.children.find((c) => c.keyword === 'UNIT');
  if (unit && Math.abs(Number(unit.args[1]) - 1) > 1e-12) fail(`the unit is not the metre (${unit.args[0]})`);
  // orientation: ESRI scales and rotation, OGC axes, or the method's own name
  const xScale = params.get('x_scale');
  const rotation = params.get('xy_plane_rotation');
  const axes = root.children.filter((c) => c.keyword === 'AXIS').map((c) => String(c.args[1] ?? '').toUpperCase());
  let eastNorth: boolean | undefined;
  if (/north[ _]?orient/i.test(method)) eastNorth = true;
  else if (xScale !== undefined || rotation !== undefined) eastNorth = xScale === -1 && rotation === 90 && (params.get('y_scale') ?? 1) === 1;
  else if (axes.length === 2) eastNorth = axes[0] === 'EAST' && axes[1] === 'NORTH';
  else if (authority === 5514) eastNorth = true;
  if (eastNorth === true) {
    if (authority !== undefined && authority !== SJTSK) fail(`it names EPSG:${authority} but has the parameters of EPSG:5514`);
    return SJTSK;
  }
  if (eastNorth === false && (authority === undefined || authority === SJTSK_SOUTH_WEST)) throw new PrjError(SJTSK_SOUTH_WEST_MESSAGE);
  return fail(eastNorth === false ? 'its axes are not east-north' : 'it does not say how its axes are oriented');
}

interface WktNode {
  keyword: string;
  args: (string | number)[];
  children: WktNode[];
}

function child(n: WktNode, keyword: string): WktNode | undefined {
  return n.children.find((c) => c.keyword === keyword);
}

/** WKT 1: KEYWORD[arg, "text", number, CHILD[…], …]; ( ) accepted for [ ]. */
function parseWkt(text: string): WktNode {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const node = (): WktNode => {
    ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 64));
    if (!m) throw new Error(`WKT: keyword expected at ${i}`);
    i += m[0].length;
    ws();
    const n: WktNode = { keyword: m[0].toUpperCase(), args: [], children: [] };
    if (text[i] !== '[' && text[i] !== '(') return n;
    i++;
    for (;;) {
      ws();
      const c = text[i];
      if (c === undefined) throw new Error('WKT: unexpected end');
      if (c === '"') {
        const end = text.indexOf('"', i + 1);
        if (end < 0) throw new Error('WKT: unterminated text');
        n.args.push(text.slice(i + 1, end));
        i = end + 1;
      } else if (/[-+.\d]/.test(c)) {
        const num = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(text.slice(i, i + 64));
        if (!num) throw new Error('WKT: number expected');
        n.args.push(Number(num[0]));
        i += num[0].length;
      } else {
        const sub = node();
        // a bare keyword (AXIS["X",EAST]) is an enumerated value, not a child
        if (sub.args.length === 0 && sub.children.length === 0) n.args.push(sub.keyword);
        else n.children.push(sub);
      }
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']' || text[i] === ')') {
        i++;
        return n;
      }
      throw new Error(`WKT: , or ] expected at ${i}`);
    }
  };
  const root = node();
  ws();
  if (i !== text.length) throw new Error('WKT: trailing text');
  return root;
}

/** Geographic coordinates that cannot be S-JTSK and vice versa: catches a wrong `--srs`. */
export function plausibleFor(srid: number, x: number, y: number): boolean {
  if (srid === WGS84) return x >= -180 && x <= 180 && y >= -90 && y <= 90;
  if (srid === SJTSK) return x > -1_000_000 && x < -400_000 && y > -1_300_000 && y < -900_000;
  return true;
}
