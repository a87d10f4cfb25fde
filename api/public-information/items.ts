import { sql, type Kysely } from 'kysely';
import { getLayer, MUNICIPALITY_LAYER_ID, tableName, type LayerSchema } from '../../schemas/index.ts';
import { PUBLIC_INFORMATION_LAYERS } from '../../schemas/layers/_verejne-informace.ts';

/** now: valid today · planned: starts later · past: ended · upcoming: now and planned (what the feeds carry) */
export type When = 'now' | 'planned' | 'past' | 'upcoming';
export const WHEN: readonly When[] = ['now', 'planned', 'past', 'upcoming'];

export interface InfoItem {
  collection: string;
  id: number;
  nazev: string;
  druh: string | null;
  popis: string | null;
  platnostOd: string;
  platnostDo: string | null;
  odkaz: string | null;
  obecKod: number | null;
  obec: string | null;
  /** a point on the item (lon, lat), for map links */
  point: [number, number];
  geometry: GeoJSON.Geometry;
  /** when the item was last written (feeds' updated dates) */
  updated: string;
}

/** Today's date in Prague: what "valid today" means to the readers of a Czech town's notices. */
export function pragueToday(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Prague', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export function infoLayers(): LayerSchema[] {
  return PUBLIC_INFORMATION_LAYERS.map((id) => getLayer(id)!);
}

/**
 * Closures and events of the three layers (points, sections, areas) together, by validity
 * relative to `today`; optionally of one municipality. Sorted by start, then title.
 */
export async function publicInformation(db: Kysely<any>, opts: { when: When; today: string; municipality?: number; limit?: number }): Promise<InfoItem[]> {
  const { today } = opts;
  const cond =
    opts.when === 'now' ? sql`t.platnost_od <= ${today}::date AND (t.platnost_do IS NULL OR t.platnost_do >= ${today}::date)`
    : opts.when === 'planned' ? sql`t.platnost_od > ${today}::date`
    : opts.when === 'past' ? sql`t.platnost_do < ${today}::date`
    : sql`(t.platnost_do IS NULL OR t.platnost_do >= ${today}::date)`;
  const muni = opts.municipality === undefined ? sql`` : sql` AND t.municipality_code = ${opts.municipality}`;
  const obce = tableName(getLayer(MUNICIPALITY_LAYER_ID)!);
  const parts = infoLayers().map(
    (l) => sql`(SELECT ${l.id}::text AS collection, t.fid, t.nazev, t.druh, t.popis, t.platnost_od::text AS od, t.platnost_do::text AS "do", t.odkaz,
        t.municipality_code, (SELECT o.nazev FROM ${sql.raw(obce)} o WHERE o.kod = t.municipality_code LIMIT 1) AS obec,
        ST_X(ST_PointOnSurface(t.geom)) AS px, ST_Y(ST_PointOnSurface(t.geom)) AS py, ST_AsGeoJSON(t.geom, 7) AS geojson, t.updated_at
      FROM ${sql.raw(tableName(l))} t WHERE ${cond}${muni})`,
  );
  const order = opts.when === 'past' ? sql`od DESC, nazev, fid` : sql`od, nazev, fid`;
  const r = await sql<{
    collection: string; fid: number; nazev: string; druh: string | null; popis: string | null; od: string; do: string | null; odkaz: string | null;
    municipality_code: number | null; obec: string | null; px: number; py: number; geojson: string; updated_at: Date;
  }>`SELECT * FROM (${sql.join(parts, sql` UNION ALL `)}) i ORDER BY ${order} LIMIT ${opts.limit ?? 1000}`.execute(db);
  const round = (v: number) => Math.round(v * 1e7) / 1e7;
  return r.rows.map((x) => ({
    collection: x.collection,
    id: Number(x.fid),
    nazev: x.nazev,
    druh: x.druh,
    popis: x.popis,
    platnostOd: x.od,
    platnostDo: x.do,
    odkaz: x.odkaz,
    obecKod: x.municipality_code === null ? null : Number(x.municipality_code),
    obec: x.obec,
    point: [round(x.px), round(x.py)],
    geometry: JSON.parse(x.geojson) as GeoJSON.Geometry,
    updated: new Date(x.updated_at).toISOString(),
  }));
}
