/** Municipality names by RÚIAN code, loaded once per page (25 small records). */
let names: Promise<Map<number, string>> | undefined;

export function loadMunicipalityNames(): Promise<Map<number, string>> {
  names ??= fetch('/api/collections/obce/items?limit=1000')
    .then((r) => (r.ok ? (r.json() as Promise<GeoJSON.FeatureCollection>) : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((fc) => new Map(fc.features.map((f) => [Number(f.properties?.kod), String(f.properties?.nazev)])))
    .catch(() => {
      names = undefined;
      return new Map<number, string>();
    });
  return names;
}
