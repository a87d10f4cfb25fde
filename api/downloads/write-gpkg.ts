import Sqlite from 'better-sqlite3';
import { sql } from 'kysely';
import type { AttributeType, LayerSchema } from '../../schemas/index.ts';
import { exportColumns, type ExportSelection } from './rows.ts';
import { rawNumber, type RawBatch } from './copy-binary.ts';
import type { ExportSource } from './source.ts';

/**
 * OGC GeoPackage 1.3 (OGC 12-128r17) written with better-sqlite3: the
 * mandatory tables (gpkg_spatial_ref_sys, gpkg_contents, gpkg_geometry_columns),
 * one feature table and GeoPackageBinary geometry blobs. No npm package writes
 * GeoPackage from Node without GDAL bindings.
 *
 * PostGIS builds the finished geometry blobs; each chunk of rows goes in with
 * one prepared statement in one transaction, into a file without journal or
 * fsync (it is a temporary file until complete), MULTI rows per INSERT.
 * (Tried: handing SQLite a JSON array per chunk to unpack with json_each —
 * 2–3× slower.)
 */
const MULTI = 16;

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

/**
 * GeoPackageBinary made by PostGIS: "GP", version 0, flags (little endian; envelope
 * [minx, maxx, miny, maxy] except for points, as GDAL does), srs id 4326, then WKB.
 * The envelope's little-endian doubles are the x and y of a WKB point (bytes 6–21).
 */
function blobSql(layer: LayerSchema) {
  if (layer.geometryType === 'Point') return sql`'\\x47500001e6100000'::bytea || ST_AsBinary(t.geom, 'NDR')`;
  return sql`'\\x47500003e6100000'::bytea
    || substring(ST_AsBinary(ST_MakePoint(ST_XMin(t.geom), ST_XMax(t.geom)), 'NDR') FROM 6)
    || substring(ST_AsBinary(ST_MakePoint(ST_YMin(t.geom), ST_YMax(t.geom)), 'NDR') FROM 6)
    || ST_AsBinary(t.geom, 'NDR')`;
}

/**
 * Widens [minx, miny, maxx, maxy] by one GeoPackageBinary blob (blobSql's): its envelope [minx, maxx, miny,
 * maxy] when it has one, else the WKB point after the 8-byte header. Empty geometries (NaN) change nothing.
 */
function widen(e: number[], b: Buffer, o: number): void {
  let x0: number, x1: number, y0: number, y1: number;
  if (((b[o + 3]! >> 1) & 7) === 1) {
    x0 = b.readDoubleLE(o + 8);
    x1 = b.readDoubleLE(o + 16);
    y0 = b.readDoubleLE(o + 24);
    y1 = b.readDoubleLE(o + 32);
  } else {
    x0 = x1 = b.readDoubleLE(o + 13);
    y0 = y1 = b.readDoubleLE(o + 21);
  }
  if (x0 < e[0]!) e[0] = x0;
  if (y0 < e[1]!) e[1] = y0;
  if (x1 > e[2]!) e[2] = x1;
  if (y1 > e[3]!) e[3] = y1;
}

export async function writeGpkg(source: ExportSource, layer: LayerSchema, sel: ExportSelection, path: string): Promise<void> {
  const cols = exportColumns(layer);
  const table = layer.id.replace(/-/g, '_');
  const out = new Sqlite(path);
  try {
    out.pragma('journal_mode = OFF');
    out.pragma('synchronous = OFF');
    out.pragma('locking_mode = EXCLUSIVE');
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
    // each run() is a call into native code and a statement reset: MULTI rows per call took ≈ 30 % less time than one.
    // Text goes in as the UTF-8 bytes COPY delivered, bound as a blob and CAST to TEXT by SQLite (a cast of
    // a blob reinterprets its bytes in the database encoding, UTF-8): no JS string per value made and encoded again.
    const width = cols.length + 1;
    const isText = cols.map((c) => c.type === 'text' || c.type === 'code' || c.type === 'date');
    const tuple = `(?, ?${cols.slice(1).map((_, i) => (isText[i + 1] ? ', CAST(? AS TEXT)' : ', ?')).join('')})`;
    const insertMany = out.prepare(`INSERT INTO "${table}" VALUES ${new Array(MULTI).fill(tuple).join(', ')}`);
    const insertOne = out.prepare(`INSERT INTO "${table}" VALUES ${tuple}`);
    const kinds = cols.map((c) => (isText[cols.indexOf(c)] ? 'bytes' : c.type === 'boolean' ? 'bool' : c.type === 'number' ? 'float' : 'int'));
    const many = new Array<unknown>(width * MULTI);
    const one = new Array<unknown>(width);
    const blobAt = cols.length; // the GeoPackageBinary follows the export columns
    // the layer extent for gpkg_contents, from the blobs as they pass (no second scan of the table after the COPY)
    const ext = [Infinity, Infinity, -Infinity, -Infinity];
    const bind = (params: unknown[], p: number, b: RawBatch, at: number) => {
      const { buf, off, len } = b;
      params[p] = rawNumber(buf, off[at]!, len[at]!, 'int');
      const go = off[at + blobAt]!;
      params[p + 1] = buf.subarray(go, go + len[at + blobAt]!);
      widen(ext, buf, go);
      for (let i = 1; i < kinds.length; i++) {
        const n = len[at + i]!;
        const o = off[at + i]!;
        const k = kinds[i];
        params[p + i + 1] = n < 0 ? null : k === 'bytes' ? buf.subarray(o, o + n) : k === 'bool' ? (buf[o] ? 1 : 0) : rawNumber(buf, o, n, k as 'int' | 'float');
      }
    };
    const insertBatch = out.transaction((b: RawBatch) => {
      let k = 0;
      for (; k + MULTI <= b.rows; k += MULTI) {
        for (let j = 0; j < MULTI; j++) bind(many, j * width, b, (k + j) * b.fields);
        insertMany.run(many);
      }
      for (; k < b.rows; k++) {
        bind(one, 0, b, k * b.fields);
        insertOne.run(one);
      }
    });
    for await (const b of source.batches(layer, sel, { gpkgBlob: blobSql(layer) })) insertBatch(b);
    if (ext[0]! <= ext[2]!) out.prepare('UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?').run(...ext, table);
  } finally {
    out.close();
  }
}
