import Router from '@koa/router';
import { sql, type Kysely } from 'kysely';
import { getLayer } from '../../schemas/index.ts';
import { LANDUSE_LAYER_IDS } from '../../etl/landuse.ts';
import { BadParameter, NotFound } from '../problem.ts';
import { apiBase } from '../links.ts';

interface VersionRow {
  id: number;
  label: string;
  change_number: number | null;
  effective_from: string;
  synthetic: boolean;
  is_current: boolean;
  imported_at: Date;
}

function municipalityParam(raw: string): number {
  if (!/^\d{6}$/.test(raw)) throw new BadParameter('municipality', 'municipality must be a 6-digit RÚIAN code');
  return Number(raw);
}

/**
 * Versions of the municipalities' land-use plans. The layer tables (and so the
 * collections and tiles) hold the current version; every version, current or
 * earlier, is served from the archive here.
 */
export function landuseRoutes(db: Kysely<any>): Router {
  const router = new Router();

  router.get('/api/landuse/:municipality/versions', async (ctx) => {
    const municipality = municipalityParam(ctx.params.municipality!);
    const rows = (
      await sql<VersionRow>`SELECT id, label, change_number, to_char(effective_from, 'YYYY-MM-DD') AS effective_from, synthetic, is_current, imported_at
        FROM landuse_plan_version WHERE municipality_code = ${municipality} ORDER BY effective_from, id`.execute(db)
    ).rows;
    if (rows.length === 0) throw new NotFound(`no land-use plan is stored for municipality ${municipality}`);
    const base = `${apiBase(ctx)}/landuse/${municipality}/versions`;
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = {
      municipality,
      versions: rows.map((r) => ({
        id: r.id,
        label: r.label,
        changeNumber: r.change_number,
        effectiveFrom: r.effective_from,
        current: r.is_current,
        synthetic: r.synthetic,
        importedAt: new Date(r.imported_at).toISOString(),
        links: LANDUSE_LAYER_IDS.map((l) => ({ rel: 'item', type: 'application/geo+json', title: getLayer(l)!.title.cs, href: `${base}/${r.id}/${l}` })),
      })),
    };
  });

  router.get('/api/landuse/:municipality/versions/:versionId/:layerId', async (ctx) => {
    const municipality = municipalityParam(ctx.params.municipality!);
    if (!/^\d{1,12}$/.test(ctx.params.versionId!)) throw new BadParameter('versionId', 'version id must be a number');
    const layerId = ctx.params.layerId!;
    if (!LANDUSE_LAYER_IDS.includes(layerId)) throw new NotFound(`"${layerId}" is not a land-use plan layer (${LANDUSE_LAYER_IDS.join(', ')})`);
    const version = (
      await sql<VersionRow>`SELECT id, label, change_number, to_char(effective_from, 'YYYY-MM-DD') AS effective_from, synthetic, is_current, imported_at
        FROM landuse_plan_version WHERE id = ${Number(ctx.params.versionId)} AND municipality_code = ${municipality}`.execute(db)
    ).rows[0];
    if (!version) throw new NotFound(`municipality ${municipality} has no plan version ${ctx.params.versionId}`);
    const rows = (
      await sql<{ source_id: string; properties: Record<string, unknown>; geometry: string }>`
        SELECT source_id, properties, ST_AsGeoJSON(geom, 7) AS geometry FROM landuse_archive
        WHERE version_id = ${version.id} AND layer_id = ${layerId} ORDER BY source_id`.execute(db)
    ).rows;
    const layer = getLayer(layerId)!;
    ctx.type = 'application/geo+json';
    ctx.set('Cache-Control', version.is_current ? 'no-cache' : 'public, max-age=86400');
    ctx.body = {
      type: 'FeatureCollection',
      name: layerId,
      planVersion: { id: version.id, label: version.label, changeNumber: version.change_number, effectiveFrom: version.effective_from, current: version.is_current, synthetic: version.synthetic },
      numberReturned: rows.length,
      features: rows.map((r) => ({
        type: 'Feature',
        id: r.source_id,
        // archived values are text; give them back their schema types
        properties: Object.fromEntries(layer.attributes.filter((a) => a.name in r.properties).map((a) => [a.name, typed(a.type, r.properties[a.name])])),
        geometry: JSON.parse(r.geometry),
      })),
    };
  });
  return router;
}

function typed(type: string, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'integer' || type === 'number') return Number(v);
  if (type === 'boolean') return v === true || v === 'true';
  return v;
}
