import type { Map as MlMap } from 'maplibre-gl';
import type { TerraDraw } from 'terra-draw';
import type { Geometry } from 'geojson';

/** Terra Draw on a maplibre map: draw modes for the three geometry kinds and a select mode that moves and reshapes. */
export async function createDraw(map: MlMap): Promise<TerraDraw> {
  const td = await import('terra-draw');
  const { TerraDrawMapLibreGLAdapter } = await import('terra-draw-maplibre-gl-adapter');
  const editable = { feature: { draggable: true, coordinates: { midpoints: true, draggable: true, deletable: true } } };
  const draw = new td.TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map }),
    modes: [
      new td.TerraDrawPointMode({ styles: { pointColor: '#d7191c', pointWidth: 8, pointOutlineColor: '#ffffff', pointOutlineWidth: 2 } }),
      new td.TerraDrawLineStringMode(),
      new td.TerraDrawPolygonMode(),
      new td.TerraDrawSelectMode({
        flags: { point: { feature: { draggable: true } }, linestring: editable, polygon: editable },
        styles: { selectedPointColor: '#d7191c', selectedPointWidth: 9, selectedPointOutlineColor: '#ffffff', selectedPointOutlineWidth: 2 },
      }),
    ],
  });
  draw.start();
  return draw;
}

/** The single geometry being edited (terra-draw holds at most one feature here). */
export function currentGeometry(draw: TerraDraw): Geometry | undefined {
  const f = draw.getSnapshot().find((x) => ['point', 'linestring', 'polygon'].includes(String(x.properties.mode)));
  return f?.geometry as Geometry | undefined;
}

/** Puts one geometry into terra-draw and selects it for moving/reshaping; Multi* with one part is edited as its part. */
export function loadGeometry(draw: TerraDraw, geometry: Geometry): boolean {
  draw.clear();
  let g: Geometry = geometry;
  if (g.type === 'MultiPoint' || g.type === 'MultiLineString' || g.type === 'MultiPolygon') {
    if (g.coordinates.length !== 1) return false;
    g = g.type === 'MultiPoint' ? { type: 'Point', coordinates: g.coordinates[0]! } : g.type === 'MultiLineString' ? { type: 'LineString', coordinates: g.coordinates[0]! } : { type: 'Polygon', coordinates: g.coordinates[0]! };
  }
  if (g.type === 'GeometryCollection') return false;
  const mode = g.type === 'Point' ? 'point' : g.type === 'LineString' ? 'linestring' : g.type === 'Polygon' ? 'polygon' : undefined;
  if (!mode) return false;
  const id = crypto.randomUUID();
  // terra-draw refuses more than 9 decimals (GPS and PostGIS give more); 7 decimals are about a centimetre
  const round = (c: unknown): unknown => (Array.isArray(c) ? c.map(round) : typeof c === 'number' ? Math.round(c * 1e7) / 1e7 : c);
  const geometry7 = { ...g, coordinates: round(g.coordinates) };
  const res = draw.addFeatures([{ id, type: 'Feature', geometry: geometry7 as never, properties: { mode } }]);
  if (!res[0]?.valid) return false;
  draw.setMode('select');
  draw.selectFeature(id);
  return true;
}

/** The geometry as the layer stores it (single → Multi* for multi layers). */
export function forLayer(geometry: Geometry, layerType: string): Geometry {
  if (layerType === 'MultiPoint' && geometry.type === 'Point') return { type: 'MultiPoint', coordinates: [geometry.coordinates] };
  if (layerType === 'MultiLineString' && geometry.type === 'LineString') return { type: 'MultiLineString', coordinates: [geometry.coordinates] };
  if (layerType === 'MultiPolygon' && geometry.type === 'Polygon') return { type: 'MultiPolygon', coordinates: [geometry.coordinates] };
  return geometry;
}

/** A comparable text of a geometry (type and coordinates), to tell whether the user moved or reshaped it. */
export function geometryKey(geometry: Geometry): string {
  return geometry.type === 'GeometryCollection' ? JSON.stringify(geometry.geometries) : JSON.stringify([geometry.type, geometry.coordinates]);
}

/** [[west, south], [east, north]] of a geometry, for fitting the map to it. */
export function geometryBounds(geometry: Geometry): [[number, number], [number, number]] | null {
  const xs: number[] = [];
  const ys: number[] = [];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number' && typeof c[1] === 'number') {
      xs.push(c[0]);
      ys.push(c[1]);
    } else if (Array.isArray(c)) c.forEach(walk);
  };
  if (geometry.type === 'GeometryCollection') geometry.geometries.forEach((g) => walk('coordinates' in g ? g.coordinates : []));
  else walk(geometry.coordinates);
  if (xs.length === 0) return null;
  return [
    [Math.min(...xs), Math.min(...ys)],
    [Math.max(...xs), Math.max(...ys)],
  ];
}
