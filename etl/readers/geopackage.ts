import { basename } from 'node:path';
import Database from 'better-sqlite3';
import wkx from 'wkx';
import type { Geometry } from 'geojson';
import { InputError } from '../errors.ts';
import { crsFromPrj, PrjError } from '../crs.ts';
import type { SourceReader } from './types.ts';

interface FeatureTable {
  table_name: string;
  column_name: string;
  srs_id: number;
}

/** OGC GeoPackage (SQLite): one feature table, CRS from gpkg_spatial_ref_sys, geometry blobs decoded with wkx. */
export async function openGeoPackage(path: string, opts: { sourceLayer?: string } = {}): Promise<SourceReader> {
  const file = basename(path);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.prepare('SELECT 1 FROM gpkg_contents LIMIT 1').get();
  } catch (e) {
    throw new InputError(`not a GeoPackage: ${(e as Error).message}`, file);
  }
  const tables = db
    .prepare(
      `SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c
       JOIN gpkg_geometry_columns g ON g.table_name = c.table_name WHERE c.data_type = 'features' ORDER BY c.table_name`,
    )
    .all() as FeatureTable[];
  let table: FeatureTable | undefined;
  if (opts.sourceLayer) {
    table = tables.find((t) => t.table_name === opts.sourceLayer) ?? tables.find((t) => t.table_name.toLowerCase() === opts.sourceLayer!.toLowerCase());
    if (!table) {
      db.close();
      throw new InputError(`no layer "${opts.sourceLayer}" in the GeoPackage (layers: ${tables.map((t) => t.table_name).join(', ')})`, file);
    }
  } else if (tables.length === 1) table = tables[0];
  else {
    db.close();
    throw new InputError(
      tables.length === 0
        ? 'the GeoPackage has no feature layer'
        : `the GeoPackage has ${tables.length} layers (${tables.map((t) => t.table_name).join(', ')}); choose one with --source-layer`,
      file,
    );
  }
  const t = table!;
  const srs = db.prepare('SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?').get(t.srs_id) as
    | { organization: string; organization_coordsys_id: number; definition: string }
    | undefined;
  let srid: number | undefined;
  if (srs && /^epsg$/i.test(srs.organization) && srs.organization_coordsys_id > 0) srid = srs.organization_coordsys_id;
  else if (srs && srs.definition && srs.definition !== 'undefined') {
    try {
      srid = crsFromPrj(srs.definition);
    } catch (e) {
      db.close();
      if (e instanceof PrjError) throw new InputError(`SRS of layer ${t.table_name}: ${e.message}`, file);
      throw e;
    }
  }
  const pk = (db.prepare(`SELECT name FROM pragma_table_info(?) WHERE pk = 1`).get(t.table_name) as { name: string } | undefined)?.name;
  const count = (db.prepare(`SELECT count(*) AS n FROM "${t.table_name.replace(/"/g, '""')}"`).get() as { n: number }).n;
  return {
    file: `${file}:${t.table_name}`,
    srid,
    count,
    encoding: 'utf-8',
    async *records() {
      const q = `SELECT * FROM "${t.table_name.replace(/"/g, '""')}"${pk ? ` ORDER BY "${pk.replace(/"/g, '""')}"` : ''}`;
      let record = 0;
      try {
        for (const row of db.prepare(q).iterate() as Iterable<Record<string, unknown>>) {
          record++;
          const { [t.column_name]: blob, ...props } = row;
          let geometry: Geometry | null = null;
          let bad: string | undefined;
          try {
            geometry = blob ? decodeGpkgGeometry(blob as Buffer) : null;
          } catch (e) {
            bad = (e as Error).message;
          }
          if (bad) props.__geometry_error = bad;
          // the table's fid stays a column among the others: the source id is chosen the same way for every
          // reader (a `source_id` column first, etl/source-id.ts), never the fid, which a re-export renumbers
          yield { record, properties: props, geometry };
        }
      } catch (e) {
        if (db.open) db.close();
        throw e;
      }
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

/** GeoPackage binary: "GP", version, flags (envelope size, empty bit), srs_id, envelope, then standard WKB. */
export function decodeGpkgGeometry(blob: Buffer): Geometry | null {
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50) throw new Error('not a GeoPackage geometry blob');
  const flags = blob[3]!;
  if (flags & 0x10) return null;
  const envelope = [0, 32, 48, 48, 64][(flags >> 1) & 0x07];
  if (envelope === undefined) throw new Error('invalid envelope indicator');
  return wkx.Geometry.parse(blob.subarray(8 + envelope)).toGeoJSON() as Geometry;
}
