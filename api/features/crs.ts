import { sql, type RawBuilder } from 'kysely';
import { BadParameter } from '../problem.ts';

/**
 * Coordinate reference systems the API offers (OGC API – Features Part 2).
 * Storage is EPSG:4326 in lon/lat order (= CRS84); every other CRS is produced
 * by PostGIS (ST_Transform, PROJ). EPSG:4326 proper has latitude first, so its
 * coordinates are flipped on the way out and on the way in.
 */
export interface ApiCrs {
  uri: string;
  srid: number;
  /** axis order is latitude, longitude (EPSG:4326): flip against PostGIS's x/y */
  latLon: boolean;
  /** decimal places sent in GeoJSON: 7 for degrees (~1 cm), 3 for metres */
  precision: number;
  /** plausible coordinate range of the CRS, to refuse nonsense before PROJ sees it */
  range: [number, number, number, number];
}

export const CRS84_URI = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';

export const SUPPORTED_CRS: readonly ApiCrs[] = [
  { uri: CRS84_URI, srid: 4326, latLon: false, precision: 7, range: [-180, -90, 180, 90] },
  { uri: 'http://www.opengis.net/def/crs/EPSG/0/4326', srid: 4326, latLon: true, precision: 7, range: [-90, -180, 90, 180] },
  { uri: 'http://www.opengis.net/def/crs/EPSG/0/5514', srid: 5514, latLon: false, precision: 3, range: [-951_000, -1_353_000, -400_000, -900_000] },
  { uri: 'http://www.opengis.net/def/crs/EPSG/0/3857', srid: 3857, latLon: false, precision: 3, range: [-20_037_508.35, -20_048_966.11, 20_037_508.35, 20_048_966.11] },
];

export const CRS84 = SUPPORTED_CRS[0]!;

/** Accepts the OGC URI, and for convenience `EPSG:nnnn`, `CRS84` and the `[EPSG:nnnn]` safe-CURIE form. */
export function parseCrs(param: string, raw: string | undefined): ApiCrs {
  if (raw === undefined) return CRS84;
  const s = raw.trim().replace(/^\[(.*)\]$/, '$1');
  const found = SUPPORTED_CRS.find((c) => {
    if (c.uri === s) return true;
    const short = c.uri === CRS84_URI ? ['CRS84', 'OGC:CRS84'] : [`EPSG:${c.srid}`];
    return short.includes(s.toUpperCase());
  });
  if (!found)
    throw new BadParameter(param, `unsupported CRS "${s.slice(0, 100)}"; supported: ${SUPPORTED_CRS.map((c) => c.uri).join(', ')}`);
  return found;
}

/** The stored geometry expressed in `crs` (still a geometry). */
export function geomIn(crs: ApiCrs, geom: RawBuilder<unknown>): RawBuilder<unknown> {
  const g = crs.srid === 4326 ? geom : sql`ST_Transform(${geom}, ${sql.lit(crs.srid)}::integer)`;
  return crs.latLon ? sql`ST_FlipCoordinates(${g})` : g;
}

/** A geometry given in `crs` (with x/y in the CRS's own axis order), as stored geometry (EPSG:4326 lon/lat). */
export function geomFrom(crs: ApiCrs, geom: RawBuilder<unknown>): RawBuilder<unknown> {
  const g = sql`ST_SetSRID(${geom}, ${sql.lit(crs.srid)}::integer)`;
  const xy = crs.latLon ? sql`ST_FlipCoordinates(${g})` : g;
  return crs.srid === 4326 ? xy : sql`ST_Transform(${xy}, 4326)`;
}

export function contentCrsHeader(crs: ApiCrs): string {
  return `<${crs.uri}>`;
}
