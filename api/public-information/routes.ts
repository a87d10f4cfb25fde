import type { Context } from 'koa';
import type { Database } from '../../sql/connection.ts';
import { BadParameter } from '../problem.ts';
import { apiBase } from '../links.ts';
import { single } from '../features/params.ts';
import { DocumentedRouter, problemResponse, type ParameterDef } from '../openapi/registry.ts';
import { pragueToday, publicInformation, WHEN, type When } from './items.ts';
import { calendar, feed } from './feeds.ts';

const MUNICIPALITY: ParameterDef = { name: 'obec', in: 'query', description: 'Only this municipality (RÚIAN code)', schema: { type: 'integer', minimum: 1 }, example: 562971 };

function municipalityOf(ctx: Context): number | undefined {
  const raw = single(ctx.query as Record<string, string | string[] | undefined>, 'obec');
  if (raw === undefined) return undefined;
  if (!/^\d{6}$/.test(raw)) throw new BadParameter('obec', 'obec must be a six-digit RÚIAN municipality code');
  return Number(raw);
}

/** Closures and events of the three layers together, and their calendar and news feeds (issue 18.6). */
export function publicInformationApi(database: Database): DocumentedRouter {
  const api = new DocumentedRouter();
  const site = (ctx: Context) => apiBase(ctx).replace(/\/api$/, '');

  api.get(
    {
      path: '/public-information',
      operationId: 'publicInformation',
      summary: 'Closures and events (places, street sections, areas) valid now, planned, past, or now and planned',
      tags: ['Public information'],
      parameters: [
        { name: 'when', in: 'query', description: 'now: valid today (Prague); planned: starting later; past: ended; upcoming: now and planned', schema: { type: 'string', enum: [...WHEN], default: 'now' } },
        MUNICIPALITY,
      ],
      responses: { '200': { description: 'GeoJSON FeatureCollection; each feature names its collection', content: { 'application/geo+json': {} } }, '400': problemResponse('Invalid parameter') },
    },
    async (ctx: Context) => {
      const raw = single(ctx.query as Record<string, string | string[] | undefined>, 'when') ?? 'now';
      if (!(WHEN as readonly string[]).includes(raw)) throw new BadParameter('when', `when must be one of ${WHEN.join(', ')}`);
      const today = pragueToday();
      const items = await publicInformation(database.db, { when: raw as When, today, municipality: municipalityOf(ctx) });
      ctx.type = 'application/geo+json';
      ctx.set('Cache-Control', 'public, max-age=60');
      ctx.body = {
        type: 'FeatureCollection',
        when: raw,
        today,
        features: items.map(({ geometry, collection, id, point, updated, ...p }) => ({
          type: 'Feature',
          id,
          geometry,
          properties: { collection, nazev: p.nazev, druh: p.druh, popis: p.popis, platnost_od: p.platnostOd, platnost_do: p.platnostDo, odkaz: p.odkaz, obec_kod: p.obecKod, obec: p.obec, point, updated },
        })),
      };
    },
  );

  api.get(
    {
      path: '/public-information/calendar.ics',
      operationId: 'publicInformationCalendar',
      summary: 'iCalendar of current and planned closures and events (all-day events over their validity)',
      tags: ['Public information'],
      parameters: [MUNICIPALITY],
      responses: { '200': { description: 'text/calendar (RFC 5545)', content: { 'text/calendar': {} } }, '400': problemResponse('Invalid parameter') },
    },
    async (ctx: Context) => {
      const items = await publicInformation(database.db, { when: 'upcoming', today: pragueToday(), municipality: municipalityOf(ctx) });
      ctx.type = 'text/calendar; charset=utf-8';
      ctx.set('Cache-Control', 'public, max-age=300');
      ctx.set('Content-Disposition', 'inline; filename="uzavirky-a-udalosti.ics"');
      ctx.body = calendar(items, site(ctx), ctx.hostname || 'geoportal');
    },
  );

  for (const format of ['rss', 'atom'] as const) {
    api.get(
      {
        path: `/public-information/feed.${format}`,
        operationId: `publicInformationFeed${format === 'rss' ? 'Rss' : 'Atom'}`,
        summary: `${format === 'rss' ? 'RSS 2.0' : 'Atom 1.0'} feed of current and planned closures and events`,
        tags: ['Public information'],
        parameters: [MUNICIPALITY],
        responses: {
          '200': { description: format === 'rss' ? 'RSS 2.0' : 'Atom 1.0', content: { [format === 'rss' ? 'application/rss+xml' : 'application/atom+xml']: {} } },
          '400': problemResponse('Invalid parameter'),
        },
      },
      async (ctx: Context) => {
        const items = await publicInformation(database.db, { when: 'upcoming', today: pragueToday(), municipality: municipalityOf(ctx) });
        const base = `${apiBase(ctx)}/public-information`;
        const f = feed(items, site(ctx), { rss: `${base}/feed.rss`, atom: `${base}/feed.atom` });
        ctx.type = format === 'rss' ? 'application/rss+xml; charset=utf-8' : 'application/atom+xml; charset=utf-8';
        ctx.set('Cache-Control', 'public, max-age=300');
        ctx.body = format === 'rss' ? f.rss2() : f.atom1();
      },
    );
  }
  return api;
}
