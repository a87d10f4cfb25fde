import { XMLParser } from 'fast-xml-parser';
import type { DtmGeometry } from './xml.ts';

/**
 * Reads a JVF DTM file (any object types, prefixed or default namespaces) into plain records:
 * the object type, the ZapisObjektu, every attribute element by its local name, and the geometry.
 * Used to read the official examples back through the layer mappings and to read our own exports.
 */

export interface JvfRecord {
  /** object type element (e.g. PodperneZarizeni) */
  element: string;
  /** i / u / d / r */
  op: string;
  /** leaf elements of AtributyObjektu, common groups flattened, by local name */
  attributes: Map<string, string>;
  /** the first geometry of GeometrieObjektu, 2D, in the file's CRS (EPSG:5514) */
  geometry?: DtmGeometry;
  /** ObjektovyTypNazev code_base */
  codeBase?: string;
}

export interface JvfFile {
  version: string;
  kind: string;
  writtenAt: string;
  records: JvfRecord[];
  /** DoprovodneInformace/UdajeOZmenach/ZaznamZmeny: element → text (OblastZmeny left out) */
  changes: Map<string, string>[];
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name, path) => name === 'ZaznamObjektu' || name === 'ZaznamZmeny' || name === 'interior' || (typeof path === 'string' && /\.Data\.[^.]+$/.test(path)),
});

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (typeof v === 'object' && '#text' in (v as Node)) return String((v as Node)['#text']);
  if (typeof v === 'object') return Object.keys(v as Node).every((k) => k.startsWith('@_')) ? '' : undefined;
  return undefined;
}

function children(n: unknown): [string, unknown][] {
  if (!n || typeof n !== 'object') return [];
  return Object.entries(n as Node).filter(([k]) => !k.startsWith('@_') && k !== '#text');
}

/** Leaf elements under a node, flattened (SpolecneAtributyObjektuTI's children sit next to the object's own). */
function leaves(n: unknown, out: Map<string, string>): void {
  for (const [k, v] of children(n)) {
    const t = text(v);
    if (t !== undefined) out.set(k, t);
    else if (Array.isArray(v)) v.forEach((x) => leaves(x, out));
    else leaves(v, out);
  }
}

function coords(list: string, dimension: number): number[][] {
  const n = list.trim().split(/\s+/).map(Number);
  const out: number[][] = [];
  for (let i = 0; i + 1 < n.length; i += dimension) out.push([n[i]!, n[i + 1]!]);
  return out;
}

function dim(n: unknown): number {
  const d = (n as Node | undefined)?.['@_srsDimension'];
  return d === undefined ? 2 : Number(d);
}

function ring(r: unknown, dimension: number): number[][] {
  const lr = (r as Node | undefined)?.['LinearRing'] as Node | undefined;
  return coords(text(lr?.['posList']) ?? '', dimension);
}

function geometry(g: unknown): DtmGeometry | undefined {
  const node = g as Node | undefined;
  if (!node) return undefined;
  const point = (node['pointProperty'] as Node | undefined)?.['Point'];
  if (point) return { type: 'Point', coordinates: coords(text((point as Node)['pos']) ?? '', dim(point))[0]! };
  const line = (node['curveProperty'] as Node | undefined)?.['LineString'];
  if (line) return { type: 'LineString', coordinates: coords(text((line as Node)['posList']) ?? '', dim(line)) };
  const polygon = (node['surfaceProperty'] as Node | undefined)?.['Polygon'] as Node | undefined;
  if (polygon) {
    const d = dim(polygon);
    const interiors = (polygon['interior'] as unknown[] | undefined) ?? [];
    return { type: 'Polygon', coordinates: [ring(polygon['exterior'], d), ...interiors.map((i) => ring(i, d))] };
  }
  return undefined;
}

export function readJvf(xml: string): JvfFile {
  const doc = parser.parse(xml) as Node;
  const root = doc['JVFDTM'] as Node | undefined;
  const data = root?.['DataJVFDTM'] as Node | undefined;
  if (!data) throw new Error('not a JVF DTM file (no JVFDTM/DataJVFDTM)');
  const records: JvfRecord[] = [];
  for (const [element, list] of children(data['Data'])) {
    for (const obj of list as Node[]) {
      const codeBase = (obj['ObjektovyTypNazev'] as Node | undefined)?.['@_code_base'];
      for (const z of ((obj['ZaznamyObjektu'] as Node | undefined)?.['ZaznamObjektu'] as Node[] | undefined) ?? []) {
        const attributes = new Map<string, string>();
        leaves(z['AtributyObjektu'], attributes);
        records.push({
          element,
          op: text(z['ZapisObjektu']) ?? '',
          attributes,
          geometry: geometry(z['GeometrieObjektu']),
          codeBase: typeof codeBase === 'string' ? codeBase : undefined,
        });
      }
    }
  }
  const changes = (((data['DoprovodneInformace'] as Node | undefined)?.['UdajeOZmenach'] as Node | undefined)?.['ZaznamZmeny'] as Node[] | undefined) ?? [];
  return {
    version: text(data['VerzeJVFDTM']) ?? '',
    kind: text(data['TypZapisu']) ?? '',
    writtenAt: text(data['DatumZapisu']) ?? '',
    records,
    changes: changes.map((c) => {
      const m = new Map<string, string>();
      for (const [k, v] of children(c)) {
        const t = text(v);
        if (t !== undefined) m.set(k, t);
      }
      return m;
    }),
  };
}
