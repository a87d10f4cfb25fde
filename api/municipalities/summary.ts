import { sql, type Kysely } from 'kysely';
import { layers, tableName, titleAttribute, type CodeAttribute, type LayerSchema, type Localized } from '../../schemas/index.ts';
import { datasetMetadata, FREQUENCY_LABELS } from '../../data-catalog/metadata.ts';
import { FREQUENCY_MAX_AGE_DAYS } from '../../data-catalog/vocab.ts';
import { alerts, municipalityName, type AlertRow } from '../sensors/queries.ts';
import { isStale } from '../catalog/portal.ts';
import { pragueToday, publicInformation, type InfoItem } from '../public-information/items.ts';
import { PUBLIC_INFORMATION_LAYERS } from '../../schemas/layers/_verejne-informace.ts';

/** The window of "what changed lately" on the dashboard. */
export const CHANGE_DAYS = 30;

export interface MunicipalitySummary {
  kod: number;
  nazev: string;
  generatedAt: string;
  /** pasports of the municipality: features in total and by their state (the layer's `stav`, else its categorising code list) */
  infrastructure: { layer: string; title: Localized; total: number; stateAttribute: string | null; byState: { code: string | null; label: Localized | null; count: number }[] }[];
  changes: { days: number; since: string; total: number; byLayer: { layer: string; title: Localized; count: number }[]; latest: { layer: string; id: number; title: string; changedAt: string }[] };
  closures: { now: number; planned: number; items: InfoItem[] };
  alerts: { open: number; items: (AlertRow & { label: Localized })[]; history: (AlertRow & { label: Localized })[] };
  /** per layer: the last successful import, the last change, the declared frequency and whether the data is older than it allows */
  freshness: { layer: string; title: Localized; lastImport: string | null; modified: string | null; frequency: { code: string; label: Localized }; maxAgeDays: number | null; stale: boolean | null }[];
  /** open datasets with features in this municipality, with the municipality's own downloads */
  datasets: { id: string; title: Localized; count: number; page: string; downloads: { format: string; url: string }[] }[];
}

/** Public per-municipality layers except the closures (they have their own section). */
function pasports(): LayerSchema[] {
  return layers.filter((l) => l.perMunicipality && l.public !== false && !(PUBLIC_INFORMATION_LAYERS as readonly string[]).includes(l.id));
}

export function stateAttribute(layer: LayerSchema): CodeAttribute | undefined {
  const codes = layer.attributes.filter((a): a is CodeAttribute => a.type === 'code');
  return codes.find((a) => a.name === 'stav') ?? codes.find((a) => a.name === layer.style.categorizeBy);
}

/**
 * Everything the municipality dashboard shows, in one answer (`/api/municipalities/{kód}/summary`
 * and `/obec/{kód}` read the same). Feature changes are read from the layers' `updated_at` (the
 * time of the last write), not from the history tables.
 */
export async function municipalitySummary(
  db: Kysely<any>,
  kod: number,
  opts: { apiBase: string; label: (ruleId: string) => Localized; now?: Date },
): Promise<MunicipalitySummary | undefined> {
  const nazev = await municipalityName(db, kod);
  if (!nazev) return undefined;
  const now = opts.now ?? new Date();
  const since = new Date(now.getTime() - CHANGE_DAYS * 86_400_000);
  const ls = pasports();

  const stateParts = ls.map((l) => {
    const a = stateAttribute(l);
    const state = a ? sql`${sql.ref(`t.${a.name}`)}::text` : sql`NULL::text`;
    return sql`SELECT ${l.id}::text AS layer, ${state} AS code, count(*)::int AS n, count(*) FILTER (WHERE t.updated_at >= ${since.toISOString()}::timestamptz)::int AS changed
      FROM ${sql.raw(tableName(l))} t WHERE t.municipality_code = ${kod} GROUP BY 2`;
  });
  const latestParts = ls.map((l) => {
    const title = titleAttribute(l);
    return sql`(SELECT ${l.id}::text AS layer, t.fid, ${title ? sql`${sql.ref(`t.${title.name}`)}::text` : sql`NULL::text`} AS title, t.updated_at
      FROM ${sql.raw(tableName(l))} t WHERE t.municipality_code = ${kod} AND t.updated_at >= ${since.toISOString()}::timestamptz ORDER BY t.updated_at DESC LIMIT 20)`;
  });
  const [states, latest, fresh, closuresNow, closuresPlanned, open, history] = await Promise.all([
    sql<{ layer: string; code: string | null; n: number; changed: number }>`${sql.join(stateParts, sql` UNION ALL `)}`.execute(db),
    sql<{ layer: string; fid: number; title: string | null; updated_at: Date }>`SELECT * FROM (${sql.join(latestParts, sql` UNION ALL `)}) x ORDER BY updated_at DESC, layer, fid LIMIT 20`.execute(db),
    sql<{ layer_id: string; modified_at: Date; finished_at: Date | null }>`
      SELECT s.layer_id, s.modified_at, (SELECT max(r.finished_at) FROM etl_run r WHERE r.layer_id = s.layer_id AND r.status = 'succeeded') AS finished_at
      FROM layer_state s`.execute(db),
    publicInformation(db, { when: 'now', today: pragueToday(now), municipality: kod }),
    publicInformation(db, { when: 'planned', today: pragueToday(now), municipality: kod }),
    alerts(db, { open: true, limit: 1000, municipality: kod }),
    alerts(db, { open: false, limit: 50, municipality: kod }),
  ]);

  const byLayer = new Map<string, { code: string | null; n: number; changed: number }[]>();
  for (const r of states.rows) byLayer.set(r.layer, [...(byLayer.get(r.layer) ?? []), r]);
  const freshness = new Map(fresh.rows.map((r) => [r.layer_id, r]));

  const infrastructure = ls.map((l) => {
    const rows = byLayer.get(l.id) ?? [];
    const a = stateAttribute(l);
    const order = (c: string | null) => (a ? (c === null ? Infinity : a.codeList.findIndex((x) => x.code === c)) : 0);
    return {
      layer: l.id,
      title: l.title,
      total: rows.reduce((s, r) => s + r.n, 0),
      stateAttribute: a?.name ?? null,
      byState: a
        ? [...rows].sort((x, y) => order(x.code) - order(y.code)).map((r) => ({ code: r.code, label: a.codeList.find((c) => c.code === r.code)?.label ?? null, count: r.n }))
        : [],
    };
  });
  const changedBy = ls.map((l) => ({ layer: l.id, title: l.title, count: (byLayer.get(l.id) ?? []).reduce((s, r) => s + r.changed, 0) }));
  const withLabel = (a: AlertRow) => ({ ...a, label: opts.label(a.rule_id) });

  return {
    kod,
    nazev,
    generatedAt: now.toISOString(),
    infrastructure,
    changes: {
      days: CHANGE_DAYS,
      since: since.toISOString(),
      total: changedBy.reduce((s, x) => s + x.count, 0),
      byLayer: changedBy.filter((x) => x.count > 0),
      latest: latest.rows.map((r) => ({ layer: r.layer, id: Number(r.fid), title: r.title ?? `#${r.fid}`, changedAt: new Date(r.updated_at).toISOString() })),
    },
    closures: { now: closuresNow.length, planned: closuresPlanned.length, items: closuresNow },
    alerts: { open: open.length, items: open.map(withLabel), history: history.map(withLabel) },
    freshness: ls.map((l) => {
      const f = freshness.get(l.id);
      const frequency = datasetMetadata(l).frequency;
      const modified = f ? new Date(f.modified_at) : null;
      return {
        layer: l.id,
        title: l.title,
        lastImport: f?.finished_at ? new Date(f.finished_at).toISOString() : null,
        modified: modified?.toISOString() ?? null,
        frequency: { code: frequency, label: FREQUENCY_LABELS[frequency] },
        maxAgeDays: FREQUENCY_MAX_AGE_DAYS[frequency] ?? null,
        // a layer never loaded is not "stale": it has no data to be old
        stale: f?.finished_at || infrastructure.find((x) => x.layer === l.id)!.total > 0 ? isStale(frequency, modified ?? new Date(0), now) : null,
      };
    }),
    datasets: infrastructure
      .filter((x) => x.total > 0)
      .map((x) => ({
        id: x.layer,
        title: x.title,
        count: x.total,
        page: `/data/${x.layer}`,
        downloads: ['geojson', 'gpkg', 'csv'].map((ext) => ({ format: ext, url: `${opts.apiBase}/downloads/obec/${kod}/${x.layer}.${ext}` })),
      })),
  };
}
