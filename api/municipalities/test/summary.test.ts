import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Server } from 'node:http';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { seedIfEmpty } from '../../../etl/seed.ts';
import { createApp } from '../../app.ts';

/**
 * Issue 18.7: the municipality dashboard's numbers from one call, checked against the database:
 * features by state, changes in 30 days, current closures, alerts with history, freshness, datasets.
 */
const CHOMUTOV = 562971;
const SITES = 'stanoviste-trideneho-odpadu';

describe.each(testBackends())('municipality summary on %s', (backend) => {
  let database: Database;
  let server: Server;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    await seedIfEmpty(database.db);
    server = createApp({ database }).listen(0);
  });
  afterAll(async () => {
    server?.close();
    await database?.close();
  });

  it('counts features by state and what changed in 30 days, as the tables hold them', async () => {
    const db = database.db;
    // three sites changed lately, the rest long ago
    await sql`UPDATE layer_stanoviste_trideneho_odpadu SET updated_at = now() - interval '90 days'`.execute(db);
    const recent = (await sql<{ fid: number }>`SELECT fid FROM layer_stanoviste_trideneho_odpadu WHERE municipality_code = ${CHOMUTOV} ORDER BY fid LIMIT 3`.execute(db)).rows.map((r) => r.fid);
    // changed now: after everything the seed wrote, so they head the list of the latest changes
    await sql`UPDATE layer_stanoviste_trideneho_odpadu SET updated_at = now() WHERE fid IN (${sql.join(recent)})`.execute(db);
    const s = (await request(server).get(`/api/municipalities/${CHOMUTOV}/summary`).expect(200).expect('Content-Type', /json/)).body;
    expect(s).toMatchObject({ kod: CHOMUTOV, nazev: 'Chomutov' });
    const sites = s.infrastructure.find((x: { layer: string }) => x.layer === SITES);
    const expected = (await sql<{ stav: string | null; n: number }>`SELECT stav, count(*)::int AS n FROM layer_stanoviste_trideneho_odpadu WHERE municipality_code = ${CHOMUTOV} GROUP BY stav`.execute(db)).rows;
    expect(sites.stateAttribute).toBe('stav');
    expect(sites.total).toBe(expected.reduce((a, r) => a + r.n, 0));
    expect(sites.total).toBeGreaterThan(3);
    for (const r of expected) expect(sites.byState.find((b: { code: string | null }) => b.code === r.stav)?.count, String(r.stav)).toBe(r.n);
    // labels from the code list, in code-list order
    expect(sites.byState.filter((b: { label: unknown }) => b.label).every((b: { label: { cs: string } }) => /^\d – /.test(b.label.cs))).toBe(true);
    expect(s.changes.days).toBe(30);
    expect(s.changes.byLayer.find((x: { layer: string }) => x.layer === SITES).count).toBe(3);
    expect(s.changes.latest.slice(0, 3).map((x: { layer: string; id: number }) => `${x.layer}:${x.id}`).sort()).toEqual(recent.map((id) => `${SITES}:${id}`).sort());
    const times = s.changes.latest.map((x: { changedAt: string }) => x.changedAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('lists current closures, open alerts and their history, freshness against the declared frequency, and the open datasets', async () => {
    const db = database.db;
    const sensor = (await sql<{ source_id: string }>`SELECT source_id FROM layer_senzory WHERE municipality_code = ${CHOMUTOV} ORDER BY fid LIMIT 1`.execute(db)).rows[0]!.source_id;
    await sql`INSERT INTO sensor_alert (sensor_id, rule_id, severity, started_at, detail) VALUES (${sensor}, 'souhrn-otevreny', 'warning', now() - interval '1 hour', 'otevřený')`.execute(db);
    await sql`INSERT INTO sensor_alert (sensor_id, rule_id, severity, started_at, ended_at, detail) VALUES (${sensor}, 'souhrn-ukonceny', 'warning', now() - interval '3 days', now() - interval '2 days', 'ukončený')`.execute(db);
    // a layer whose last change is older than its frequency allows (sites: monthly)
    await sql`UPDATE layer_state SET modified_at = now() - interval '40 days' WHERE layer_id = ${SITES}`.execute(db);
    const s = (await request(server).get(`/api/municipalities/${CHOMUTOV}/summary`).expect(200)).body;

    const now = (await request(server).get(`/api/public-information?when=now&obec=${CHOMUTOV}`).expect(200)).body.features;
    expect(s.closures.now).toBe(now.length);
    expect(s.closures.now).toBeGreaterThan(0);
    expect(s.closures.planned).toBeGreaterThan(0);
    expect(s.closures.items.map((i: { nazev: string }) => i.nazev).sort()).toEqual(now.map((f: { properties: { nazev: string } }) => f.properties.nazev).sort());

    expect(s.alerts.items.map((a: { rule_id: string }) => a.rule_id)).toContain('souhrn-otevreny');
    expect(s.alerts.history.map((a: { rule_id: string }) => a.rule_id)).toContain('souhrn-ukonceny');
    expect(s.alerts.open).toBe(s.alerts.items.length);

    const sites = s.freshness.find((f: { layer: string }) => f.layer === SITES);
    expect(sites).toMatchObject({ frequency: { code: 'MONTHLY' }, maxAgeDays: 32, stale: true });
    expect(sites.lastImport).toBeTruthy();
    // a layer never imported and empty is not called stale
    const trees = s.freshness.find((f: { layer: string }) => f.layer === 'stromy');
    expect(trees.stale).toBeNull();

    expect(s.datasets.map((d: { id: string }) => d.id)).toContain(SITES);
    expect(s.datasets.map((d: { id: string }) => d.id)).not.toContain('stromy');
    const gpkg = s.datasets.find((d: { id: string }) => d.id === SITES).downloads.find((d: { format: string }) => d.format === 'geojson').url as string;
    const dl = await request(server).get(new URL(gpkg).pathname).expect(200);
    expect(JSON.parse(dl.text).features.length).toBe(s.infrastructure.find((x: { layer: string }) => x.layer === SITES).total);

    await request(server).get('/api/municipalities/12/summary').expect(400);
    await request(server).get('/api/municipalities/999999/summary').expect(404);
  });
});
