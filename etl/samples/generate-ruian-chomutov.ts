/**
 * Generates SYNTHETIC RÚIAN data for a few Chomutov streets in the two real exchange formats:
 *  - etl/samples/data/chomutov_ruian_synthetic_UKSH.xml: VFR (GML 3.2, EPSG:5514) with Obce, CastiObci,
 *    Ulice, Parcely, StavebniObjekty and AdresniMista, seeded on first start (the basemap and address search
 *    sample; the parcels feed the city-owned land layer with etl/samples/data/chomutov_majetek_mesta_synthetic.csv);
 *  - etl/test/fixtures/ruian/synthetic_20261130_OB_562971_ADR.csv.zip: ČÚZK's address CSV layout
 *    (semicolon, windows-1250, positive S-JTSK "Souřadnice Y/X") with the addresses of three streets.
 * The street names are real Chomutov names; codes, numbers and geometry are made up (streets radiate from
 * the town centre, buildings line them). Deterministic: running it again writes the same files.
 *   npx tsx etl/samples/generate-ruian-chomutov.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';

const here = dirname(fileURLToPath(import.meta.url));
const CENTRE = [-807670, -991723] as const;
const OBEC = { kod: 562971, nazev: 'Chomutov' };
const CASTI = [
  { kod: 900001, nazev: 'Chomutov', at: CENTRE },
  { kod: 900002, nazev: 'Horní Ves', at: [CENTRE[0] + 420, CENTRE[1] - 520] as const },
];
const PSC = '43001';
/** name, direction (degrees from east), number of buildings per side */
const STREETS: [string, number, number][] = [
  ['Husova', 20, 12],
  ['Palackého', 75, 8],
  ['Žižkova', 130, 8],
  ['náměstí 1. máje', 185, 4],
  ['Blatenská', 240, 8],
  ['Jiráskova', 295, 6],
  ['Revoluční', 340, 6],
];

interface Building { kod: number; typ: 1 | 2; cp: number; ring: number[][]; cast: number }
/** a parcel: `stavebni` = building plot ("st." numbering), otherwise a land parcel */
interface Parcel { id: number; kmen: number; pod: number | null; stavebni: boolean; druh: number; ring: number[][] }
interface Address { kod: number; so: Building; ulice: { kod: number; nazev: string } | null; co: number | null; point: number[] }

const r2 = (v: number) => Math.round(v * 100) / 100;
const streets: { kod: number; nazev: string; line: number[][] }[] = [];
const buildings: Building[] = [];
const addresses: Address[] = [];
const parcels: Parcel[] = [];
/** k. ú. Chomutov I */
const KU = 620173;
let parcelId = 10000000001;
let stKmen = 101;
let pozKmen = 4001;
let soKod = 91000001;
let admKod = 92000001;
let cpNext = 2001;

STREETS.forEach(([nazev, deg, perSide], i) => {
  const kod = 800001 + i;
  const a = (deg * Math.PI) / 180;
  const dir = [Math.cos(a), Math.sin(a)];
  const normal = [-dir[1]!, dir[0]!];
  const start = 70;
  const step = 26;
  const end = start + step * perSide;
  const at = (d: number, off: number) => [r2(CENTRE[0] + dir[0]! * d + normal[0]! * off), r2(CENTRE[1] + dir[1]! * d + normal[1]! * off)];
  streets.push({ kod, nazev, line: [at(start - 20, 0), at((start + end) / 2, 0), at(end, 0)] });
  // the street's own land parcel (ostatní plocha), a strip 12 m wide along it
  parcels.push({ id: parcelId++, kmen: pozKmen++, pod: null, stavebni: false, druh: 14,
    ring: [at(start - 20, -6), at(end, -6), at(end, 6), at(start - 20, 6), at(start - 20, -6)] });
  for (let k = 0; k < perSide * 2; k++) {
    const side = k % 2 === 0 ? 1 : -1; // odd orientation numbers on one side, even on the other
    const d = start + step * Math.floor(k / 2) + 6;
    const co = k + 1;
    // Husova 12 is č. p. 1234 (the examples of the issue); a few garden houses of Blatenská have č. ev.
    const evidencni = nazev === 'Blatenská' && co > perSide * 2 - 2;
    const cp = nazev === 'Husova' ? 1222 + co : evidencni ? co : cpNext++;
    const ring = [
      at(d, side * 10), at(d + 16, side * 10), at(d + 16, side * 22), at(d, side * 22), at(d, side * 10),
    ];
    const so: Building = { kod: soKod++, typ: evidencni ? 2 : 1, cp, ring, cast: CASTI[0]!.kod };
    buildings.push(so);
    // its plot (stavební parcela, zastavěná plocha), the building and a yard behind it
    parcels.push({ id: parcelId++, kmen: stKmen++, pod: null, stavebni: true, druh: 13,
      ring: [at(d - 4, side * 7), at(d + 20, side * 7), at(d + 20, side * 34), at(d - 4, side * 34), at(d - 4, side * 7)] });
    // a garden parcel behind every second plot, numbered as a part (pododdělení) of one stem number
    if (k % 4 < 2) parcels.push({ id: parcelId++, kmen: pozKmen, pod: k + 1, stavebni: false, druh: 5,
      ring: [at(d - 4, side * 34), at(d + 20, side * 34), at(d + 20, side * 60), at(d - 4, side * 60), at(d - 4, side * 34)] });
    // a building with č. ev. has no orientation number here, as usual for garden houses
    addresses.push({ kod: admKod++, so, ulice: { kod, nazev }, co: evidencni ? null : co, point: at(d + 8, side * 11) });
  }
  pozKmen++; // the next street's gardens get their own stem number
});
// Horní Ves: a part without streets (addresses "Horní Ves 12, Chomutov")
for (let k = 0; k < 6; k++) {
  const [x, y] = CASTI[1]!.at;
  const bx = x + (k % 3) * 30;
  const by = y + Math.floor(k / 3) * 30;
  const so: Building = { kod: soKod++, typ: 1, cp: 10 + k, cast: CASTI[1]!.kod, ring: [[bx, by], [bx + 12, by], [bx + 12, by + 10], [bx, by + 10], [bx, by]] };
  buildings.push(so);
  addresses.push({ kod: admKod++, so, ulice: null, co: null, point: [bx + 6, by + 1] });
}

const pos = (p: number[]) => `${p[0]!.toFixed(2)} ${p[1]!.toFixed(2)}`;
const SRS = 'srsName="urn:ogc:def:crs:EPSG::5514" srsDimension="2"';
const PLATI = '2026-11-01T00:00:00';
const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- SYNTHETIC sample: real Chomutov street names, made-up codes, numbers and geometry (etl/samples/generate-ruian-chomutov.ts) -->
<vf:VymennyFormat xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:vf="urn:cz:isvs:ruian:schemas:VymennyFormatTypy:v1" xmlns:obi="urn:cz:isvs:ruian:schemas:ObecIntTypy:v1" xmlns:coi="urn:cz:isvs:ruian:schemas:CastObceIntTypy:v1" xmlns:uli="urn:cz:isvs:ruian:schemas:UliceIntTypy:v1" xmlns:soi="urn:cz:isvs:ruian:schemas:StavObjIntTypy:v1" xmlns:ami="urn:cz:isvs:ruian:schemas:AdrMistoIntTypy:v1" xmlns:com="urn:cz:isvs:ruian:schemas:CommonTypy:v1" xmlns:pai="urn:cz:isvs:ruian:schemas:ParcelaIntTypy:v1" xmlns:kui="urn:cz:isvs:ruian:schemas:KatUzIntTypy:v1">
  <vf:Hlavicka><vf:TypZaznamu>OB</vf:TypZaznamu><vf:TypDavky>U</vf:TypDavky><vf:Datum>2026-11-30T00:00:00</vf:Datum></vf:Hlavicka>
  <vf:Data>
    <vf:Obce>
      <vf:Obec gml:id="OB.${OBEC.kod}"><obi:Kod>${OBEC.kod}</obi:Kod><obi:Nazev>${OBEC.nazev}</obi:Nazev><obi:PlatiOd>${PLATI}</obi:PlatiOd></vf:Obec>
    </vf:Obce>
    <vf:CastiObci>
${CASTI.map((c) => `      <vf:CastObce gml:id="CO.${c.kod}"><coi:Kod>${c.kod}</coi:Kod><coi:Nazev>${c.nazev}</coi:Nazev><coi:Obec><obi:Kod>${OBEC.kod}</obi:Kod></coi:Obec><coi:PlatiOd>${PLATI}</coi:PlatiOd>
        <coi:Geometrie><coi:DefinicniBod><gml:Point gml:id="DCO.${c.kod}" ${SRS}><gml:pos>${pos([...c.at])}</gml:pos></gml:Point></coi:DefinicniBod></coi:Geometrie></vf:CastObce>`).join('\n')}
    </vf:CastiObci>
    <vf:Ulice>
${streets.map((s) => `      <vf:Ulice gml:id="UL.${s.kod}"><uli:Kod>${s.kod}</uli:Kod><uli:Nazev>${s.nazev}</uli:Nazev><uli:Obec><obi:Kod>${OBEC.kod}</obi:Kod></uli:Obec><uli:PlatiOd>${PLATI}</uli:PlatiOd>
        <uli:Geometrie><uli:DefinicniCara><gml:MultiCurve gml:id="DUL.${s.kod}" ${SRS}><gml:curveMember><gml:LineString gml:id="DUL.${s.kod}.1"><gml:posList>${s.line.map(pos).join(' ')}</gml:posList></gml:LineString></gml:curveMember></gml:MultiCurve></uli:DefinicniCara></uli:Geometrie></vf:Ulice>`).join('\n')}
    </vf:Ulice>
    <vf:Parcely>
${parcels.map((p) => `      <vf:Parcela gml:id="PA.${p.id}"><pai:Id>${p.id}</pai:Id><pai:KmenoveCislo>${p.kmen}</pai:KmenoveCislo>${p.pod !== null ? `<pai:PododdeleniCisla>${p.pod}</pai:PododdeleniCisla>` : ''}<pai:VymeraParcely>${Math.round(area(p.ring))}</pai:VymeraParcely><pai:DruhCislovaniKod>${p.stavebni ? 1 : 2}</pai:DruhCislovaniKod><pai:DruhPozemkuKod>${p.druh}</pai:DruhPozemkuKod><pai:KatastralniUzemi><kui:Kod>${KU}</kui:Kod></pai:KatastralniUzemi><pai:PlatiOd>${PLATI}</pai:PlatiOd>
        <pai:Geometrie><pai:OriginalniHranice><gml:Polygon gml:id="HPA.${p.id}" ${SRS}><gml:exterior><gml:LinearRing><gml:posList>${p.ring.map(pos).join(' ')}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></pai:OriginalniHranice></pai:Geometrie></vf:Parcela>`).join('\n')}
    </vf:Parcely>
    <vf:StavebniObjekty>
${buildings.map((b) => `      <vf:StavebniObjekt gml:id="SO.${b.kod}"><soi:Kod>${b.kod}</soi:Kod><soi:CislaDomovni><com:CisloDomovni>${b.cp}</com:CisloDomovni></soi:CislaDomovni><soi:TypStavebnihoObjektuKod>${b.typ}</soi:TypStavebnihoObjektuKod><soi:ZpusobVyuzitiKod>${b.typ === 2 ? 18 : 7}</soi:ZpusobVyuzitiKod><soi:CastObce><coi:Kod>${b.cast}</coi:Kod></soi:CastObce><soi:PlatiOd>${PLATI}</soi:PlatiOd><soi:PocetPodlazi>${b.typ === 2 ? 1 : 3}</soi:PocetPodlazi>
        <soi:Geometrie><soi:DefinicniBod><gml:Point gml:id="DSO.${b.kod}" ${SRS}><gml:pos>${pos(b.ring[0]!)}</gml:pos></gml:Point></soi:DefinicniBod><soi:OriginalniHranice><gml:MultiSurface gml:id="HSO.${b.kod}" ${SRS}><gml:surfaceMember><gml:Polygon gml:id="HSO.${b.kod}.1"><gml:exterior><gml:LinearRing><gml:posList>${b.ring.map(pos).join(' ')}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></soi:OriginalniHranice></soi:Geometrie></vf:StavebniObjekt>`).join('\n')}
    </vf:StavebniObjekty>
    <vf:AdresniMista>
${addresses.map((a) => `      <vf:AdresniMisto gml:id="AD.${a.kod}"><ami:Kod>${a.kod}</ami:Kod><ami:CisloDomovni>${a.so.cp}</ami:CisloDomovni>${a.co !== null ? `<ami:CisloOrientacni>${a.co}</ami:CisloOrientacni>` : ''}<ami:Psc>${PSC}</ami:Psc><ami:StavebniObjekt><soi:Kod>${a.so.kod}</soi:Kod></ami:StavebniObjekt>${a.ulice ? `<ami:Ulice><uli:Kod>${a.ulice.kod}</uli:Kod></ami:Ulice>` : ''}<ami:PlatiOd>${PLATI}</ami:PlatiOd>
        <ami:Geometrie><ami:DefinicniBod><ami:AdresniBod><gml:Point gml:id="DAM.${a.kod}.1" ${SRS}><gml:pos>${pos(a.point)}</gml:pos></gml:Point></ami:AdresniBod></ami:DefinicniBod></ami:Geometrie></vf:AdresniMisto>`).join('\n')}
    </vf:AdresniMista>
  </vf:Data>
</vf:VymennyFormat>
`;
writeFileSync(join(here, 'data/chomutov_ruian_synthetic_UKSH.xml'), xml);

// ČÚZK's address CSV: the real header, windows-1250, coordinates as positive S-JTSK Y (= −x) and X (= −y)
const HEADER = 'Kód ADM;Kód obce;Název obce;Kód MOMC;Název MOMC;Kód obvodu Prahy;Název obvodu Prahy;Kód části obce;Název části obce;Kód ulice;Název ulice;Typ SO;Číslo domovní;Číslo orientační;Znak čísla orientačního;PSČ;Souřadnice Y;Souřadnice X;Platí Od';
const inCsv = addresses.filter((a) => !a.ulice || ['Husova', 'Palackého', 'Žižkova'].includes(a.ulice.nazev));
const rows = inCsv.map((a) => {
  const cast = CASTI.find((c) => c.kod === a.so.cast)!;
  return [a.kod, OBEC.kod, OBEC.nazev, '', '', '', '', cast.kod, cast.nazev, a.ulice?.kod ?? '', a.ulice?.nazev ?? '', a.so.typ === 2 ? 'č.ev.' : 'č.p.',
    a.so.cp, a.co ?? '', '', PSC, (-a.point[0]!).toFixed(2), (-a.point[1]!).toFixed(2), PLATI].join(';');
});
const csv = [HEADER, ...rows].join('\r\n') + '\r\n';
const zip = new yazl.ZipFile();
zip.addBuffer(encodeCp1250(csv), 'synthetic_20261130_OB_562971_ADR.csv', { mtime: new Date('2026-11-30T00:00:00Z') });
zip.end();
const chunks: Buffer[] = [];
zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
zip.outputStream.on('end', () => writeFileSync(join(here, '../test/fixtures/ruian/synthetic_20261130_OB_562971_ADR.csv.zip'), Buffer.concat(chunks)));

// The city's property list (synthetic): every fourth plot, every street and a few gardens, some leased.
// Real lists carry the tenant; ours has the column too, so the import is tested to drop it.
const owned = parcels.filter((p, i) => !p.stavebni ? p.druh === 14 || i % 3 === 0 : i % 4 === 0);
const listRows = owned.map((p, i) => {
  const cislo = `${p.stavebni ? 'st. ' : ''}${p.kmen}${p.pod !== null ? `/${p.pod}` : ''}`;
  const leased = p.druh === 5 || (p.stavebni && i % 2 === 0);
  return [KU, cislo, leased ? 'ano' : 'ne', p.druh === 14 ? 'místní komunikace' : p.druh === 5 ? 'zahrada' : leased ? 'nebytové prostory' : '',
    leased ? `Nájemce ${i + 1} (syntetický)` : ''].join(';');
});
// a parcel that is not in the RÚIAN sample: reported by the import, not silently dropped
listRows.push([KU, '9999/1', 'ne', '', ''].join(';'));
writeFileSync(join(here, 'data/chomutov_majetek_mesta_synthetic.csv'),
  `# SYNTETICKÁ data: seznam pozemků ve vlastnictví města (etl/samples/generate-ruian-chomutov.ts)\nkod_ku;cislo_parcely;pronajato;ucel;najemce\n${listRows.join('\n')}\n`);

/** area of a simple ring (shoelace) in m² */
function area(ring: number[][]): number {
  let a = 0;
  for (let i = 1; i < ring.length; i++) a += ring[i - 1]![0]! * ring[i]![1]! - ring[i]![0]! * ring[i - 1]![1]!;
  return Math.abs(a / 2);
}

/** windows-1250 encoder from the platform's decoder (Node has no cp1250 TextEncoder). */
function encodeCp1250(text: string): Buffer {
  const dec = new TextDecoder('windows-1250');
  const table = new Map<string, number>();
  for (let b = 0; b < 256; b++) table.set(dec.decode(Uint8Array.of(b)), b);
  return Buffer.from([...text].map((ch) => {
    const b = table.get(ch);
    if (b === undefined) throw new Error(`"${ch}" has no windows-1250 byte`);
    return b;
  }));
}
