import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * SYNTHETIC ÚAP deliveries for the tests: made-up features in and around Chomutov, written by GDAL's
 * ogr2ogr (Debian gdal-bin) in S-JTSK (EPSG:5514) as a zipped Shapefile in windows-1250 and as
 * GeoPackages, the formats providers deliver in. Every name says it is synthetic.
 */

/** Chomutov's centre in S-JTSK (EPSG:5514, x = −Y, y = −X) */
const CX = -807694;
const CY = -991742;

export const SYNTHETIC_PROVIDER = 'SYNTETICKÁ DATA – ČEZ Distribuce (zkušební předání)';
export const SYNTHETIC_HIDDEN_PROVIDER = 'SYNTETICKÁ DATA – vodárenská společnost (neveřejné)';
/** a name that occurs only in the non-public delivery: the public surfaces must never show it */
export const HIDDEN_NAME = 'Tajný syntetický vodovodní řad Ř-7781';

export function gdalAvailable(): boolean {
  try {
    execFileSync('ogr2ogr', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('ogr2ogr (gdal-bin) is required in CI');
    console.warn('ÚAP delivery tests: ogr2ogr not found (apt-get install gdal-bin); skipped');
    return false;
  }
}

type Geom = { type: 'Point'; coordinates: number[] } | { type: 'LineString'; coordinates: number[][] } | { type: 'Polygon'; coordinates: number[][][] };

function writeSjtsk(dir: string, name: string, features: { nazev: string; geometry: Geom }[]): string {
  const path = join(dir, `${name}.src.geojson`);
  writeFileSync(path, JSON.stringify({ type: 'FeatureCollection', features: features.map((f) => ({ type: 'Feature', properties: { nazev: f.nazev, poznamka: 'syntetická data' }, geometry: f.geometry })) }));
  return path;
}

function ogr(args: string[]): void {
  execFileSync('ogr2ogr', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface SyntheticFiles {
  /** jev 73 nadzemní a podzemní vedení ES: zipped Shapefile, windows-1250 */
  vedeniShpZip: string;
  /** GeoPackage with layers `stanice` (jev 72, points) and `zaplavy` (jev 50, areas) */
  gpkg: string;
  /** jev 68 vodovodní síť: GeoPackage, for the non-public delivery */
  hiddenGpkg: string;
}

export function writeSyntheticDelivery(dir: string): SyntheticFiles {
  const vedeni = writeSjtsk(dir, 'vedeni', [
    { nazev: 'Syntetické vedení VN 22 kV – Přečaply', geometry: { type: 'LineString', coordinates: [[CX - 900, CY - 300], [CX - 200, CY + 100], [CX + 600, CY + 250]] } },
    { nazev: 'Syntetické kabelové vedení NN – Žižkovo nám.', geometry: { type: 'LineString', coordinates: [[CX + 50, CY - 50], [CX + 300, CY + 40]] } },
  ]);
  const vedeniShpZip = join(dir, 'vedeni_es.shp.zip');
  ogr(['-f', 'ESRI Shapefile', '-a_srs', 'EPSG:5514', '-lco', 'ENCODING=CP1250', '-nln', 'vedeni_es', vedeniShpZip, vedeni]);

  const stanice = writeSjtsk(dir, 'stanice', [
    { nazev: 'Syntetická trafostanice TS 0412', geometry: { type: 'Point', coordinates: [CX + 120, CY + 80] } },
    { nazev: 'Syntetická trafostanice TS 0413', geometry: { type: 'Point', coordinates: [CX - 450, CY - 150] } },
    { nazev: 'Syntetická rozvodna R 110 kV', geometry: { type: 'Point', coordinates: [CX + 800, CY - 600] } },
  ]);
  const zaplavy = writeSjtsk(dir, 'zaplavy', [
    { nazev: 'Syntetické záplavové území Q100 Chomutovky', geometry: { type: 'Polygon', coordinates: [[[CX - 1500, CY - 400], [CX + 1500, CY - 400], [CX + 1500, CY - 100], [CX - 1500, CY - 100], [CX - 1500, CY - 400]]] } },
  ]);
  const gpkg = join(dir, 'ceznet_uap.gpkg');
  ogr(['-f', 'GPKG', '-a_srs', 'EPSG:5514', '-nln', 'stanice', gpkg, stanice]);
  ogr(['-f', 'GPKG', '-update', '-a_srs', 'EPSG:5514', '-nln', 'zaplavy', gpkg, zaplavy]);

  const vodovod = writeSjtsk(dir, 'vodovod', [
    { nazev: HIDDEN_NAME, geometry: { type: 'LineString', coordinates: [[CX - 300, CY + 500], [CX + 300, CY + 700]] } },
  ]);
  const hiddenGpkg = join(dir, 'vodovod.gpkg');
  ogr(['-f', 'GPKG', '-a_srs', 'EPSG:5514', '-nln', 'vodovod', hiddenGpkg, vodovod]);
  return { vedeniShpZip, gpkg, hiddenGpkg };
}
