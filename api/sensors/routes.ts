import Router from '@koa/router';
import type { Context } from 'koa';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'kysely';
import type { Database } from '../../sql/connection.ts';
import { getQuantity, QUANTITIES } from '../../etl/sensors/quantities.ts';
import { loadAlertRules, STALE_RULE, type AlertRules } from '../../etl/sensors/alerts.ts';
import { loadSensorConfig } from '../../etl/sensors/config.ts';
import { sensorTable } from '../../etl/sensors/registry.ts';
import { BadParameter, NotFound } from '../problem.ts';
import { aggregateObservations, alerts, layerCounts, municipalityName, rawObservations, sensorFeatures } from './queries.ts';
import { one, parseAggregate, parseDay, parseInstant } from './params.ts';
import { SensorEventHub } from './events.ts';
import { registerDataset } from '../../data-catalog/registry.ts';

const CSV = 'text/csv; charset=utf-8';
const MAX_RAW = 50_000;

function wantsCsv(ctx: Context): boolean {
  const f = one(ctx.query.f);
  if (f !== undefined && f !== 'csv' && f !== 'json') throw new BadParameter('f', 'f must be csv or json');
  return f === 'csv' || (f === undefined && ctx.accepts('application/json', 'text/csv') === 'text/csv');
}

function intParam(ctx: Context, name: string, def: number, min: number, max: number): number {
  const v = one(ctx.query[name]);
  if (v === undefined || v === '') return def;
  // digits only: Number() would also take 0x10, 1e3 and ' 7 '
  const n = /^-?\d{1,15}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new BadParameter(name, `${name} must be an integer ${min}–${max}`);
  return n;
}

function ruleLabel(rules: AlertRules, id: string): { cs: string; en: string } {
  return id === STALE_RULE.id ? STALE_RULE.label : (rules.rules.find((r) => r.id === id)?.label ?? { cs: id, en: id });
}

/** /api/sensors…, /api/alerts…: sensors with latest values, their time series, alerts and the live stream. */
export function sensorRoutes(database: Database, opts: { rules?: AlertRules } = {}): Router & { hub: SensorEventHub } {
  const db = database.db;
  const rules = opts.rules ?? loadAlertRules(loadSensorConfig().alertRulesFile);
  const hub = new SensorEventHub(database);
  const router = new Router() as Router & { hub: SensorEventHub };
  router.hub = hub;

  router.get('/api/sensors', async (ctx) => {
    const kod = one(ctx.query.municipality);
    // a RÚIAN municipality code has six digits; anything else (1e309, 2^31, 0x10) never reaches SQL
    if (kod !== undefined && !/^\d{6}$/.test(kod)) throw new BadParameter('municipality', 'municipality must be a six-digit RÚIAN code');
    const municipality = kod === undefined ? undefined : Number(kod);
    const features = await sensorFeatures(db, { municipality });
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = 'application/geo+json';
    ctx.body = { type: 'FeatureCollection', features, quantities: Object.fromEntries(QUANTITIES.map((q) => [q.code, { label: q.label, unit: q.unit, decimals: q.decimals }])), rules: Object.fromEntries([STALE_RULE, ...rules.rules].map((r) => [r.id, { label: r.label, severity: r.severity }])) };
  });

  // open data: one UTC day of all observations
  router.get('/api/sensors/observations/daily/:file', async (ctx) => {
    const file = ctx.params.file!;
    const { from, to } = file === 'latest.csv' ? lastCompleteDay() : parseDay(file);
    const rows = await rawObservations(db, { from, to, limit: 5_000_000 });
    ctx.set('Cache-Control', to.getTime() < Date.now() ? 'public, max-age=3600' : 'no-cache');
    ctx.set('Content-Disposition', `attachment; filename="senzory-pozorovani-${from.toISOString().slice(0, 10)}.csv"`);
    ctx.type = CSV;
    ctx.body = stringify(
      rows.map((r) => [r.sensor_id, r.quantity, getQuantity(r.quantity)?.unit ?? '', r.time, r.value]),
      { header: true, columns: ['sensor_id', 'quantity', 'unit', 'time', 'value'] },
    );
  });

  router.get('/api/sensors/:id', async (ctx) => {
    const [f] = await sensorFeatures(db, { id: ctx.params.id! });
    if (!f) throw new NotFound(`no sensor ${ctx.params.id}`);
    ctx.type = 'application/geo+json';
    ctx.body = f;
  });

  router.get('/api/sensors/:id/observations', async (ctx) => {
    const id = ctx.params.id!;
    const [sensor] = await sensorFeatures(db, { id });
    if (!sensor) throw new NotFound(`no sensor ${id}`);
    const quantity = one(ctx.query.quantity) || undefined;
    if (quantity !== undefined && !getQuantity(quantity)) throw new BadParameter('quantity', `unknown quantity "${quantity}"; known: ${QUANTITIES.map((q) => q.code).join(', ')}`);
    const now = new Date();
    const to = parseInstant('to', one(ctx.query.to), now);
    const from = parseInstant('from', one(ctx.query.from), new Date(to.getTime() - 86_400_000));
    if (from >= to) throw new BadParameter('from', 'from must be before to');
    const aggregate = parseAggregate(one(ctx.query.aggregate));
    const csv = wantsCsv(ctx);
    ctx.set('Cache-Control', 'no-cache');
    if (aggregate) {
      const rows = await aggregateObservations(db, { sensorId: id, quantity, from, to, aggregate });
      if (csv) {
        ctx.type = CSV;
        ctx.body = stringify(rows.map((r) => [id, r.quantity, getQuantity(r.quantity)?.unit ?? '', r.time, r.min, r.max, r.avg, r.count]), { header: true, columns: ['sensor_id', 'quantity', 'unit', 'window_start', 'min', 'max', 'avg', 'count'] });
        return;
      }
      ctx.body = { sensor: id, from: from.toISOString(), to: to.toISOString(), aggregate, series: group(rows, (r) => ({ time: r.time, min: r.min, max: r.max, avg: r.avg, count: r.count })) };
      return;
    }
    const limit = intParam(ctx, 'limit', 10_000, 1, MAX_RAW);
    const rows = await rawObservations(db, { sensorId: id, quantity, from, to, limit });
    if (csv) {
      ctx.type = CSV;
      ctx.body = stringify(rows.map((r) => [id, r.quantity, getQuantity(r.quantity)?.unit ?? '', r.time, r.value]), { header: true, columns: ['sensor_id', 'quantity', 'unit', 'time', 'value'] });
      return;
    }
    ctx.body = { sensor: id, from: from.toISOString(), to: to.toISOString(), aggregate: null, limit, series: group(rows, (r) => ({ time: r.time, value: r.value })) };
  });

  router.get('/api/sensors/municipalities/:kod', async (ctx) => {
    const kod = /^\d{6}$/.test(ctx.params.kod!) ? Number(ctx.params.kod) : NaN;
    if (!Number.isInteger(kod) || kod < 500000 || kod > 999999) throw new BadParameter('kod', 'kod must be a six-digit RÚIAN municipality code');
    const name = await municipalityName(db, kod);
    if (!name) throw new NotFound(`no municipality ${kod} in ORP Chomutov`);
    const [features, open, counts] = await Promise.all([sensorFeatures(db, { municipality: kod }), alerts(db, { open: true, limit: 1000, municipality: kod }), layerCounts(db, kod)]);
    const byState: Record<string, number> = { ok: 0, alert: 0, stale: 0, unknown: 0 };
    for (const f of features) byState[String(f.properties.stav ?? 'unknown')] = (byState[String(f.properties.stav ?? 'unknown')] ?? 0) + 1;
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = {
      kod,
      nazev: name,
      sensors: { total: features.length, ...byState },
      alerts: { open: open.length, stale: open.filter((a) => a.rule_id === STALE_RULE.id).length, items: open.map((a) => ({ ...a, label: ruleLabel(rules, a.rule_id) })) },
      layers: counts,
    };
  });

  router.get('/api/alerts', async (ctx) => {
    const limit = intParam(ctx, 'limit', 100, 1, 1000);
    const sensorId = one(ctx.query.sensor) || undefined;
    const [current, history] = await Promise.all([alerts(db, { open: true, limit: 1000, sensorId }), alerts(db, { open: false, limit, sensorId })]);
    const label = (a: (typeof current)[number]) => ({ ...a, label: ruleLabel(rules, a.rule_id) });
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = { current: current.map(label), history: history.map(label) };
  });

  router.get('/api/alerts/stream', async (ctx) => {
    await hub.ready();
    // written straight to the socket: a stream body would make Koa log every client leaving as an error
    ctx.respond = false;
    const res = ctx.res;
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    let n = 0;
    const send = (event: string, data: unknown) => res.write(`id: ${++n}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    res.write('retry: 2000\n\n');
    send('hello', { time: new Date().toISOString() });
    const off = hub.subscribe((e) => {
      if (e.refresh) send('refresh', {});
      if (e.sensors.length) send('latest', e.sensors);
      if (e.alerts.length) send('alerts', e.alerts.map((a) => ({ ...a, label: ruleLabel(rules, a.ruleId) })));
    });
    // comments keep proxies from closing an idle stream
    const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
    res.on('close', () => {
      clearInterval(ping);
      off();
    });
  });

  return router;
}

function group<T extends { quantity: string }, P>(rows: T[], point: (r: T) => P): { quantity: string; unit: string; points: P[] }[] {
  const m = new Map<string, P[]>();
  for (const r of rows) m.set(r.quantity, [...(m.get(r.quantity) ?? []), point(r)]);
  return [...m].map(([quantity, points]) => ({ quantity, unit: getQuantity(quantity)?.unit ?? '', points }));
}

function lastCompleteDay(): { from: Date; to: Date } {
  const today = new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00Z');
  return { from: new Date(today.getTime() - 86_400_000), to: today };
}

/** Registers the observations as an open dataset in the DCAT catalogue (if the catalogue module is present). */
export function registerObservationsDataset(database: Database): void {
  const db = database.db;
  registerDataset({
    id: 'pozorovani-senzoru',
    title: { cs: 'Pozorování senzorů', en: 'Sensor observations' },
    description: {
      cs: 'Naměřené hodnoty senzorů města a obcí ORP Chomutov (meteo, náledí, ovzduší, hladiny, parkování). Denní soubor CSV za každý den (UTC): /api/sensors/observations/daily/RRRR-MM-DD.csv; distribuce odkazuje na poslední úplný den.',
      en: 'Measured values of the sensors of the city and municipalities of ORP Chomutov (weather, road ice, air, water levels, parking). One CSV file per UTC day: /api/sensors/observations/daily/YYYY-MM-DD.csv; the distribution points to the last complete day.',
    },
    keywords: { cs: ['senzory', 'IoT', 'meteo', 'kvalita ovzduší', 'náledí'], en: ['sensors', 'IoT', 'weather', 'air quality', 'road ice'] },
    euThemes: ['ENVI', 'TRAN'],
    frequency: 'DAILY',
    municipalities: async () =>
      (await sql<{ kod: number }>`SELECT DISTINCT municipality_code AS kod FROM ${sensorTable()} WHERE municipality_code IS NOT NULL ORDER BY 1`.execute(db)).rows.map((r) => r.kod),
    modified: async () => {
      const r = await sql<{ t: Date | null }>`SELECT max(time) AS t FROM sensor_latest`.execute(db);
      return r.rows[0]?.t ? new Date(r.rows[0].t) : new Date(0);
    },
    distributions: [
      { id: 'csv-denni', title: { cs: 'CSV – poslední úplný den', en: 'CSV – last complete day' }, path: '/api/sensors/observations/daily/latest.csv', mediaType: 'text/csv', euFileType: 'CSV' },
    ],
  });
}
