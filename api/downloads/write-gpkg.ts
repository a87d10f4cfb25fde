import Sqlite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { AttributeType, LayerSchema } from '../../schemas/index.ts';
import { exportColumns, exportRows, type ExportSelection } from './rows.ts';

/**
 * OGC GeoPackage 1.3 (OGC 12-128r17) written with better-sqlite3: the
 * mandatory tables (gpkg_spatial_ref_sys, gpkg_contents, gpkg_geometry_columns),
 * one feature table and GeoPackageBinary geometry blobs (header + WKB from
 * PostGIS). No npm package writes GeoPackage from Node without GDAL bindings.
 */
const GPKG_TYPES: Record<AttributeType, string> = {
  text: 'TEXT',
  code: 'TEXT',
  integer: 'INTEGER',
  number: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
};

const WGS84_WKT =
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]';

/** GeoPackageBinary header: magic "GP", version 0, flags (little endian, xy envelope), srs id, envelope [minx, maxx, miny, maxy]. */
function gpkgGeometry(wkb: Buffer, env: [number, number, number, number]): Buffer {
  const h = Buffer.alloc(8 + 32);
  h.write('GP', 0, 'ascii');
  h.writeUInt8(0, 2);
  h.writeUInt8(0b0000_0011, 3);
  h.writeInt32LE(4326, 4);
  h.writeDoubleLE(env[0], 8);
  h.writeDoubleLE(env[2], 16);
  h.writeDoubleLE(env[1], 24);
  h.writeDoubleLE(env[3], 32);
  return Buffer.concat([h, wkb]);
}

export async function writeGpkg(db: Kysely<any>, layer: LayerSchema, sel: ExportSelection, path: string): Promise<void> {
  const cols = exportColumns(layer);
  const table = layer.id.replace(/-/g, '_');
  const out = new Sqlite(path);
  try {
    out.pragma('journal_mode = OFF');
    out.pragma('synchronous = OFF');
    out.pragma('application_id = 1196444487');
    out.pragma('user_version = 10300');
    out.exec(`
      CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
      CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
      CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));`);
    const srs = out.prepare('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)');
    srs.run('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system');
    srs.run('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
    srs.run('WGS 84 geodetic', 4326, 'EPSG', 4326, WGS84_WKT, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
    const attrCols = cols.slice(1);
    out.exec(`CREATE TABLE "${table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom ${layer.geometryType.toUpperCase()}${attrCols
      .map((c) => `, "${c.name}" ${GPKG_TYPES[c.type]}`)
      .join('')})`);
    out.prepare('INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, ?, ?, ?, 4326)')
      .run(table, 'features', layer.title.cs, layer.description.cs);
    out.prepare('INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, 4326, 0, 0)').run(table, 'geom', layer.geometryType.toUpperCase());
    const insert = out.prepare(`INSERT INTO "${table}" VALUES (${['?', '?', ...attrCols.map(() => '?')].join(', ')})`);
    const ext = [Infinity, Infinity, -Infinity, -Infinity];
    const insertChunk = out.transaction((rows: { values: unknown[]; blob: Buffer }[]) => {
      for (const r of rows) insert.run(r.values[0], r.blob, ...r.values.slice(1).map((v) => (typeof v === 'boolean' ? Number(v) : v)));
    });
    for await (const rows of exportRows(db, layer, sel, { wkb: true, envelope: true })) {
      insertChunk(
        rows.map((r) => {
          const e = r.env!;
          ext[0] = Math.min(ext[0]!, e[0]);
          ext[1] = Math.min(ext[1]!, e[1]);
          ext[2] = Math.max(ext[2]!, e[2]);
          ext[3] = Math.max(ext[3]!, e[3]);
          return { values: r.values, blob: gpkgGeometry(r.wkb!, e) };
        }),
      );
    }
    if (Number.isFinite(ext[0]))
      out.prepare('UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?').run(...ext, table);
  } finally {
    out.close();
  }
}
