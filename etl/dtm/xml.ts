import type { LineString, Point, Polygon } from 'geojson';
import type { DtmObjectType } from '../../schemas/dtm.ts';
import type { MappedAttributes } from './mapping.ts';

/**
 * Writes a JVF DTM 1.4.3 file (index_data.xsd: JVFDTM/DataJVFDTM) from mapped records. Pure string
 * building: the records arrive mapped and with their geometry already in S-JTSK (EPSG:5514).
 */

export const JVF_VERSION = '1.4.3';
export const SRS = 'EPSG:5514';

/** JVF writes coordinates in metres to the centimetre, as the official examples and the DTM's accuracy classes do. */
export const COORDINATE_DECIMALS = 2;

export type DtmGeometry = Point | LineString | Polygon;
export type ZapisObjektu = 'i' | 'u' | 'd';

export interface DtmRecord {
  op: ZapisObjektu;
  /** external id `layer/fid`: IDExterni of TI objects and PopisObjektu of all */
  externalId: string;
  mapped: MappedAttributes;
  /** in EPSG:5514 */
  geometry: DtmGeometry;
}

export interface ChangeInfo {
  /** NazevZakazky: what the delivery is */
  title: string;
  /** Zpracovatel, OrganizaceZpracovatele */
  processor: string;
  organisation: string;
  /** DatumMereni, DatumZpracovani (YYYY-MM-DD) */
  measuredOn: string;
  processedOn: string;
  /** IDZmenyZpracovatele: our delivery id */
  changeId?: string;
  /** Konsolidace: the first (complete) delivery */
  consolidation?: boolean;
}

export interface JvfDocument {
  kind: 'complete' | 'changes';
  /** DatumZapisu, local time without zone as in the official files */
  writtenAt: Date;
  records: DtmRecord[];
  change?: ChangeInfo;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function el(name: string, text: string): string {
  return `<${name}>${escapeXml(text)}</${name}>`;
}

/** xs:dateTime as the official files write it: seconds, no zone (Czech local time). */
export function jvfDateTime(d: Date): string {
  const p = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Prague', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).format(d);
  return p.replace(' ', 'T');
}

function coord(n: number): string {
  return n.toFixed(COORDINATE_DECIMALS);
}

function posList(coords: number[][]): string {
  return coords.map((c) => `${coord(c[0]!)} ${coord(c[1]!)}`).join(' ');
}

function srs(id: string): string {
  return `gml:id="${id}" srsName="${SRS}" srsDimension="2"`;
}

export function gmlGeometry(type: DtmObjectType, g: DtmGeometry, idBase: string): string {
  switch (type.geometry) {
    case 'point':
      if (g.type !== 'Point') throw new Error(`${type.element} needs a point, got ${g.type}`);
      return `<gml:pointProperty><gml:Point ${srs(`${idBase}_01`)}><gml:pos>${posList([g.coordinates])}</gml:pos></gml:Point></gml:pointProperty>`;
    case 'curve':
      if (g.type !== 'LineString') throw new Error(`${type.element} needs a line, got ${g.type}`);
      return `<gml:curveProperty><gml:LineString ${srs(`${idBase}_02`)}><gml:posList>${posList(g.coordinates)}</gml:posList></gml:LineString></gml:curveProperty>`;
    case 'surface': {
      if (g.type !== 'Polygon') throw new Error(`${type.element} needs a polygon, got ${g.type}`);
      const ring = (r: number[][]) => `<gml:LinearRing><gml:posList>${posList(r)}</gml:posList></gml:LinearRing>`;
      const [outer, ...holes] = g.coordinates;
      const surface = `<gml:surfaceProperty><gml:Polygon ${srs(`${idBase}_03`)}><gml:exterior>${ring(outer!)}</gml:exterior>${holes
        .map((h) => `<gml:interior>${ring(h)}</gml:interior>`)
        .join('')}</gml:Polygon></gml:surfaceProperty>`;
      // ZPS areas carry their boundary too (the DTM builds areas from boundary lines)
      const boundary = `<gml:multiCurveProperty><gml:MultiCurve ${srs(`${idBase}_05`)}>${g.coordinates
        .map((r, i) => `<gml:curveMember><gml:LineString gml:id="${idBase}_05_${i + 1}"><gml:posList>${posList(r)}</gml:posList></gml:LineString></gml:curveMember>`)
        .join('')}</gml:MultiCurve></gml:multiCurveProperty>`;
      return surface + boundary;
    }
  }
}

function recordXml(r: DtmRecord, n: number): string {
  const ns = r.mapped.type.namespace;
  const common = r.mapped.type.common === 'TI' ? 'SpolecneAtributyObjektuTI' : 'SpolecneAtributyObjektuZPS';
  const commonValues = r.mapped.type.common === 'TI' ? [['IDExterni', r.externalId] as [string, string], ...r.mapped.common] : r.mapped.common;
  const idBase = `ID_${ns}_${n}`;
  return (
    `<${ns}:ZaznamObjektu>` +
    el('cmn:ZapisObjektu', r.op) +
    `<${ns}:AtributyObjektu>` +
    `<atr:SpolecneAtributyVsechObjektu>${el('atr:PopisObjektu', r.externalId)}</atr:SpolecneAtributyVsechObjektu>` +
    `<atr:${common}>${commonValues.map(([k, v]) => el(`atr:${k}`, v)).join('')}</atr:${common}>` +
    r.mapped.own.map(([k, v]) => el(`atr:${k}`, v)).join('') +
    `</${ns}:AtributyObjektu>` +
    `<${ns}:GeometrieObjektu>${gmlGeometry(r.mapped.type, r.geometry, idBase)}</${ns}:GeometrieObjektu>` +
    `</${ns}:ZaznamObjektu>`
  );
}

function objectTypeXml(type: DtmObjectType, records: string[]): string {
  const ns = type.namespace;
  return (
    `<objtyp:${type.element}>` +
    `<${ns}:ObjektovyTypNazev code_base="${type.codeBase}" code_suffix="${type.codeSuffix}">${escapeXml(type.name)}</${ns}:ObjektovyTypNazev>` +
    el(`${ns}:KategorieObjektu`, type.category) +
    el(`${ns}:SkupinaObjektu`, type.group) +
    el(`${ns}:ObsahovaCast`, type.contentPart) +
    `<${ns}:ZaznamyObjektu>${records.join('\n')}</${ns}:ZaznamyObjektu>` +
    `</objtyp:${type.element}>`
  );
}

/** Bounding rectangle of every record, 1 m wider: OblastZmeny ("the area inside which all objects of the change lie"). */
function changeArea(records: DtmRecord[]): number[][] {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  const visit = (c: number[]) => {
    minX = Math.min(minX, c[0]!); maxX = Math.max(maxX, c[0]!);
    minY = Math.min(minY, c[1]!); maxY = Math.max(maxY, c[1]!);
  };
  for (const r of records) {
    const g = r.geometry;
    if (g.type === 'Point') visit(g.coordinates);
    else if (g.type === 'LineString') g.coordinates.forEach(visit);
    else g.coordinates.forEach((ring) => ring.forEach(visit));
  }
  minX -= 1; minY -= 1; maxX += 1; maxY += 1;
  return [[minX, minY], [maxX, minY], [maxX, maxY], [minX, maxY], [minX, minY]];
}

function accompanyingXml(doc: JvfDocument): string {
  const c = doc.change;
  if (!c || doc.records.length === 0) return '';
  const area = `<dopinf:OblastZmeny><gml:surfaceProperty><gml:Polygon ${srs('ID_oblast_zmeny')}><gml:exterior><gml:LinearRing><gml:posList>${posList(
    changeArea(doc.records),
  )}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceProperty></dopinf:OblastZmeny>`;
  return (
    '<dopinf:DoprovodneInformace><dopinf:UdajeOZmenach><dopinf:ZaznamZmeny>' +
    (c.changeId ? el('atr:IDZmenyZpracovatele', c.changeId) : '') +
    el('dopinf:NazevZakazky', c.title) +
    el('dopinf:Zpracovatel', c.processor) +
    el('dopinf:OrganizaceZpracovatele', c.organisation) +
    el('dopinf:DatumMereni', c.measuredOn) +
    el('dopinf:DatumZpracovani', c.processedOn) +
    area +
    (c.consolidation !== undefined ? el('dopinf:Konsolidace', c.consolidation ? 'true' : 'false') : '') +
    '</dopinf:ZaznamZmeny></dopinf:UdajeOZmenach></dopinf:DoprovodneInformace>'
  );
}

/** The whole file. Records are grouped by object type, in the order the types first appear. */
export function writeJvf(doc: JvfDocument): string {
  const groups = new Map<string, { type: DtmObjectType; xml: string[] }>();
  doc.records.forEach((r, i) => {
    const key = r.mapped.type.element;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { type: r.mapped.type, xml: [] }));
    g.xml.push(recordXml(r, i + 1));
  });
  const namespaces = [...new Set([...groups.values()].map((g) => g.type.namespace))].map((ns) => ` xmlns:${ns}="${ns}"`).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<objtyp:JVFDTM xmlns:objtyp="objtyp" xmlns:cmn="cmn" xmlns:atr="atr" xmlns:dopinf="dopinf" xmlns:gml="http://www.opengis.net/gml/3.2"${namespaces}>\n` +
    '<objtyp:DataJVFDTM>' +
    el('cmn:VerzeJVFDTM', JVF_VERSION) +
    el('cmn:DatumZapisu', jvfDateTime(doc.writtenAt)) +
    el('cmn:TypZapisu', doc.kind === 'complete' ? 'kompletní zápis' : 'změnové věty') +
    '\n<objtyp:Data>\n' +
    [...groups.values()].map((g) => objectTypeXml(g.type, g.xml)).join('\n') +
    '\n</objtyp:Data>' +
    accompanyingXml(doc) +
    '</objtyp:DataJVFDTM>\n</objtyp:JVFDTM>\n'
  );
}
