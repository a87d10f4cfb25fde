import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { SaxesParser } from 'saxes';
import type { Geometry, Position } from 'geojson';
import { InputError } from '../errors.ts';
import { SJTSK } from '../crs.ts';
import { intOrNull, textOrNull, withTexts } from '../ruian/address.ts';
import type { SourceReader, SourceRecord } from './types.ts';

/**
 * RÚIAN exchange format (VFR, `*_OB_{kód obce}_UKSH.xml[.zip]`): GML 3.2 in EPSG:5514.
 * One file holds every element type of a municipality; an import reads one of them
 * (`--source-layer AdresniMista | Ulice | StavebniObjekty | CastiObci | Parcely`).
 *
 * Streamed with saxes: each element of the chosen collection is built as a small tree,
 * turned into a record and dropped, so memory does not grow with the file. Addresses
 * need names that VFR keeps elsewhere (street, part of municipality, municipality, the
 * building's kind of number); those collections come earlier in the file and are kept as
 * small code → name maps while it streams past them.
 */
export const VFR_COLLECTIONS = ['AdresniMista', 'Ulice', 'StavebniObjekty', 'CastiObci', 'Parcely'] as const;
export type VfrCollection = (typeof VFR_COLLECTIONS)[number];

interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

/** Records of one kind: attributes in the layer's names, geometry, or why the geometry is unusable. */
type Convert = (el: Node, lookups: Lookups) => { id: number | string | undefined; properties: Record<string, unknown>; geometry: Geometry | null; geometryError?: string };

interface Lookups {
  obce: Map<number, string>;
  castiObci: Map<number, { nazev: string; obec: number | null }>;
  ulice: Map<number, string>;
  /** stavební objekt → its part of the municipality and kind of number (1 č. p., 2 č. ev.) */
  objekty: Map<number, { castObce: number | null; typ: number | null }>;
}

export function isVfrCollection(name: string | undefined): VfrCollection | undefined {
  return VFR_COLLECTIONS.find((c) => c.toLowerCase() === name?.toLowerCase());
}

export async function openVfr(path: string, opts: { sourceLayer?: string } = {}): Promise<SourceReader> {
  const file = basename(path);
  const collection = isVfrCollection(opts.sourceLayer);
  if (!collection)
    throw new InputError(
      `${opts.sourceLayer ? `no element type "${opts.sourceLayer}" in VFR; ` : 'a VFR file holds several element types; '}choose one with --source-layer (${VFR_COLLECTIONS.join(', ')})`,
      file,
    );
  return {
    file: `${file}:${collection}`,
    srid: SJTSK,
    encoding: 'utf-8',
    async *records() {
      for await (const batch of readVfr(path, collection, file)) yield* batch;
    },
    batches: () => readVfr(path, collection, file),
  };
}

async function* readVfr(path: string, collection: VfrCollection, file: string): AsyncIterable<SourceRecord[]> {
  const convert = CONVERTERS[collection];
  const lookups: Lookups = { obce: new Map(), castiObci: new Map(), ulice: new Map(), objekty: new Map() };
  const parser = new SaxesParser({ xmlns: false, position: false });
  // path of local names from the root; `vf:Data` children are the collections
  const stack: string[] = [];
  let current: Node[] = [];
  let memberDepth = -1;
  let record = 0;
  let out: SourceRecord[] = [];
  let sawRoot = false;
  let parseError: Error | undefined;
  const memberCollection = () => stack[2];
  parser.on('opentag', (tag) => {
    const name = local(tag.name);
    if (stack.length === 0) {
      if (name !== 'VymennyFormat') throw new InputError(`not a RÚIAN VFR file (root element "${tag.name}")`, file);
      sawRoot = true;
    }
    stack.push(name);
    // depth 4 = <vf:VymennyFormat><vf:Data><vf:{Collection}><vf:{Member}>
    if (stack.length === 4 && stack[1] === 'Data' && (memberCollection() === collection || KEPT.has(memberCollection()!))) {
      memberDepth = 4;
      current = [];
    }
    if (memberDepth > 0) {
      const node: Node = { name, attrs: tag.attributes as Record<string, string>, children: [], text: '' };
      current[current.length - 1]?.children.push(node);
      current.push(node);
    }
  });
  parser.on('text', (t) => {
    if (memberDepth > 0 && current.length > 0) current[current.length - 1]!.text += t;
  });
  parser.on('closetag', () => {
    if (memberDepth > 0) {
      const node = current.pop()!;
      if (stack.length === memberDepth) {
        memberDepth = -1;
        const kind = memberCollection()!;
        if (kind !== collection) remember(kind, node, lookups);
        else {
          record++;
          const r = convert(node, lookups);
          out.push({ record, id: r.id, properties: r.properties, geometry: r.geometry, geometryError: r.geometryError });
        }
      }
    }
    stack.pop();
  });
  parser.on('error', (e) => {
    parseError ??= e;
  });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      parser.write(decoder.decode(chunk as Buffer, { stream: true }));
      if (parseError) break;
      if (out.length > 0) {
        yield out;
        out = [];
      }
    }
    if (!parseError) parser.write(decoder.decode()).close();
  } catch (e) {
    if (e instanceof InputError) throw e;
    if (e instanceof TypeError) throw new InputError('text is not valid UTF-8 (VFR files are UTF-8)', file);
    parseError ??= e as Error;
  }
  if (parseError) throw new InputError(`XML is malformed after record ${record}: ${parseError.message.split('\n')[0]}`, file);
  if (!sawRoot) throw new InputError('file is empty', file);
  if (out.length > 0) yield out;
}

/** Collections read only to name things in the chosen one (small: one municipality's streets and parts). */
const KEPT = new Set(['Obce', 'CastiObci', 'Ulice', 'StavebniObjekty']);

function remember(kind: string, el: Node, l: Lookups): void {
  const kod = intOrNull(child(el, 'Kod'));
  if (kod === null) return;
  if (kind === 'Obce') l.obce.set(kod, child(el, 'Nazev') ?? '');
  else if (kind === 'CastiObci') l.castiObci.set(kod, { nazev: child(el, 'Nazev') ?? '', obec: intOrNull(child(el, 'Obec', 'Kod')) });
  else if (kind === 'Ulice') l.ulice.set(kod, child(el, 'Nazev') ?? '');
  else if (kind === 'StavebniObjekty')
    l.objekty.set(kod, { castObce: intOrNull(child(el, 'CastObce', 'Kod')), typ: intOrNull(child(el, 'TypStavebnihoObjektuKod')) });
}

const CONVERTERS: Record<VfrCollection, Convert> = {
  AdresniMista(el, l) {
    const kod = intOrNull(child(el, 'Kod'));
    const so = intOrNull(child(el, 'StavebniObjekt', 'Kod'));
    const objekt = so !== null ? l.objekty.get(so) : undefined;
    const castKod = objekt?.castObce ?? null;
    const cast = castKod !== null ? l.castiObci.get(castKod) : undefined;
    const uliceKod = intOrNull(child(el, 'Ulice', 'Kod'));
    const obecKod = cast?.obec ?? null;
    const cisloDomovni = intOrNull(child(el, 'CisloDomovni'));
    const g = geometryOf(el, ['AdresniBod', 'DefinicniBod']);
    const base = {
      kod: kod ?? 0,
      obec: obecKod !== null ? (l.obce.get(obecKod) ?? null) : null,
      cast_obce_kod: castKod,
      cast_obce: cast?.nazev ?? null,
      ulice_kod: uliceKod,
      ulice: uliceKod !== null ? (l.ulice.get(uliceKod) ?? null) : null,
      typ_so: objekt?.typ === 2 ? ('ce' as const) : ('cp' as const),
      cislo_domovni: cisloDomovni ?? 0,
      cislo_orientacni: intOrNull(child(el, 'CisloOrientacni')),
      znak_cisla_orientacniho: textOrNull(child(el, 'CisloOrientacniPismeno')),
      psc: textOrNull(child(el, 'Psc')),
      stavebni_objekt_kod: so,
      plati_od: date(child(el, 'PlatiOd')),
    };
    // without a house number there is no address to write: the record is rejected by the schema (required)
    const properties: Record<string, unknown> = cisloDomovni === null ? { ...base, cislo_domovni: null, adresa: null } : { ...withTexts(base) };
    return { id: kod ?? undefined, properties, ...g };
  },
  Ulice(el) {
    const kod = intOrNull(child(el, 'Kod'));
    return {
      id: kod ?? undefined,
      properties: { kod, nazev: textOrNull(child(el, 'Nazev')), plati_od: date(child(el, 'PlatiOd')) },
      ...geometryOf(el, ['DefinicniCara']),
    };
  },
  StavebniObjekty(el) {
    const kod = intOrNull(child(el, 'Kod'));
    const cisla = find(el, 'CislaDomovni')?.children.map((c) => c.text.trim()).filter(Boolean) ?? [];
    const typ = intOrNull(child(el, 'TypStavebnihoObjektuKod'));
    return {
      id: kod ?? undefined,
      properties: {
        kod,
        cisla_domovni: cisla.length ? cisla.join(', ') : null,
        typ: typ === null ? null : String(typ),
        zpusob_vyuziti: textOrNull(child(el, 'ZpusobVyuzitiKod')),
        cast_obce_kod: intOrNull(child(el, 'CastObce', 'Kod')),
        pocet_podlazi: intOrNull(child(el, 'PocetPodlazi')),
        plati_od: date(child(el, 'PlatiOd')),
      },
      ...geometryOf(el, ['OriginalniHranice']),
    };
  },
  CastiObci(el) {
    const kod = intOrNull(child(el, 'Kod'));
    return {
      id: kod ?? undefined,
      properties: { kod, nazev: textOrNull(child(el, 'Nazev')), plati_od: date(child(el, 'PlatiOd')) },
      ...geometryOf(el, ['DefinicniBod']),
    };
  },
  Parcely(el) {
    const id = textOrNull(child(el, 'Id'));
    return {
      id: id ?? undefined,
      properties: {
        id,
        kmenove_cislo: intOrNull(child(el, 'KmenoveCislo')),
        pododdeleni_cisla: intOrNull(child(el, 'PododdeleniCisla')),
        // 1: stavební parcela ("st. 123"), 2: pozemková parcela
        druh_cislovani: intOrNull(child(el, 'DruhCislovaniKod')),
        katastralni_uzemi_kod: intOrNull(child(el, 'KatastralniUzemi', 'Kod')),
        vymera: intOrNull(child(el, 'VymeraParcely')),
        druh_pozemku: textOrNull(child(el, 'DruhPozemkuKod')),
      },
      ...geometryOf(el, ['OriginalniHranice']),
    };
  },
};

function local(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
}

function find(el: Node, ...path: string[]): Node | undefined {
  let cur: Node | undefined = el;
  for (const p of path) cur = cur?.children.find((c) => c.name === p);
  return cur;
}

function child(el: Node, ...path: string[]): string | undefined {
  return find(el, ...path)?.text.trim();
}

function date(v: string | undefined): string | null {
  return v && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : null;
}

/** The first of the named geometry properties (under `Geometrie`, at any depth) that the element has. */
function geometryOf(el: Node, names: string[]): { geometry: Geometry | null; geometryError?: string } {
  const g = find(el, 'Geometrie');
  if (!g) return { geometry: null };
  for (const name of names) {
    const holder = descendant(g, name);
    const gml = holder && firstGml(holder);
    if (!gml) continue;
    try {
      return { geometry: toGeometry(gml) };
    } catch (e) {
      return { geometry: null, geometryError: `${name}: ${(e as Error).message}` };
    }
  }
  return { geometry: null };
}

function descendant(el: Node, name: string): Node | undefined {
  for (const c of el.children) {
    if (c.name === name) return c;
    const d = descendant(c, name);
    if (d) return d;
  }
  return undefined;
}

const GML = new Set(['Point', 'LineString', 'Curve', 'MultiCurve', 'Polygon', 'Surface', 'MultiSurface', 'MultiPoint']);

function firstGml(el: Node): Node | undefined {
  for (const c of el.children) {
    if (GML.has(c.name)) return c;
    const d = firstGml(c);
    if (d) return d;
  }
  return undefined;
}

function toGeometry(n: Node): Geometry {
  switch (n.name) {
    case 'Point': {
      const p = positions(find(n, 'pos') ?? find(n, 'coordinates'));
      if (p.length !== 1) throw new Error('a point needs one position');
      return { type: 'Point', coordinates: p[0]! };
    }
    case 'MultiPoint':
      return { type: 'MultiPoint', coordinates: members(n).map((m) => (toGeometry(m) as { coordinates: Position }).coordinates) };
    case 'LineString':
    case 'Curve':
      return { type: 'LineString', coordinates: line(n) };
    case 'MultiCurve':
      return { type: 'MultiLineString', coordinates: members(n).map(line) };
    case 'Polygon':
    case 'Surface':
      return { type: 'Polygon', coordinates: polygon(n, 1) };
    case 'MultiSurface':
      return { type: 'MultiPolygon', coordinates: members(n).map((m, i) => polygon(m, i + 1)) };
    default:
      throw new Error(`unsupported GML geometry ${n.name}`);
  }
}

/** gml:curveMember / surfaceMember / pointMember (or their plural *Members) → the geometries inside. */
function members(n: Node): Node[] {
  return n.children.flatMap((m) => m.children.filter((c) => GML.has(c.name)));
}

/** A LineString, or a Curve of segments (LineStringSegment; an ArcString is taken through its points). */
function line(n: Node): Position[] {
  if (n.name === 'LineString') return positions(find(n, 'posList') ?? find(n, 'coordinates'));
  if (n.name === 'Curve') {
    const segs = find(n, 'segments')?.children ?? [];
    const out: Position[] = [];
    for (const s of segs) {
      const p = positions(find(s, 'posList'));
      out.push(...(out.length > 0 ? p.slice(1) : p));
    }
    return out;
  }
  throw new Error(`unsupported curve ${n.name}`);
}

function polygon(n: Node, index: number): Position[][] {
  // a Surface carries its polygon as patches/PolygonPatch
  const body = n.name === 'Surface' ? find(n, 'patches', 'PolygonPatch') : n;
  if (!body) throw new Error(`polygon ${index} has no patch`);
  const rings = body.children.filter((c) => c.name === 'exterior' || c.name === 'interior');
  if (rings.length === 0 || rings[0]!.name !== 'exterior') throw new Error(`polygon ${index} has no exterior ring`);
  return rings.map((r, i) => {
    const ring = r.children[0];
    let pts: Position[];
    if (ring?.name === 'LinearRing') pts = positions(find(ring, 'posList') ?? find(ring, 'coordinates'));
    else if (ring?.name === 'Ring') {
      pts = [];
      for (const m of ring.children) for (const c of m.children.filter((x) => GML.has(x.name))) pts.push(...(pts.length > 0 ? line(c).slice(1) : line(c)));
    } else throw new Error(`polygon ${index}: unsupported ring ${ring?.name ?? '(none)'}`);
    const what = i === 0 ? 'exterior ring' : `interior ring ${i}`;
    if (pts.length < 4) throw new Error(`polygon ${index} ${what} has ${pts.length} positions (a ring needs at least 4)`);
    const [a, z] = [pts[0]!, pts[pts.length - 1]!];
    if (a[0] !== z[0] || a[1] !== z[1]) throw new Error(`polygon ${index} ${what} is not closed (first and last positions differ)`);
    return pts;
  });
}

function positions(n: Node | undefined): Position[] {
  if (!n) throw new Error('no coordinates');
  const nums = n.text.trim().split(/[\s,]+/).filter(Boolean).map(Number);
  const dim = Number(n.attrs.srsDimension ?? 2) === 3 ? 3 : 2;
  if (nums.length === 0 || nums.length % dim !== 0 || !nums.every(Number.isFinite)) throw new Error('coordinates are not pairs of numbers');
  const out: Position[] = [];
  for (let i = 0; i < nums.length; i += dim) out.push([nums[i]!, nums[i + 1]!]);
  return out;
}
