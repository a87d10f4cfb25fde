import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import { openTestDatabase, testBackends } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { join } from 'node:path';
import { seedLandUse } from '../../../etl/seed.ts';
import { importFile } from '../../../etl/import.ts';
import { loadMapping } from '../../../etl/mapping.ts';
import { layers } from '../../../schemas/index.ts';
import { createApp } from '../../app.ts';
import { DEFAULT_AUTH } from '../../auth/config.ts';
import { createApiToken } from '../../auth/sessions.ts';
import { createUser, type RoleSpec } from '../../auth/users.ts';
import { editableLayers } from '../../../portal/src/lib/editor/scope.ts';

const PLAN = 'up-plochy-rzv';
const ITEMS = `/api/collections/${PLAN}/items`;
const PASSWORD = 'územní-plán-je-zákon';
const samples = join(import.meta.dirname, '../../../etl');

describe.each(testBackends())('land-use plan layers are legal documents on %s', (backend) => {
  let database: Database;
  let server: Server;
  const tokens: Record<string, string> = {};
  let fid: number;
  let municipality: number;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    // municipality boundaries first: a land-use feature must lie in its municipality
    await importFile(database.db, { path: join(samples, 'samples/data/obce_orp_chomutov.geojson'), layerId: 'obce', mapping: loadMapping(join(samples, 'mappings/obce-ruian.json')) });
    await seedLandUse(database.db);
    const row = (await sql<{ fid: number; code: number }>`SELECT fid, municipality_code AS code FROM layer_up_plochy_rzv ORDER BY fid LIMIT 1`.execute(database.db)).rows[0]!;
    fid = row.fid;
    municipality = row.code;
    const roles: Record<string, RoleSpec> = {
      admin: { role: 'admin' },
      department: { role: 'department_editor', layers: [PLAN] },
      municipality: { role: 'municipality_editor', municipalityCode: municipality },
      planner: { role: 'plan_admin' },
    };
    for (const [name, spec] of Object.entries(roles)) {
      const u = await createUser(database.db, `${name}@chomutov.test`, PASSWORD, spec);
      tokens[name] = (await createApiToken(database.db, u.id, 'test')).token;
    }
    server = createApp({ database, auth: DEFAULT_AUTH }).listen(0);
  }, 120_000);
  afterAll(async () => {
    server?.close();
    await database?.close();
  });

  const as = (who: string) => ({ Authorization: `Bearer ${tokens[who]}` });

  it('refuses PATCH, PUT, POST, DELETE and attachments with 403 problem for every role but the plan administrator', async () => {
    const read = await request(server).get(`${ITEMS}/${fid}`).expect(200);
    const before = read.body as { geometry: unknown; properties: Record<string, unknown> };
    const etag = read.headers.etag as string;
    for (const who of ['admin', 'department', 'municipality']) {
      const tries: [string, Promise<request.Response>][] = [
        ['PATCH', request(server).patch(`${ITEMS}/${fid}`).set(as(who)).set('If-Match', etag).send({ properties: { index_rzv: 'změna' } }).then((r) => r)],
        ['PUT', request(server).put(`${ITEMS}/${fid}`).set(as(who)).set('If-Match', etag).send({ type: 'Feature', geometry: before.geometry, properties: before.properties }).then((r) => r)],
        ['POST', request(server).post(ITEMS).set(as(who)).send({ type: 'Feature', geometry: before.geometry, properties: before.properties }).then((r) => r)],
        ['DELETE', request(server).delete(`${ITEMS}/${fid}`).set(as(who)).set('If-Match', etag).then((r) => r)],
        ['attachment', request(server).post(`${ITEMS}/${fid}/attachments`).set(as(who)).set('Content-Type', 'image/png').send(Buffer.from('89504e470d0a1a0a', 'hex')).then((r) => r)],
      ];
      for (const [what, pending] of tries) {
        const r = await pending;
        expect(r.status, `${who} ${what}`).toBe(403);
        expect(r.headers['content-type']).toMatch(/problem\+json/);
      }
    }
    // nothing changed
    const after = await request(server).get(`${ITEMS}/${fid}`).expect(200);
    expect(after.headers.etag).toBe(etag);
    // the plan administrator may (e.g. to correct an import), and only land-use layers
    const fix = await request(server).patch(`${ITEMS}/${fid}`).set(as('planner')).set('If-Match', etag).send({ properties: { index_rzv: 'oprava-1' } });
    expect(fix.status, JSON.stringify(fix.body)).toBe(200);
    await request(server).post('/api/collections/stanoviste-trideneho-odpadu/items').set(as('planner'))
      .send({ type: 'Feature', geometry: { type: 'Point', coordinates: [13.41, 50.46] }, properties: { nazev: 'x', pristup: 'volne' } }).expect(403);
  });

  it('the portal editor offers land-use layers to nobody but the plan administrator', () => {
    const landuse = layers.filter((l) => l.theme === 'landuse').map((l) => l.id);
    expect(landuse).toContain(PLAN);
    const user = (role: string, extra: object = {}) => ({ id: 1, email: 'x@y.cz', role, layers: [] as string[], municipalityCode: null, disabled: false, lockedUntil: null, createdAt: '', ...extra }) as Parameters<typeof editableLayers>[0];
    for (const u of [user('admin'), user('department_editor', { layers: landuse }), user('municipality_editor', { municipalityCode: municipality })])
      expect(editableLayers(u).map((l) => l.id).filter((id) => landuse.includes(id)), u.role).toEqual([]);
    expect(editableLayers(user('plan_admin')).map((l) => l.id).sort()).toEqual([...landuse].sort());
  });
});
