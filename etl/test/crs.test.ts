import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crsFromPrj, parseCrsName, plausibleFor } from '../crs.ts';
import { normalizeEncoding } from '../readers/shapefile.ts';
import { mapProperties } from '../mapping.ts';

describe('CRS recognition', () => {
  it('parses the names Czech GeoJSON files use', () => {
    expect(parseCrsName('EPSG:5514')).toBe(5514);
    expect(parseCrsName('urn:ogc:def:crs:EPSG::5514')).toBe(5514);
    expect(parseCrsName('http://www.opengis.net/def/crs/EPSG/0/3857')).toBe(3857);
    expect(parseCrsName('urn:ogc:def:crs:OGC:1.3:CRS84')).toBe(4326);
    expect(parseCrsName('Krovak')).toBeUndefined();
  });

  it('recognises S-JTSK in an ESRI .prj written by GDAL', () => {
    const prj = readFileSync(new URL('./fixtures/kontejnery_cp1250/kontejnery.prj', import.meta.url), 'utf8');
    expect(crsFromPrj(prj)).toBe(5514);
    expect(crsFromPrj('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]]]')).toBe(4326);
    expect(crsFromPrj('PROJCS["Mars_Equidistant",GEOGCS["Mars"]]')).toBeUndefined();
  });

  it('takes a .prj as EPSG:5514 only when its Krovak parameters are those of EPSG:5514 (issue 13.6)', () => {
    const esri5514 = readFileSync(new URL('./fixtures/kontejnery_cp1250/kontejnery.prj', import.meta.url), 'utf8');
    // written by GDAL 3 (gdalsrsinfo -o wkt1 / -o wkt_esri)
    const ogc = (name: string, axes: string, code: number) =>
      `PROJCS["${name}",GEOGCS["S-JTSK",DATUM["System_of_the_Unified_Trigonometrical_Cadastral_Network",SPHEROID["Bessel 1841",6377397.155,299.1528128,AUTHORITY["EPSG","7004"]],AUTHORITY["EPSG","6156"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4156"]],PROJECTION["Krovak"],PARAMETER["latitude_of_center",49.5],PARAMETER["longitude_of_center",24.8333333333333],PARAMETER["azimuth",30.2881397527778],PARAMETER["pseudo_standard_parallel_1",78.5],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",0],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],${axes},AUTHORITY["EPSG","${code}"]]`;
    expect(crsFromPrj(esri5514)).toBe(5514);
    expect(crsFromPrj(ogc('S-JTSK / Krovak East North', 'AXIS["Easting",EAST],AXIS["Northing",NORTH]', 5514))).toBe(5514);
    // EPSG:5513, south-west axes: ESRI scales/rotation, OGC axes, or just its code
    const esri5513 = esri5514.replace('S-JTSK_Krovak_East_North', 'S-JTSK_Krovak').replace('"X_Scale",-1.0', '"X_Scale",1.0').replace('"XY_Plane_Rotation",90.0', '"XY_Plane_Rotation",0.0');
    expect(() => crsFromPrj(esri5513)).toThrow(/EPSG:5513 .* is not accepted/);
    expect(() => crsFromPrj(ogc('S-JTSK / Krovak', 'AXIS["Southing",SOUTH],AXIS["Westing",WEST]', 5513))).toThrow(/EPSG:5513/);
    expect(() => crsFromPrj('PROJCS["x",GEOGCS["y"],AUTHORITY["EPSG","5513"]]')).toThrow(/EPSG:5513/);
    // made-up WKT that merely says Krovak / S-JTSK
    expect(() => crsFromPrj(esri5514.replace('"Latitude_Of_Center",49.5', '"Latitude_Of_Center",50.0'))).toThrow(/latitude_of_center is 50 \(expected 49.5\)/);
    expect(() => crsFromPrj(esri5514.replace('6377397.155,299.1528128', '6378137.0,298.257223563'))).toThrow(/not Bessel 1841/);
    expect(() => crsFromPrj('PROJCS["S-JTSK_Krovak_East_North",GEOGCS["GCS_S_JTSK"],PROJECTION["Krovak"]]')).toThrow(/not S-JTSK \/ Krovak East North/);
    expect(crsFromPrj('GEOGCS["Krovak S-JTSK",DATUM["D_Mars",SPHEROID["Mars",3396190,169.8944472]]]')).toBeUndefined();
    // the same CRS relative to Ferro, oriented east-north, is equivalent
    const ferro = esri5514.replace('PRIMEM["Greenwich",0.0]', 'PRIMEM["Ferro",-17.66666666666667]').replace('"Longitude_Of_Center",24.83333333333333', '"Longitude_Of_Center",42.5');
    expect(crsFromPrj(ferro)).toBe(5514);
  });

  it('spots coordinates that cannot be in the stated CRS', () => {
    expect(plausibleFor(5514, -790000, -1000000)).toBe(true);
    expect(plausibleFor(5514, 13.4, 50.4)).toBe(false);
    expect(plausibleFor(4326, -790000, -1000000)).toBe(false);
  });

  it('normalises .cpg encodings', () => {
    expect(normalizeEncoding('CP1250')).toBe('windows-1250');
    expect(normalizeEncoding('1250')).toBe('windows-1250');
    expect(normalizeEncoding('ANSI 1250')).toBe('windows-1250');
    expect(normalizeEncoding('UTF-8')).toBe('utf-8');
  });
});

describe('field mapping', () => {
  it('maps vendor columns case-insensitively and translates code values', () => {
    const out = mapProperties(
      { STATIONNAME: 'Jungmannova 737/16', pristup: 'obyvatelům domu' },
      ['nazev', 'pristup', 'stav'],
      { layer: 'x', fields: { nazev: 'StationName' }, values: { pristup: { 'obyvatelům domu': 'obyvatelum-domu' } } },
    );
    expect(out).toEqual({ nazev: 'Jungmannova 737/16', pristup: 'obyvatelum-domu', stav: undefined });
  });
});
