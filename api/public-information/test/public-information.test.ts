import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Server } from 'node:http';
import ICAL from 'ical.js';
import { XMLParser } from 'fast-xml-parser';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { seedIfEmpty } from '../../../etl/seed.ts';
import { createApp } from '../../app.ts';
import { pragueToday } from '../items.ts';

/**
 * Issue 18.6: closures and events as places, street sections and areas; now / planned / past;
 * iCalendar and RSS/Atom feeds of current and planned items; synthetic labelled samples seeded.
 */
interface Item { id: number; geometry: { type: string }; properties: { collection: string; nazev: string; platnost_od: string; platnost_do: string | null; obec_kod: number | null } }

describe.each(testBackends())('closures and events on %s', (backend) => {
  let database: Database;
  let server: Server;
  const today = pragueToday();
  const list = async (when: string, extra = '') => (await request(server).get(`/api/public-information?when=${when}${extra}`).expect(200).expect('Content-Type', /application\/geo\+json/)).body.features as Item[];

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await seedIfEmpty(database.db);
    server = createApp({ database }).listen(0);
  });
  afterAll(async () => {
    server?.close();
    await database?.close();
  });

  it('seeds labelled synthetic items in all three geometries, current, planned and past', async () => {
    const [now, planned, past] = [await list('now'), await list('planned'), await list('past')];
    const all = [...now, ...planned, ...past];
    expect(all.length).toBeGreaterThanOrEqual(9);
    for (const f of all) expect(f.properties.nazev).toMatch(/\(ukázka\)$/);
    expect(new Set(all.map((f) => f.geometry.type))).toEqual(new Set(['Point', 'MultiLineString', 'MultiPolygon']));
    expect(new Set(now.map((f) => f.properties.collection))).toEqual(new Set(['verejne-informace', 'verejne-informace-useky', 'verejne-informace-plochy']));
    for (const f of now) expect(f.properties.platnost_od <= today && (f.properties.platnost_do === null || f.properties.platnost_do >= today), f.properties.nazev).toBe(true);
    for (const f of planned) expect(f.properties.platnost_od > today).toBe(true);
    for (const f of past) expect(f.properties.platnost_do! < today).toBe(true);
    expect(planned.length).toBeGreaterThan(0);
    expect(past.length).toBeGreaterThan(0);
    // the three answers do not overlap; "upcoming" is now + planned
    const key = (f: Item) => `${f.properties.collection}:${f.id}`;
    expect(new Set(all.map(key)).size).toBe(all.length);
    expect(new Set((await list('upcoming')).map(key))).toEqual(new Set([...now, ...planned].map(key)));
    // items are placed in their municipality; a filter by municipality keeps only its items
    expect(now.every((f) => f.properties.obec_kod === 562971)).toBe(true);
    expect(await list('now', '&obec=563099')).toEqual([]);
    expect((await request(server).get('/api/public-information?when=tomorrow').expect(400)).body.parameter).toBe('when');
    expect((await request(server).get('/api/public-information?obec=x').expect(400)).body.parameter).toBe('obec');
  });

  it('takes a closed street section (line) and an event area (polygon) through the items API', async () => {
    const useky = await request(server).get('/api/collections/verejne-informace-useky/items').expect(200);
    expect(useky.body.features[0].geometry.type).toBe('MultiLineString');
    const plochy = await request(server).get('/api/collections/verejne-informace-plochy/queryables').expect(200);
    expect(plochy.body.properties.platnost_od).toMatchObject({ type: 'string', format: 'date' });
  });

  it('publishes current and planned items as an iCalendar that a parser reads', async () => {
    const res = await request(server).get('/api/public-information/calendar.ics').expect(200).expect('Content-Type', /text\/calendar/);
    const comp = new ICAL.Component(ICAL.parse(res.text));
    const events = comp.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    const upcoming = await list('upcoming');
    expect(events.map((e) => e.uid).sort()).toEqual(upcoming.map((f) => `${f.properties.collection}-${f.id}@127.0.0.1`).sort());
    for (const f of upcoming) {
      const e = events.find((x) => x.uid === `${f.properties.collection}-${f.id}@127.0.0.1`)!;
      expect(e.summary).toContain(f.properties.nazev);
      // all-day over the validity: DTEND is the day after the last valid day
      expect(e.startDate.isDate).toBe(true);
      expect(e.startDate.toString()).toBe(f.properties.platnost_od);
      const last = f.properties.platnost_do ?? f.properties.platnost_od;
      expect(e.endDate.toString()).toBe(new Date(Date.parse(`${last}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10));
      expect(e.description).toContain(`sel=${f.properties.collection}:${f.id}`);
    }
    // no past item in the calendar
    for (const f of await list('past')) expect(res.text).not.toContain(f.properties.nazev);
  });

  it('publishes the same items as RSS 2.0 and Atom 1.0', async () => {
    const upcoming = await list('upcoming');
    const xml = new XMLParser({ ignoreAttributes: false });
    const rss = await request(server).get('/api/public-information/feed.rss').expect(200).expect('Content-Type', /application\/rss\+xml/);
    const channel = xml.parse(rss.text).rss.channel;
    const rssItems = [channel.item].flat();
    const sel = (link: string) => new URL(link).searchParams.get('sel');
    expect(rssItems.map((i: { link: string }) => sel(i.link)).sort()).toEqual(upcoming.map((f) => `${f.properties.collection}:${f.id}`).sort());
    expect(rssItems).toHaveLength(upcoming.length);
    const atom = await request(server).get('/api/public-information/feed.atom').expect(200).expect('Content-Type', /application\/atom\+xml/);
    // Atom titles carry type="html": the parser gives their text as #text
    const entries = ([xml.parse(atom.text).feed.entry].flat() as { title: string | { '#text': string } }[]).map((e) => ({ title: typeof e.title === 'object' ? e.title['#text'] : e.title }));
    expect(entries).toHaveLength(upcoming.length);
    for (const f of upcoming) expect(entries.some((e) => String(e.title).includes(f.properties.nazev))).toBe(true);
    for (const f of await list('past')) expect(atom.text).not.toContain(f.properties.nazev);
  });
});
