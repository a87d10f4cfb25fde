/**
 * Generates the SYNTHETIC land-use plans (územní plány in the JSÚPD standard) of
 * three municipalities of ORP Chomutov: no real plan in the standard is
 * published openly. Each plan is a 200 m grid clipped to the (real) municipal
 * boundary: cells near the village centre are built-up (bydlení, smíšené,
 * občanské vybavení…), a ring around them holds development areas (Z), the rest
 * is landscape. Málkov also gets "Změna č. 1", which builds out two areas and
 * designates new ones. Written as vendors deliver them: shapefiles in S-JTSK,
 * DBF in windows-1250 without a .cpg, JSÚPD file and attribute names (Málkov in
 * the MMR spelling `CasH`, `Typ`, `Index`; the others in lower case).
 * Needs GDAL's ogr2ogr (dev-time only; the product reads the committed files).
 * Deterministic: the same input gives the same features.
 *   npx tsx etl/samples/landuse/generate-landuse.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openDatabase } from '../../../sql/connection.ts';
import { migrate } from '../../../sql/migrate.ts';
import { importFile } from '../../import.ts';
import { loadMapping } from '../../mapping.ts';

const here = dirname(fileURLToPath(import.meta.url));

const PLANS = [
  { kod: 563200, slug: 'malkov', mmrCase: true },
  { kod: 563277, slug: 'otvice', mmrCase: false },
  { kod: 563340, slug: 'sporice', mmrCase: false },
];

function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rnd: () => number, weighted: [T, number][]): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let r = rnd() * total;
  for (const [v, w] of weighted) if ((r -= w) < 0) return v;
  return weighted[0]![0];
}

interface Cell {
  key: string;
  d: number;
  geojson: string;
}

type Props = Record<string, string | number | null>;
interface Out {
  geometry: string;
  props: Props;
}

const database = await openDatabase({});
await migrate(database.db);
await importFile(database.db, {
  path: join(here, '../data/obce_orp_chomutov.geojson'),
  layerId: 'obce',
  mapping: loadMapping(join(here, '../../mappings/obce-ruian.json')),
});

for (const plan of PLANS) {
  const o = (
    await sql<{ obyvatel: number; nazev: string; cx: number; cy: number }>`
      SELECT obyvatel, nazev, ST_X(c) AS cx, ST_Y(c) AS cy
      FROM (SELECT obyvatel, nazev, ST_PointOnSurface(ST_Transform(geom, 5514)) AS c FROM layer_obce WHERE kod = ${plan.kod}) q`.execute(database.db)
  ).rows[0]!;
  const cells = (
    await sql<Cell>`
      WITH o AS (SELECT ST_Transform(geom, 5514) AS g FROM layer_obce WHERE kod = ${plan.kod})
      SELECT s.i || ':' || s.j AS key, ST_Distance(ST_Centroid(s.geom), ST_SetSRID(ST_Point(${o.cx}, ${o.cy}), 5514)) AS d,
        ST_AsGeoJSON(ST_Multi(ST_CollectionExtract(ST_Intersection(s.geom, o.g), 3)), 2) AS geojson
      FROM o, ST_SquareGrid(200, o.g) s
      WHERE ST_Intersects(s.geom, o.g) AND ST_Area(ST_Intersection(s.geom, o.g)) > 100
      ORDER BY s.i, s.j`.execute(database.db)
  ).rows;
  const builtRadius = 250 + Math.sqrt(o.obyvatel) * 12;
  const rnd = mulberry32(plan.kod);
  const ring = cells.filter((c) => c.d >= builtRadius && c.d < builtRadius + 300);
  const zCells = ring.filter(() => rnd() < 0.35).slice(0, 8);
  const extraZ = ring.filter((c) => !zCells.includes(c)).slice(0, 2);
  const built = cells.filter((c) => c.d < builtRadius);
  const pCells = built.filter(() => rnd() < 0.06).slice(0, 2);
  const landscape = cells.filter((c) => c.d >= builtRadius + 300);
  const kCell = landscape[Math.floor(rnd() * landscape.length)];
  const builtTypes: [string, number][] = [['BV', 60], ['SV', 15], ['OV', 5], ['PU', 8], ['VL', 5], ['ZS', 5], ['DS', 2]];
  const openTypes: [string, number][] = [['AU', 55], ['LU', 20], ['NU', 10], ['MU', 8], ['WU', 3], ['ZP', 4]];
  const typeOf = new Map(cells.map((c) => [c.key, pick(rnd, c.d < builtRadius ? builtTypes : openTypes)]));

  const lineEw = `{"type":"LineString","coordinates":[[${o.cx - 300},${o.cy + 40}],[${o.cx + 300},${o.cy + 40}]]}`;
  const lineNs = `{"type":"LineString","coordinates":[[${o.cx + 120},${o.cy - 1200}],[${o.cx + 120},${o.cy + 1200}]]}`;
  const geo = async (q: ReturnType<typeof sql<{ g: string }>>) => (await q.execute(database.db)).rows[0]!.g;
  const obec = sql`(SELECT ST_Transform(geom, 5514) FROM layer_obce WHERE kod = ${plan.kod})`;
  const vdPolygon = await geo(sql<{ g: string }>`SELECT ST_AsGeoJSON(ST_Multi(ST_Intersection(ST_Buffer(ST_SetSRID(ST_GeomFromGeoJSON(${lineEw}), 5514), 6, 'endcap=flat'), ${obec})), 2) AS g`);
  const corridor = await geo(sql<{ g: string }>`SELECT ST_AsGeoJSON(ST_Multi(ST_Intersection(ST_Buffer(ST_SetSRID(ST_GeomFromGeoJSON(${lineNs}), 5514), 50, 'endcap=flat'), ${obec})), 2) AS g`);
  const vtLine = await geo(sql<{ g: string }>`SELECT ST_AsGeoJSON(ST_Multi(ST_Intersection(ST_OffsetCurve(ST_SetSRID(ST_GeomFromGeoJSON(${lineEw}), 5514), -60), ${obec})), 2) AS g`);

  const versions = [{ change: null as number | null, label: 'Územní plán', effectiveFrom: plan.kod === 563200 ? '2019-05-15' : plan.kod === 563277 ? '2020-11-02' : '2021-06-30' }];
  if (plan.kod === 563200) versions.push({ change: 1, label: 'Změna č. 1', effectiveFrom: '2024-03-01' });

  for (const v of versions) {
    // Změna č. 1: Z1 and Z2 are built out (now existing housing inside the built-up area); two new areas are designated
    const builtOut = v.change ? zCells.slice(0, 2) : [];
    const zNow = v.change ? [...zCells.slice(2), ...extraZ] : zCells;
    const builtNow = [...built, ...builtOut];
    const zId = new Map(zCells.map((c, i) => [c.key, `Z${i + 1}`]));
    extraZ.forEach((c, i) => zId.set(c.key, `Z${zCells.length + i + 1}`));
    const names = plan.mmrCase ? { cash: 'CasH', typ: 'Typ', index: 'Index', id: 'Id' } : { cash: 'cash', typ: 'typ', index: 'index', id: 'id' };

    const rzv: Out[] = cells.map((c) => {
      const isZ = zNow.includes(c);
      const isP = pCells.includes(c);
      const isK = c === kCell;
      const typ = isZ ? 'BV' : isP ? 'SV' : isK ? 'NU' : builtOut.includes(c) ? 'BV' : typeOf.get(c.key)!;
      return { geometry: c.geojson, props: { [names.cash]: isZ || isP || isK ? 2 : 1, [names.typ]: typ, [names.index]: typ === 'BV' && c.d < 150 ? '1' : null } };
    });
    const zastavene = await geo(sql<{ g: string }>`SELECT ST_AsGeoJSON(ST_Multi(ST_Union(ST_GeomFromGeoJSON(g))), 2) AS g
      FROM unnest(${builtNow.map((c) => c.geojson)}::text[]) AS g`);
    const popis = (id: string) =>
      id.startsWith('Z') ? 'Zastavitelná plocha – bydlení v rodinných domech, příjezd z místní komunikace' : id.startsWith('P') ? 'Plocha přestavby – smíšené obytné území, původní areál' : 'Změna v krajině – přírodní plocha, obnova mokřadu';
    const zmeny: Out[] = [
      ...zNow.map((c) => ({ geometry: c.geojson, props: { [names.id]: zId.get(c.key)!, etapizace: zId.get(c.key) === 'Z3' ? 'E' : null, popis: popis('Z') } })),
      ...pCells.map((c, i) => ({ geometry: c.geojson, props: { [names.id]: `P${i + 1}`, etapizace: null, popis: popis('P') } })),
      ...(kCell ? [{ geometry: kCell.geojson, props: { [names.id]: 'K1', etapizace: null, popis: popis('K') } }] : []),
    ];
    const layers: Record<string, { nlt: string; features: Out[] }> = {
      ZastaveneUzemi_p: { nlt: 'MULTIPOLYGON', features: [{ geometry: zastavene, props: { obec_kod: plan.kod } }] },
      PlochyRZV_p: { nlt: 'MULTIPOLYGON', features: rzv },
      PlochyZmen_p: { nlt: 'MULTIPOLYGON', features: zmeny },
      VpsVpoAs_p: { nlt: 'MULTIPOLYGON', features: [{ geometry: vdPolygon, props: { [names.id]: 'VD1' } }] },
      VpsVpoAs_l: { nlt: 'MULTILINESTRING', features: [{ geometry: vtLine, props: { [names.id]: 'VT1' } }] },
      KoridoryP_p: { nlt: 'MULTIPOLYGON', features: [{ geometry: corridor, props: { [names.id]: 'CPZ1' } }] },
    };
    const dir = join(here, `${plan.kod}-${plan.slug}`, v.change ? `zmena-${v.change}` : 'up');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const tmp = mkdtempSync(join(tmpdir(), 'landuse-'));
    for (const [name, layer] of Object.entries(layers)) {
      const fc = {
        type: 'FeatureCollection',
        crs: { type: 'name', properties: { name: 'EPSG:5514' } },
        features: layer.features.map((f) => ({ type: 'Feature', properties: f.props, geometry: JSON.parse(f.geometry) })),
      };
      writeFileSync(join(tmp, `${name}.geojson`), JSON.stringify(fc));
      execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', join(dir, `${name}.shp`), join(tmp, `${name}.geojson`), '-a_srs', 'EPSG:5514', '-nlt', layer.nlt, '-lco', 'ENCODING=CP1250', '-nln', name]);
      rmSync(join(dir, `${name}.cpg`), { force: true });
    }
    rmSync(tmp, { recursive: true, force: true });
    writeFileSync(
      join(dir, 'plan.json'),
      JSON.stringify({ municipality: plan.kod, municipalityName: o.nazev, label: v.label, changeNumber: v.change, effectiveFrom: v.effectiveFrom, synthetic: true }, null, 2) + '\n',
    );
    console.log(`${o.nazev} ${v.label}: ${rzv.length} RZV areas, ${zmeny.length} change areas → ${dir}`);
  }
}
await database.close();
