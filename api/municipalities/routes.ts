import type { Context } from 'koa';
import type { Database } from '../../sql/connection.ts';
import type { Localized } from '../../schemas/index.ts';
import { BadParameter, NotFound } from '../problem.ts';
import { apiBase } from '../links.ts';
import { DocumentedRouter, problemResponse } from '../openapi/registry.ts';
import { loadAlertRules, STALE_RULE, type AlertRules } from '../../etl/sensors/alerts.ts';
import { loadSensorConfig } from '../../etl/sensors/config.ts';
import { municipalitySummary } from './summary.ts';

/** The municipality dashboard's numbers in one call (issue 18.7). */
export function municipalityApi(database: Database, opts: { rules?: AlertRules } = {}): DocumentedRouter {
  const api = new DocumentedRouter();
  let rules = opts.rules;
  const label = (id: string): Localized => {
    rules ??= loadAlertRules(loadSensorConfig().alertRulesFile);
    return id === STALE_RULE.id ? STALE_RULE.label : (rules.rules.find((r) => r.id === id)?.label ?? { cs: id, en: id });
  };
  api.get(
    {
      path: '/municipalities/{kod}/summary',
      operationId: 'municipalitySummary',
      summary: 'Dashboard of a municipality: features by state, changes in 30 days, current closures, sensor alerts with history, data freshness per layer, open datasets',
      tags: ['Municipalities'],
      parameters: [{ name: 'kod', in: 'path', required: true, description: 'RÚIAN code of the municipality (six digits)', schema: { type: 'string', pattern: '^\\d{6}$' }, example: '562971' }],
      responses: {
        '200': { description: 'The summary', content: { 'application/json': {} } },
        '400': problemResponse('Not a municipality code'),
        '404': problemResponse('No such municipality in ORP Chomutov'),
      },
    },
    async (ctx: Context) => {
      const raw = String(ctx.params.kod ?? '');
      if (!/^\d{6}$/.test(raw)) throw new BadParameter('kod', 'kod must be a six-digit RÚIAN municipality code');
      const s = await municipalitySummary(database.db, Number(raw), { apiBase: apiBase(ctx), label });
      if (!s) throw new NotFound(`no municipality ${raw} in ORP Chomutov`);
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = s;
    },
  );
  return api;
}
