import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Server } from 'node:http';
import { testBackends } from '../../sql/testing.ts';
import { openHarness } from './conformance/harness.ts';
import type { Database } from '../../sql/connection.ts';

interface Hit { layer: string; title: string; point: [number, number]; rank: number; municipality: string | null; municipalityCode: number | null }

/** Address search and reverse lookup over the seeded (synthetic) RÚIAN addresses of Chomutov. */
describe.each(testBackends())('address search on %s', (backend) => {
  let database: Database;
  let server: Server;
  const hits = async (q: string, extra = '') => (await request(server).get(`/api/search?q=${encodeURIComponent(q)}${extra}`).expect(200)).body.hits as Hit[];

  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => ({ database, server, close } = await openHarness(backend)));
  afterAll(() => close?.());

  it('finds an address by street and orientation number, by č. p./č. o., ignoring case and accents', async () => {
    for (const q of ['Husova 12 Chomutov', 'Husova 1234/12', 'husova 1234/12', 'HUSOVA 12', 'hůšová 12, chomutov']) {
      const [first] = await hits(q);
      expect(first, q).toMatchObject({ layer: 'adresni-mista', title: 'Husova 1234/12, Chomutov', rank: 0, municipality: 'Chomutov', municipalityCode: 562971 });
    }
    // a number is a whole number or the start of one (type-ahead), never a digit inside another
    const twelve = await hits('Husova 2', '&limit=50');
    expect(twelve.filter((h) => h.layer === 'adresni-mista').map((h) => h.title)).toEqual(['Husova 1224/2, Chomutov', 'Husova 1242/20, Chomutov', 'Husova 1243/21, Chomutov', 'Husova 1244/22, Chomutov', 'Husova 1245/23, Chomutov', 'Husova 1246/24, Chomutov']);
  });

  it('answers addresses without a street, squares with punctuation and numbers, and č. ev.', async () => {
    expect((await hits('Horni Ves 10'))[0]!.title).toBe('Horní Ves 10, Chomutov');
    expect((await hits('namesti 1. maje 3'))[0]!.title).toMatch(/^náměstí 1\. máje \d+\/3, Chomutov$/);
    expect((await hits('Blatenská č. ev. 15'))[0]!.title).toBe('Blatenská č. ev. 15, Chomutov');
  });

  it('ranks addresses before feature names, and a municipality named exactly before both', async () => {
    const h = await hits('Husova', '&limit=50');
    const kinds = h.map((x) => x.layer);
    expect(kinds[0]).toBe('adresni-mista');
    const lastAddress = kinds.lastIndexOf('adresni-mista');
    expect(kinds.slice(0, lastAddress + 1).every((k) => k === 'adresni-mista')).toBe(true);
    // the street itself is a feature name, after the addresses
    expect(h.findIndex((x) => x.layer === 'ulice' && x.title === 'Husova')).toBeGreaterThan(lastAddress);
    expect((await hits('Chomutov'))[0]).toMatchObject({ layer: 'obce', title: 'Chomutov' });
    // addresses only when the collections asked for include them
    expect((await hits('Husova', '&collections=ulice')).map((x) => x.layer)).toEqual(['ulice']);
  });

  it('tolerates typos in the street name', async () => {
    expect((await hits('Husvoa 12'))[0]).toMatchObject({ title: 'Husova 1234/12, Chomutov', rank: 3 });
    expect((await hits('Palackeh'))[0]!.title).toMatch(/^Palackého /);
    expect((await hits('Palakého 5'))[0]!.title).toMatch(/^Palackého \d+\/5, Chomutov$/);
  });

  it('puts guessed (typo-tolerant) addresses after real matches: "jirk" is Jirkov, not Jiráskova', async () => {
    const h = await hits('jirk');
    expect(h[0]).toMatchObject({ layer: 'obce', title: 'Jirkov', rank: 1 });
    const guessed = h.findIndex((x) => x.layer === 'adresni-mista');
    expect(guessed).toBeGreaterThan(0);
    expect(h.slice(guessed).every((x) => x.layer === 'adresni-mista' && x.rank === 3)).toBe(true);
  });

  it('gives the nearest address to a point, 404 problem when none is near, 400 on bad coordinates', async () => {
    const [husova] = await hits('Husova 1234/12');
    const [lon, lat] = husova!.point;
    const near = await request(server).get(`/api/search/reverse?lon=${lon + 0.00003}&lat=${lat - 0.00002}`).expect(200);
    expect(near.body.hit).toMatchObject({ layer: 'adresni-mista', title: 'Husova 1234/12, Chomutov' });
    expect(near.body.hit.distance).toBeGreaterThan(1);
    expect(near.body.hit.distance).toBeLessThan(5);
    const far = await request(server).get('/api/search/reverse?lon=14.42&lat=50.08').expect(404);
    expect(far.headers['content-type']).toMatch(/application\/problem\+json/);
    for (const [qs, param] of [['lon=abc&lat=50', 'lon'], ['lon=13&lat=91', 'lat'], ['lat=50', 'lon'], ['lon=13.4&lat=50.4&maxDistance=0', 'maxDistance'], ['lon=13.4&lat=50.4&maxDistance=9999', 'maxDistance']]) {
      const bad = await request(server).get(`/api/search/reverse?${qs}`).expect(400);
      expect(bad.body.parameter, qs).toBe(param);
    }
  });
});
