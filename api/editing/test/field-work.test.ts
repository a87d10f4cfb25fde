import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { importFile } from '../../../etl/import.ts';
import { loadMapping } from '../../../etl/mapping.ts';
import { createApp } from '../../app.ts';
import { DEFAULT_AUTH } from '../../auth/config.ts';
import { createUser } from '../../auth/users.ts';

const LAYER = 'stanoviste-trideneho-odpadu';
const ITEMS = `/api/collections/${LAYER}/items`;
const PASSWORD = 'správné-heslo-123';
const EDITOR = 'terenni@chomutov.test';
const etl = join(import.meta.dirname, '../../../etl');

/** A JPEG's first bytes and some padding: what the server checks of a photo is its signature. */
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 3), Buffer.from([0xff, 0xd9])]);

/**
 * Issue 18.4, field work: how a location was captured (GPS with its accuracy, or placed on the map)
 * is stored with the feature, kept by attribute edits, dropped by a move that does not say how, and
 * shown in the item and its history; a change or photo sent twice (a phone's queue after a lost
 * answer) is stored once; attachments are an append-only audit of who added what.
 */
describe.each(testBackends())('field work: position accuracy, repeated sends, photo audit on %s', (backend) => {
  let database: Database;
  let server: Server;
  let dataDir: string;
  let agent: ReturnType<typeof request.agent>;
  let csrf: string;
  let inside: [number, number];

  async function etag(fid: number): Promise<string> {
    return (await agent.get(`${ITEMS}/${fid}`).expect(200)).headers.etag as string;
  }

  function site(at: [number, number], extra: Record<string, unknown> = {}) {
    return { type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties: { nazev: 'Stanoviště z terénu', pristup: 'volne' }, ...extra };
  }

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    const { db } = database;
    await importFile(db, { path: join(etl, 'samples/data/obce_orp_chomutov.geojson'), layerId: 'obce', mapping: loadMapping(join(etl, 'mappings/obce-ruian.json')) });
    const p = await sql<{ x: number; y: number }>`SELECT ST_X(c) AS x, ST_Y(c) AS y FROM (SELECT ST_PointOnSurface(geom) AS c FROM layer_obce WHERE kod = 562971) q`.execute(db);
    inside = [p.rows[0]!.x, p.rows[0]!.y];
    await createUser(db, EDITOR, PASSWORD, { role: 'municipality_editor', municipalityCode: 562971 });
    dataDir = mkdtempSync(join(tmpdir(), 'geoportal-field-'));
    server = createApp({ database, dataDir, auth: { ...DEFAULT_AUTH, loginRateLimit: 1000 } }).listen(0);
    agent = request.agent(server);
    csrf = (await agent.post('/api/auth/login').send({ email: EDITOR, password: PASSWORD }).expect(200)).body.csrfToken;
  }, 120_000);

  afterAll(async () => {
    server?.close();
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores a GPS position with its accuracy (0.1 m), shows it in the item and the history, and refuses a bad one', async () => {
    const res = await agent.post(ITEMS).set('x-csrf-token', csrf).send(site(inside, { position: { source: 'gps', accuracy_m: 4.26 } })).expect(201);
    expect(res.body.position).toEqual({ source: 'gps', accuracy_m: 4.3 });
    const fid = res.body.id as number;
    // the public item (the map's identify panel reads it)
    const item = await request(server).get(`${ITEMS}/${fid}`).expect(200);
    expect(item.body.position).toEqual({ source: 'gps', accuracy_m: 4.3 });
    expect(item.body.properties).not.toHaveProperty('position');
    const stored = await sql<{ s: string; a: number }>`SELECT position_source AS s, position_accuracy_m::float8 AS a FROM layer_stanoviste_trideneho_odpadu WHERE fid = ${fid}`.execute(database.db);
    expect(stored.rows[0]).toEqual({ s: 'gps', a: 4.3 });
    const h = await agent.get(`${ITEMS}/${fid}/history`).expect(200);
    expect(h.body.versions.at(-1).after).toMatchObject({ position_source: 'gps', position_accuracy_m: 4.3 });

    for (const bad of [{ source: 'gps', accuracy_m: -1 }, { source: 'satellite' }, { source: 'map', accuracy_m: 3 }, 'gps', { source: 'gps', accuracy_m: 5, note: 'x' }]) {
      const r = await agent.post(ITEMS).set('x-csrf-token', csrf).send(site(inside, { position: bad })).expect(422);
      expect(r.body.errors.map((e: { field: string }) => e.field)).toEqual(['position']);
    }
    // an item whose position is unknown has no such member
    const plain = await agent.post(ITEMS).set('x-csrf-token', csrf).send(site(inside)).expect(201);
    expect((await request(server).get(`${ITEMS}/${plain.body.id}`).expect(200)).body).not.toHaveProperty('position');
  });

  it('keeps the position on an attribute edit, drops it on a move that does not say how, and takes a new one', async () => {
    const fid = (await agent.post(ITEMS).set('x-csrf-token', csrf).send(site(inside, { position: { source: 'gps', accuracy_m: 8 } })).expect(201)).body.id as number;
    const edited = await agent.patch(`${ITEMS}/${fid}`).set('x-csrf-token', csrf).set('If-Match', await etag(fid)).send({ properties: { nazev: 'Přejmenováno' } }).expect(200);
    expect(edited.body.position).toEqual({ source: 'gps', accuracy_m: 8 });
    const moved = await agent
      .patch(`${ITEMS}/${fid}`)
      .set('x-csrf-token', csrf)
      .set('If-Match', await etag(fid))
      .send({ geometry: { type: 'Point', coordinates: [inside[0] + 0.0003, inside[1]] } })
      .expect(200);
    expect(moved.body.position).toBeNull();
    const regps = await agent
      .patch(`${ITEMS}/${fid}`)
      .set('x-csrf-token', csrf)
      .set('If-Match', await etag(fid))
      .send({ geometry: { type: 'Point', coordinates: [inside[0] + 0.0004, inside[1]] }, position: { source: 'gps', accuracy_m: 3.5 } })
      .expect(200);
    expect(regps.body.position).toEqual({ source: 'gps', accuracy_m: 3.5 });
    const onMap = await agent
      .patch(`${ITEMS}/${fid}`)
      .set('x-csrf-token', csrf)
      .set('If-Match', await etag(fid))
      .send({ geometry: { type: 'Point', coordinates: [inside[0] + 0.0005, inside[1]] }, position: { source: 'map' } })
      .expect(200);
    expect(onMap.body.position).toEqual({ source: 'map', accuracy_m: null });
    // every change is a version with its author; the GPS one shows its accuracy
    const h = (await agent.get(`${ITEMS}/${fid}/history`).expect(200)).body.versions as { actor_email?: string; actorEmail?: string; after: Record<string, unknown> }[];
    expect(h.map((v) => [v.after.position_source ?? null, v.after.position_accuracy_m ?? null])).toEqual([
      ['gps', 8],
      ['gps', 8],
      [null, null],
      ['gps', 3.5],
      ['map', null],
    ]);
    for (const v of h) expect(v.actorEmail ?? v.actor_email).toBe(EDITOR);
  });

  it('creates a feature once when the same change is sent again with its Idempotency-Key', async () => {
    const key = randomUUID();
    const first = await agent.post(ITEMS).set('x-csrf-token', csrf).set('Idempotency-Key', key).send(site(inside, { position: { source: 'gps', accuracy_m: 6 } })).expect(201);
    const again = await agent.post(ITEMS).set('x-csrf-token', csrf).set('Idempotency-Key', key).send(site(inside, { position: { source: 'gps', accuracy_m: 6 } })).expect(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.etag).toBe(first.headers.etag);
    const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_stanoviste_trideneho_odpadu WHERE source_id LIKE ${`%${key}`}`.execute(database.db);
    expect(n.rows[0]!.n).toBe(1);
  });

  it('stores a photo sent twice once, names its uploader to staff only, and keeps attachments append-only', async () => {
    const fid = (await agent.post(ITEMS).set('x-csrf-token', csrf).send(site(inside)).expect(201)).body.id as number;
    const key = randomUUID();
    const up = await agent.post(`${ITEMS}/${fid}/attachments?name=foto.jpg`).set('x-csrf-token', csrf).set('Content-Type', 'image/jpeg').set('Idempotency-Key', key).send(JPEG).expect(201);
    const again = await agent.post(`${ITEMS}/${fid}/attachments?name=foto.jpg`).set('x-csrf-token', csrf).set('Content-Type', 'image/jpeg').set('Idempotency-Key', key).send(JPEG).expect(200);
    expect(again.body.id).toBe(up.body.id);
    expect(up.body).toMatchObject({ fileName: 'foto.jpg', contentType: 'image/jpeg', size: JPEG.length, uploadedBy: EDITOR });
    const staff = await agent.get(`${ITEMS}/${fid}/attachments`).expect(200);
    expect(staff.body.attachments).toHaveLength(1);
    expect(staff.body.attachments[0].uploadedBy).toBe(EDITOR);
    const visitor = await request(server).get(`${ITEMS}/${fid}/attachments`).expect(200);
    expect(visitor.body.attachments[0]).not.toHaveProperty('uploadedBy');
    // not a photo, however it is labelled
    await agent.post(`${ITEMS}/${fid}/attachments?name=x.jpg`).set('x-csrf-token', csrf).set('Content-Type', 'image/jpeg').send(Buffer.from('<html>')).expect(415);
    // the audit rows cannot be changed or removed, even by the database owner the server connects as
    await expect(sql`UPDATE feature_attachment SET file_name = 'jiné.jpg' WHERE id = ${up.body.id}`.execute(database.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM feature_attachment WHERE id = ${up.body.id}`.execute(database.db)).rejects.toThrow(/append-only/);
  });
});
