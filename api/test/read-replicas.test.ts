import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import pg from 'pg';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import { openDatabase, probeCapabilities, type Database } from '../../sql/connection.ts';
import { migrate, ReplicaMigrationError } from '../../sql/migrate.ts';
import { importFile } from '../../etl/import.ts';
import { loadMapping } from '../../etl/mapping.ts';
import { createApp } from '../app.ts';
import { DEFAULT_AUTH } from '../auth/config.ts';
import { createUser } from '../auth/users.ts';
import { postgresMissing, startPgPair, type PgPair } from '../../cluster/postgres.ts';
import { TcpProxy } from '../../faults/tcp-proxy.ts';

/**
 * Issue 20.1: DATABASE_READ_URL. Reads of the read routes go to a streaming
 * replica, writes, sessions and LISTEN to the primary (DATABASE_URL); a signed-in
 * editor reads their own write at once even while the replica lags; with the
 * primary unreachable reads keep working and writes answer 503. On PostgreSQL the
 * test runs on a primary and a real streaming replica of its own (cluster/postgres.ts,
 * ports 5435/5436); the embedded database has no replicas and must behave as before.
 */
const PASSWORD = 'správné-heslo-123';
const etl = join(import.meta.dirname, '../../etl');
const LAYER = 'stanoviste-trideneho-odpadu';
const ITEMS = `/api/collections/${LAYER}/items`;
const missing = postgresMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI: ${missing}`);

describe.each(testBackends())('an editor reads their own writes on %s', (backend) => {
  const replicated = backend === 'postgres';
  let pair: PgPair | undefined;
  let proxy: TcpProxy | undefined;
  let replica: pg.Client | undefined;
  let database: Database;
  let server: Server;
  let dataDir: string;
  let editor: ReturnType<typeof request.agent>;
  let csrf: string;
  let at: [number, number];

  beforeAll(async () => {
    if (replicated) {
      if (missing) return;
      pair = await startPgPair({ primaryPort: 5435, replicaPort: 5436 });
      // the primary behind a relay the test can cut (an unreachable primary)
      proxy = new TcpProxy({ target: { host: '127.0.0.1', port: pair.primaryPort }, maxUpstream: 60 });
      const port = await proxy.start();
      database = await openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/geoportal`, readUrls: [pair.replicaUrl], connectTimeoutMs: 1000 });
      await migrate(database.db);
      await probeCapabilities(database);
      replica = new pg.Client({ connectionString: pair.replicaUrl });
      await replica.connect();
    } else {
      database = await openTestDatabase(backend);
    }
    const { db } = database;
    await importFile(db, { path: join(etl, 'samples/data/obce_orp_chomutov.geojson'), layerId: 'obce', mapping: loadMapping(join(etl, 'mappings/obce-ruian.json')) });
    await importFile(db, { path: join(etl, 'samples/data/chomutov_stanoviste_synthetic_sjtsk.geojson'), layerId: LAYER });
    const p = await sql<{ x: number; y: number }>`SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM layer_stanoviste_trideneho_odpadu ORDER BY fid LIMIT 1`.execute(db);
    at = [p.rows[0]!.x + 0.0001, p.rows[0]!.y];
    await createUser(db, 'admin@chomutov.test', PASSWORD, { role: 'admin' });
    dataDir = mkdtempSync(join(tmpdir(), 'cluster-rr-'));
    server = createApp({ database, dataDir, auth: { ...DEFAULT_AUTH, loginRateLimit: 1000 } }).listen(0);
    editor = request.agent(server);
    csrf = (await editor.post('/api/auth/login').send({ email: 'admin@chomutov.test', password: PASSWORD }).expect(200)).body.csrfToken;
    if (replicated) await untilReplayed();
  }, 180_000);

  afterAll(async () => {
    server?.close();
    await replica?.query('SELECT pg_wal_replay_resume()').catch(() => {});
    await replica?.end();
    await database?.close();
    await proxy?.close();
    await pair?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    // a failed test must not leave the replica paused for the next one
    await replica?.query('SELECT pg_wal_replay_resume()').catch(() => {});
  });

  /** the replica has replayed everything the primary wrote so far */
  async function untilReplayed(): Promise<void> {
    expect(await database.read!.replicasCaughtUp!(10_000)).toBe(true);
  }

  function site(name: string) {
    return { type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties: { nazev: name, pristup: 'volne' } };
  }

  const skipReason = () => (replicated && missing ? `skipped: ${missing}` : undefined);

  it('an editor sees the feature they just created, and anyone else sees it too once it is replicated', async (ctx) => {
    if (skipReason()) return ctx.skip();
    // hold the replica still: nothing written from now on reaches it
    if (replicated) await replica!.query('SELECT pg_wal_replay_pause()');
    const created = await editor.post(ITEMS).set('x-csrf-token', csrf).send(site('Zapsáno před chvílí')).expect(201);
    const fid = created.body.id as number;
    if (replicated) {
      const cookie = ([] as string[]).concat(created.headers['set-cookie'] ?? []).find((c) => c.startsWith('gp_lsn='));
      expect(cookie, 'a write hands out its WAL position').toMatch(/^gp_lsn=[0-9A-F]+\/[0-9A-F]+;/i);
    }
    // the writer's own read: at once, although the replica has not replayed the insert
    const mine = await editor.get(`${ITEMS}/${fid}`).expect(200);
    expect(mine.body.properties.nazev).toBe('Zapsáno před chvílí');
    const filtered = await editor.get(`${ITEMS}?filter=${encodeURIComponent("nazev='Zapsáno před chvílí'")}`).expect(200);
    expect(filtered.body.features.map((f: { id: number }) => f.id)).toContain(fid);
    if (replicated) {
      // an anonymous reader is answered by the replica, which does not have it yet: proof the reads go there
      await request(server).get(`${ITEMS}/${fid}`).expect(404);
      await replica!.query('SELECT pg_wal_replay_resume()');
      await untilReplayed();
    }
    await request(server).get(`${ITEMS}/${fid}`).expect(200);
  });

  it('an edit the replica has not replayed yet is still what its editor reads back', async (ctx) => {
    if (skipReason()) return ctx.skip();
    const created = await editor.post(ITEMS).set('x-csrf-token', csrf).send(site('Původní název')).expect(201);
    const fid = created.body.id as number;
    if (replicated) await untilReplayed();
    if (replicated) await replica!.query('SELECT pg_wal_replay_pause()');
    const got = await editor.get(`${ITEMS}/${fid}`).expect(200);
    await editor.patch(`${ITEMS}/${fid}`).set('x-csrf-token', csrf).set('If-Match', got.headers.etag as string)
      .set('content-type', 'application/merge-patch+json').send({ properties: { nazev: 'Nový název' } }).expect(200);
    expect((await editor.get(`${ITEMS}/${fid}`).expect(200)).body.properties.nazev).toBe('Nový název');
    if (replicated) {
      expect((await request(server).get(`${ITEMS}/${fid}`).expect(200)).body.properties.nazev).toBe('Původní název');
      await replica!.query('SELECT pg_wal_replay_resume()');
      await untilReplayed();
    }
    expect((await request(server).get(`${ITEMS}/${fid}`).expect(200)).body.properties.nazev).toBe('Nový název');
  });

  it.runIf(replicated)('with the primary unreachable, reads are answered by the replica and writes with 503 problem+json', async (ctx) => {
    if (skipReason()) return ctx.skip();
    await untilReplayed();
    await proxy!.cut('refuse');
    try {
      const items = await request(server).get(`${ITEMS}?limit=5`).expect(200);
      expect(items.body.features.length).toBeGreaterThan(0);
      const tile = await request(server).get(`/api/tiles/${LAYER}/12/2200/1392.mvt`);
      expect(tile.status).toBeLessThan(300);
      await request(server).get('/api/catalog').expect(200);
      const write = await editor.post(ITEMS).set('x-csrf-token', csrf).send(site('Za výpadku')).expect(503);
      expect(write.headers['content-type']).toMatch(/problem\+json/);
    } finally {
      await proxy!.restore();
    }
    await editor.post(ITEMS).set('x-csrf-token', csrf).send(site('Po výpadku')).expect(201);
  });

  it.runIf(replicated)('migrations (and so seeding) refuse a replica as DATABASE_URL', async (ctx) => {
    if (skipReason()) return ctx.skip();
    const onReplica = await openDatabase({ databaseUrl: pair!.replicaUrl });
    try {
      await expect(migrate(onReplica.db)).rejects.toBeInstanceOf(ReplicaMigrationError);
    } finally {
      await onReplica.close();
    }
  });
});
