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
