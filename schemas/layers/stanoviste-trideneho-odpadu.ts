import type { LayerSchema } from '../types.ts';
import { compact, ofnLocation, ofnQuantity, ofnText, OFN_NORMS, UNIT, type JsonObject, type OfnFeature } from '../ofn.ts';

const WASTE_TYPE = 'https://data.mvcr.gov.cz/zdroj/číselníky/typy-tříděného-odpadu/položky/';
/**
 * Our fractions → items of the MV code list "Typy tříděného odpadu". `plast` and `textil` are
 * the OFN's own examples; the others follow the list's naming and must be checked against the
 * published code list before NKOD registration (docs/open-data.md).
 */
const FRACTIONS: Record<string, string> = {
  papir: 'papír',
  plast: 'plast',
  sklo_barevne: 'barevné-sklo',
  sklo_cire: 'čiré-sklo',
  kovy: 'kovy',
  napojove_kartony: 'nápojové-kartony',
  bio: 'bioodpad',
  textil: 'textil',
  elektro: 'elektroodpad',
  oleje: 'jedlé-oleje-a-tuky',
};

/** One OFN container per fraction present at the site (the pasport counts containers per fraction), each pointing at the site. */
function containers(f: OfnFeature): JsonObject[] {
  const p = f.properties;
  const site = compact({
    typ: 'Stanoviště pro nádoby na tříděný odpad',
    iri: f.iri,
    název: ofnText(p.nazev),
    veřejná_přístupnost: p.pristup === 'volne' ? true : p.pristup === 'obyvatelum-domu' ? false : undefined,
    počet_nádob: ofnQuantity(p.pocet_kontejneru, UNIT.piece),
    umístění: ofnLocation(f),
  });
  const volume = ofnQuantity(p.objem_nadoby, UNIT.litre);
  const out: JsonObject[] = [];
  for (const [fraction, code] of Object.entries(FRACTIONS)) {
    const n = p[`pocet_${fraction}`];
    if (typeof n !== 'number' || n <= 0) continue;
    out.push(compact({
      typ: 'Nádoba na tříděný odpad',
      iri: `${f.iri}#nadoby-${fraction}`,
      typ_tříděného_odpadu: [WASTE_TYPE + code],
      objem: volume,
      stanoviště_pro_nádoby: [site],
    }));
  }
  // a site whose fractions are not recorded is still a place with containers
  if (!out.length) out.push({ typ: 'Nádoba na tříděný odpad', iri: `${f.iri}#nadoby`, stanoviště_pro_nádoby: [site] });
  return out;
}

/**
 * Sites of sorted-waste containers (stanoviště kontejnerů na tříděný odpad).
 * Attribute names follow the waste-container data of Czech cities (IPR Praha
 * ZPK_O_Kont_TOstan: číslo stanoviště, název, přístup) in Czech snake_case.
 */
export const stanovisteTridenehoOdpadu: LayerSchema = {
  id: 'stanoviste-trideneho-odpadu',
  title: { cs: 'Stanoviště tříděného odpadu', en: 'Sorted waste container sites' },
  description: {
    cs: 'Pasport stanovišť kontejnerů na tříděný odpad: poloha, číslo a název stanoviště, přístupnost, počet kontejnerů a stav.',
    en: 'Pasport of sorted-waste container sites: location, site number and name, access, number of containers and condition.',
  },
  theme: 'waste',
  keywords: {
    cs: ['odpady', 'tříděný odpad', 'kontejnery', 'pasport'],
    en: ['waste', 'sorted waste', 'containers', 'pasport'],
  },
  geometryType: 'Point',
  perMunicipality: true,
  attributes: [
    {
      name: 'cislo_stanoviste',
      type: 'text',
      label: { cs: 'Číslo stanoviště', en: 'Site number' },
      maxLength: 40,
      inTiles: true,
    },
    {
      name: 'nazev',
      type: 'text',
      label: { cs: 'Název (adresa)', en: 'Name (address)' },
      required: true,
      maxLength: 200,
      inTiles: true,
      isTitle: true,
    },
    {
      name: 'pristup',
      type: 'code',
      label: { cs: 'Přístup', en: 'Access' },
      codeList: [
        { code: 'volne', label: { cs: 'volně', en: 'public' }, color: '#1b7f3b' },
        { code: 'obyvatelum-domu', label: { cs: 'obyvatelům domu', en: 'residents only' }, color: '#b35900' },
      ],
      inTiles: true,
    },
    {
      name: 'pocet_kontejneru',
      type: 'integer',
      label: { cs: 'Počet kontejnerů', en: 'Number of containers' },
      min: 0,
      max: 100,
      unit: 'ks',
      inTiles: true,
    },
    {
      name: 'typ_nadob',
      type: 'code',
      label: { cs: 'Typ nádob', en: 'Container type' },
      codeList: [
        { code: 'nadzemni', label: { cs: 'nadzemní kontejnery', en: 'above-ground containers' }, color: '#1b7f3b' },
        { code: 'zvon', label: { cs: 'zvony', en: 'bell containers' }, color: '#2b83ba' },
        { code: 'polopodzemni', label: { cs: 'polopodzemní', en: 'semi-underground' }, color: '#756bb1' },
        { code: 'podzemni', label: { cs: 'podzemní', en: 'underground' }, color: '#54278f' },
      ],
    },
    { name: 'objem_nadoby', type: 'integer', label: { cs: 'Typický objem nádoby', en: 'Typical container volume' }, min: 0, max: 10_000, unit: 'l' },
    { name: 'objem_celkem', type: 'integer', label: { cs: 'Celkový objem nádob', en: 'Total container volume' }, min: 0, max: 200_000, unit: 'l' },
    // containers per waste fraction (komodita), as the OFN-style waste-site datasets of Czech cities list them
    ...(
      [
        ['papir', 'papír', 'paper'],
        ['plast', 'plasty', 'plastics'],
        ['sklo_barevne', 'sklo barevné', 'coloured glass'],
        ['sklo_cire', 'sklo čiré', 'clear glass'],
        ['kovy', 'kovy', 'metals'],
        ['napojove_kartony', 'nápojové kartony', 'beverage cartons'],
        ['bio', 'bioodpad', 'biowaste'],
        ['textil', 'textil', 'textiles'],
        ['elektro', 'drobný elektroodpad', 'small electrical waste'],
        ['oleje', 'jedlé oleje a tuky', 'cooking oil'],
      ] as const
    ).map(([k, cs, en]) => ({
      name: `pocet_${k}`,
      type: 'integer' as const,
      label: { cs: `Nádoby – ${cs}`, en: `Containers – ${en}` },
      min: 0,
      max: 50,
      unit: 'ks',
    })),
    {
      name: 'stav',
      type: 'code',
      label: { cs: 'Technický stav', en: 'Condition' },
      codeList: [
        { code: '1', label: { cs: '1 – výborný', en: '1 – excellent' }, color: '#1a9641' },
        { code: '2', label: { cs: '2 – dobrý', en: '2 – good' }, color: '#a6d96a' },
        { code: '3', label: { cs: '3 – vyhovující', en: '3 – fair' }, color: '#e6c200' },
        { code: '4', label: { cs: '4 – špatný', en: '4 – poor' }, color: '#fdae61' },
        { code: '5', label: { cs: '5 – havarijní', en: '5 – critical' }, color: '#d7191c' },
      ],
      inTiles: true,
    },
    {
      name: 'poznamka',
      type: 'text',
      label: { cs: 'Poznámka', en: 'Note' },
      maxLength: 1000,
    },
  ],
  minZoom: 10,
  maxZoom: 22,
  style: { color: '#1b7f3b', categorizeBy: 'pristup', radius: 5 },
  ofn: { norm: OFN_NORMS.nadobyNaTridenyOdpad, items: containers },
};
