import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../sql/connection.ts';
import { migrate } from '../sql/migrate.ts';
import { recordChange } from '../sql/changes.ts';
import { importFile } from '../etl/import.ts';
import { getLayer, tableName } from '../schemas/index.ts';
import { decodeTile, tileFor } from '../api/test/decode-tile.ts';
import { startChildServer } from './child-server.ts';
import { TcpProxy, type CutMode } from './tcp-proxy.ts';
import { freshDatabase, sleep, viaPort, within, type FaultContext, type FaultScenario, type ScenarioResult } from './scenario.ts';

const LAYER = 'stanoviste-trideneho-odpadu';
const SAMPLE = 'etl/samples/data/chomutov_stanoviste_synthetic_sjtsk.geojson';
/** the server's pool (DATABASE_POOL_MAX); its budget is this + 2 listener connections */
const POOL = 6;
const BUDGET = POOL + 2;
/** the acceptance: after the database returns, requests succeed and LISTEN is back within this */
const RECOVERY_MS = 5_000;
/** a request during the outage that takes longer than this has hung (the pool's connect timeout is 3 s) */
const HANG_MS = 10_000;
/** concurrent reads per round during the outage: more than the pool holds */
const BURST = 2 * POOL;

/**
 * The database goes away for `seconds` while the API runs (through a TCP
 * proxy that is cut): the API must answer 503 problem+json without hanging,
 * hold no more than its pool + 2 connections, serve again within 5 s of the
 * database's return with LISTEN back, and a tile edited during the outage
 * (by another writer, straight into PostgreSQL: its NOTIFY never reaches the
 * cut-off API) must be fresh afterwards.
 */
export function databaseOutage(seconds: number, mode: CutMode): FaultScenario {
  return {
    name: `db-outage-${seconds}s`,
    title: `PostgreSQL unreachable for ${seconds} s (${mode === 'refuse' ? 'server down, connections refused' : 'network partition, packets dropped'})`,
    run: (ctx) => runOutage(ctx, seconds * 1000, mode),
  };
}

async function runOutage(ctx: FaultContext, outageMs: number, mode: CutMode): Promise<ScenarioResult> {
  const lost: string[] = [];
  const facts: string[] = [];
  const fresh = await freshDatabase(ctx.postgresUrl, `outage${outageMs / 1000}`);
  const target = new URL(fresh.url);
  const proxy = new TcpProxy({ target: { host: target.hostname, port: Number(target.port || 5432) }, maxUpstream: BUDGET + 4 });
  let direct: Database | undefined;
  let server: Awaited<ReturnType<typeof startChildServer>> | undefined;
  try {
    // the data, loaded by an ETL run straight into PostgreSQL
    direct = await openDatabase({ databaseUrl: fresh.url, poolSize: 2 });
    await migrate(direct.db);
    await importFile(direct.db, { path: SAMPLE, layerId: LAYER });
    const table = tableName(getLayer(LAYER)!);
    const feature = (
      await sql<{ fid: number; lon: number; lat: number }>`SELECT fid, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM ${sql.raw(table)} ORDER BY fid LIMIT 1`.execute(direct.db)
    ).rows[0]!;
    const t = tileFor(feature.lon, feature.lat, 15);
    const tilePath = `/api/tiles/${LAYER}/${t.z}/${t.x}/${t.y}.mvt`;

    const proxyPort = await proxy.start(ctx.ports[1]);
    ctx.progress(`server on :${ctx.ports[0]}, PostgreSQL through the proxy on :${proxyPort}`);
    server = await startChildServer({
      port: ctx.ports[0]!,
      databaseUrl: viaPort(fresh.url, proxyPort),
      env: { DATABASE_POOL_MAX: String(POOL) },
      logFile: join(ctx.logDir, `db-outage-${outageMs / 1000}s.log`),
    });
    const base = server.baseUrl;
    const items = `${base}/api/collections/${LAYER}/items?limit=1`;
    if ((await fetch(items)).status !== 200) throw new Error('the server does not serve before the outage');
    const nameInTile = async () => {
      const res = await fetch(base + tilePath);
      if (res.status !== 200) return undefined;
      const f = decodeTile(new Uint8Array(await res.arrayBuffer()))[LAYER]?.find((x) => x.id === feature.fid);
      return f?.properties.nazev;
    };
    const before = await nameInTile();
    if (before === undefined) throw new Error(`feature ${feature.fid} is not in tile ${tilePath}`);
    // the tile is now cached by the API: only an invalidation can make it fresh again

    proxy.resetPeak();
    ctx.progress(`cut (${mode}) for ${outageMs / 1000} s`);
    await proxy.cut(mode);
    const cutAt = Date.now();
    const edited = `edited during the outage ${Date.now()}`;
    let editDone = false;
    let answers = 0;
    let slowest = 0;
    const wrong = new Map<string, number>();
    while (Date.now() - cutAt < outageMs) {
      if (!editDone && Date.now() - cutAt > Math.min(1000, outageMs / 4)) {
        // another writer (the ETL CLI, another instance): committed with its NOTIFY, which this API cannot hear now
        await direct.db.transaction().execute(async (trx) => {
          await sql`UPDATE ${sql.raw(table)} SET nazev = ${edited} WHERE fid = ${feature.fid}`.execute(trx);
          await recordChange(trx, { layerId: LAYER, bbox: [feature.lon, feature.lat, feature.lon, feature.lat], source: 'fault:outage-edit' });
        });
        editDone = true;
        // the health endpoint says so (and the portal shows its notice)
        const h = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(HANG_MS) }).catch((e: Error) => e);
        const body = h instanceof Error ? undefined : ((await h.json().catch(() => undefined)) as { status?: string; stuck?: string[] } | undefined);
        if (h instanceof Error || h.status !== 503 || body?.status !== 'degraded' || !body.stuck?.includes('changeListener'))
          lost.push(`during the outage /api/health did not answer 503 degraded naming the change listener (${h instanceof Error ? h.message : `${h.status} ${JSON.stringify(body)}`})`);
      }
      // a burst of concurrent reads (more than the pool has connections): the budget must hold under load
      const burst = await Promise.all(
        Array.from({ length: BURST }, async (_, i) => {
          const url = i % 2 ? items : `${base}/api/tiles/${LAYER}/${t.z}/${t.x + 1 + i}/${t.y}.mvt`;
          const t0 = Date.now();
          const res = await fetch(url, { signal: AbortSignal.timeout(HANG_MS) }).catch((e: Error) => e);
          if (!(res instanceof Error)) await res.arrayBuffer().catch(() => {});
          return { res, took: Date.now() - t0 };
        }),
      );
      for (const { res, took } of burst) {
        slowest = Math.max(slowest, took);
        answers++;
        const kind = res instanceof Error ? `no answer (${res.name})` : res.status === 503 && /problem\+json/.test(res.headers.get('content-type') ?? '') ? undefined : `HTTP ${res.status} ${res.headers.get('content-type')}`;
        if (kind) wrong.set(kind, (wrong.get(kind) ?? 0) + 1);
      }
      await sleep(Math.max(0, Math.min(500, outageMs - (Date.now() - cutAt))));
    }
    for (const [kind, n] of wrong) lost.push(`${n} of ${answers} reads during the outage answered ${kind} instead of 503 problem+json`);
    facts.push(`${answers} reads during the outage, slowest ${slowest} ms`);

    await proxy.restore();
    ctx.progress('restored');
    const served = await within(RECOVERY_MS, async () => (await fetch(items, { signal: AbortSignal.timeout(RECOVERY_MS) })).status === 200);
    if (served === undefined) lost.push(`reads did not succeed within ${RECOVERY_MS / 1000} s of the database's return`);
    else facts.push(`reads back after ${served} ms`);
    const listening = await within(RECOVERY_MS, async () => (await listenCount(direct!, fresh.name)) > 0);
    if (listening === undefined) lost.push(`LISTEN not back within ${RECOVERY_MS / 1000} s of the database's return`);
    else facts.push(`LISTEN back after ${listening} ms`);

    const healthy = await within(RECOVERY_MS, async () => (await fetch(`${base}/api/health`)).status === 200);
    if (healthy === undefined) lost.push(`/api/health not back to 200 within ${RECOVERY_MS / 1000} s of the database's return`);

    const after = await nameInTile();
    if (after !== edited) lost.push(`the tile edited during the outage is stale after it ("${String(after)}" instead of the edit)`);
    // and notifications flow again: an edit now reaches the cached tile
    const edited2 = `edited after the outage ${Date.now()}`;
    await direct.db.transaction().execute(async (trx) => {
      await sql`UPDATE ${sql.raw(table)} SET nazev = ${edited2} WHERE fid = ${feature.fid}`.execute(trx);
      await recordChange(trx, { layerId: LAYER, bbox: [feature.lon, feature.lat, feature.lon, feature.lat], source: 'fault:after-edit' });
    });
    if ((await within(RECOVERY_MS, async () => (await nameInTile()) === edited2)) === undefined)
      lost.push('an edit after the outage does not reach the cached tile (change notifications lost)');

    await sleep(500);
    facts.push(`peak ${proxy.peak} connections (budget ${BUDGET})`);
    if (proxy.peak > BUDGET) lost.push(`the API held ${proxy.peak} connections at once, more than its pool + 2 = ${BUDGET}`);
    if (proxy.overLimit) lost.push(`the API opened ${proxy.overLimit} connections beyond ${BUDGET + 4} at once (turned away by the proxy)`);
    return { lost, facts };
  } finally {
    await server?.stop();
    await proxy.close();
    await direct?.close();
    await fresh.drop();
  }
}

async function listenCount(db: Database, datname: string): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${datname} AND query ILIKE 'LISTEN %'`.execute(db.db);
  return r.rows[0]!.n;
}
