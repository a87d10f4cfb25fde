import Router from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import { BadParameter, HttpProblem, NotFound } from '../problem.ts';
import { Forbidden, requirePrincipal } from '../auth/middleware.ts';
import { actorOf, type Principal } from '../auth/principal.ts';
import { exportDtm, InvalidDelivery, UnknownMunicipality, type DtmExportResult } from '../../etl/dtm/export.ts';
import { XmllintMissing } from '../../etl/dtm/validate.ts';

/** Staff of the municipality (its editors) and administrators; a pasport's DTM delivery is theirs to make. */
export function canDeliverDtm(p: Principal, municipality: number): boolean {
  return p.role === 'admin' || (p.role === 'municipality_editor' && p.municipalityCode === municipality);
}

function fileParam(raw: string, record: boolean): { municipality: number; format: 'xml' | 'json' } {
  const m = /^(\d{6})\.(xml|json)$/.exec(raw);
  if (!m || (record && m[2] === 'json')) throw new BadParameter('municipality', 'the path is /api/dtm/{6-digit RÚIAN code}.xml (GET also .json: the report without the file)');
  return { municipality: Number(m[1]), format: m[2] as 'xml' | 'json' };
}

function changesParam(ctx: Context): boolean {
  const v = ctx.query.changes;
  if (v === undefined) return false;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new BadParameter('changes', 'changes is true or false');
}

/**
 * JVF DTM deliveries of a municipality (etl/dtm/export.ts). GET returns the file without recording
 * it (a preview: what the next delivery would be; `.json` its report with the unmappable features); POST makes the delivery: the file is recorded,
 * and the next change delivery starts from it. Both refuse a file the XSD set rejects.
 */
export function dtmRoutes(db: Kysely<any>): Router {
  const router = new Router();
  const handle = (record: boolean) => async (ctx: Context) => {
    const { municipality, format } = fileParam(String(ctx.params.file), record);
    const changes = changesParam(ctx);
    const p = requirePrincipal(ctx);
    if (!canDeliverDtm(p, municipality)) throw new Forbidden(`only staff of municipality ${municipality} or an administrator may export its DTM data`);
    let r: DtmExportResult;
    try {
      r = await exportDtm(db, { municipality, kind: changes ? 'changes' : 'complete', record, actor: actorOf(p) });
    } catch (e) {
      if (e instanceof UnknownMunicipality) throw new NotFound(e.message);
      if (e instanceof InvalidDelivery)
        throw new HttpProblem(500, 'Internal Server Error', 'the generated JVF DTM file fails XSD validation; nothing was delivered', { errors: e.result.validation.errors });
      if (e instanceof XmllintMissing) throw new HttpProblem(503, 'Service Unavailable', e.message);
      throw e;
    }
    if (format === 'json') {
      // the report of the delivery the file would be: counts and the features that cannot be mapped
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { municipality: r.municipality, kind: r.kind, previousDelivery: r.previousDeliveryId ?? null, records: r.counts, valid: r.validation.valid, unmapped: r.unmapped };
      return;
    }
    const stamp = new Date().toISOString().slice(0, 10);
    ctx.set('Content-Disposition', `attachment; filename="dtm-${municipality}-${r.kind === 'complete' ? 'kompletni' : 'zmeny'}-${stamp}.xml"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-DTM-Kind', r.kind);
    ctx.set('X-DTM-Records', `i=${r.counts.i}, u=${r.counts.u}, d=${r.counts.d}`);
    ctx.set('X-DTM-Unmapped', String(r.unmapped.length));
    if (r.deliveryId) ctx.set('X-DTM-Delivery', String(r.deliveryId));
    ctx.type = 'application/xml; charset=utf-8';
    ctx.body = r.xml;
  };
  router.get('/api/dtm/:file', handle(false));
  router.post('/api/dtm/:file', handle(true));
  return router;
}
