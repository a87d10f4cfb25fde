import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import yazl from 'yazl';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { loadSources } from '../schedule/sources.ts';
import { runSource } from '../schedule/runner.ts';
import { vfrFileName } from '../ruian/monthly.ts';
import { fromRoot } from '../../schemas/paths.ts';

const SAMPLE = fromRoot('etl/samples/data/chomutov_ruian_synthetic_UKSH.xml');

function zipped(xml: string, name: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(xml), name.replace(/\.zip$/, ''));
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

describe('the monthly RÚIAN file name', () => {
  it('is dated the last day of the previous month, as ČÚZK names the current state', () => {
    expect(vfrFileName(562971, new Date('2026-12-03T10:00:00Z'))).toBe('20261130_OB_562971_UKSH.xml.zip');
    expect(vfrFileName(563200, new Date('2027-01-01T00:30:00Z'))).toBe('20261231_OB_563200_UKSH.xml.zip');
    expect(vfrFileName(562971, new Date('2028-03-15T00:00:00Z'))).toBe('20280229_OB_562971_UKSH.xml.zip');
  });
});

/**
 * Issue 17.1: a scheduled source fetches the monthly VFR files of the municipalities over HTTP (here a local server
 * laid out like ČÚZK's download service) and imports only what changed.
 */
describe.each(testBackends())('the monthly RÚIAN source on %s', (backend) => {
  let database: Database;
  let server: Server;
  const files = new Map<string, Buffer>();
  const requested: string[] = [];
  let base = '';

  beforeAll(async () => {
    database = await openTestDatabase(backend, { seeded: true });
    server = createServer((req, res) => {
      requested.push(req.url!);
      const body = files.get(req.url!.slice(1));
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/zip' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/vymenny_format/soucasna/`;
  });
  afterAll(async () => {
    server?.close();
    await database?.close();
  });

  const source = () => {
    const dir = mkdtempSync(join(tmpdir(), 'geoportal-ruian-src-'));
    const cfg = join(dir, 'sources.json');
    writeFileSync(cfg, JSON.stringify({ sources: [{ name: 'ruian-chomutov', ruian: { municipalities: [562971], baseUrl: base }, cron: '0 2 2 * *', expectedPeriodHours: 1080 }] }));
    return loadSources(cfg)[0]!;
  };
  const count = async (table: string) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(database.db)).rows[0]!.n;
  const runs = async () => (await sql<{ layer_id: string; inserted_count: number; updated_count: number; deleted_count: number; read_count: number }>`
    SELECT layer_id, inserted_count, updated_count, deleted_count, read_count FROM etl_run WHERE trigger = 'schedule:ruian-chomutov' ORDER BY id`.execute(database.db)).rows;

  it("imports this month's file into the four RÚIAN layers; a file equal to the seeded data changes nothing", async () => {
    const november = new Date('2026-12-03T00:00:00Z');
    files.set(`vymenny_format/soucasna/${vfrFileName(562971, november)}`, await zipped(readFileSync(SAMPLE, 'utf8'), vfrFileName(562971, november)));
    const before = await count('layer_adresni_mista');
    const out = await runSource(database.db, source(), { now: november });
    expect(out.status).toBe('succeeded');
    expect(requested).toEqual([`/vymenny_format/soucasna/20261130_OB_562971_UKSH.xml.zip`]);
    const r = await runs();
    expect(r.map((x) => x.layer_id)).toEqual(['stavebni-objekty', 'ulice', 'casti-obci', 'adresni-mista']);
    // the seed imported the same synthetic file, scoped to Chomutov: nothing new, nothing withdrawn
    expect(r.every((x) => x.inserted_count === 0 && x.deleted_count === 0 && x.updated_count === 0)).toBe(true);
    expect(await count('layer_adresni_mista')).toBe(before);
  });

  it('next month imports only the changed address and keeps feature ids; the same file again is not read', async () => {
    const december = new Date('2027-01-02T00:00:00Z');
    const name = vfrFileName(562971, december);
    // one address moves to another postcode
    const changed = readFileSync(SAMPLE, 'utf8').replace(/(<vf:AdresniMisto gml:id="AD\.92000001">.*?<ami:Psc>)43001/, '$143003');
    expect(changed).not.toBe(readFileSync(SAMPLE, 'utf8'));
    files.set(`vymenny_format/soucasna/${name}`, await zipped(changed, name));
    const fids = async () => (await sql<{ fid: number }>`SELECT fid FROM layer_adresni_mista ORDER BY fid`.execute(database.db)).rows.map((x) => x.fid);
    const before = await fids();
    const seen = (await runs()).length;
    expect((await runSource(database.db, source(), { now: december })).status).toBe('succeeded');
    const r = (await runs()).slice(seen);
    expect(r.find((x) => x.layer_id === 'adresni-mista')).toMatchObject({ inserted_count: 0, updated_count: 1, deleted_count: 0 });
    expect(r.filter((x) => x.layer_id !== 'adresni-mista').every((x) => x.updated_count === 0 && x.inserted_count === 0)).toBe(true);
    expect(await fids()).toEqual(before);
    const psc = await sql<{ psc: string }>`SELECT psc FROM layer_adresni_mista WHERE kod = 92000001`.execute(database.db);
    expect(psc.rows[0]!.psc).toBe('43003');
    // a second run in the same month downloads the same file: every layer is recorded unchanged without reading it
    expect((await runSource(database.db, source(), { now: december })).status).toBe('succeeded');
    expect((await runs()).slice(seen + 4).map((x) => x.read_count)).toEqual([0, 0, 0, 0]);
  });

  it('a month whose file is not published yet fails with the URL, keeps the data and schedules a retry', async () => {
    const before = await count('layer_adresni_mista');
    const out = await runSource(database.db, source(), { now: new Date('2027-02-02T00:00:00Z') });
    expect(out).toMatchObject({ status: 'failed', error: expect.stringContaining('20270131_OB_562971_UKSH.xml.zip: download failed: HTTP 404') });
    expect(out.status === 'failed' && out.nextRetryAt).toBeInstanceOf(Date);
    expect(await count('layer_adresni_mista')).toBe(before);
  });

  it('refuses a configuration that mixes kinds or lists no valid municipality code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'geoportal-ruian-src-'));
    const cfg = join(dir, 'sources.json');
    writeFileSync(cfg, JSON.stringify({ sources: [{ name: 'x', ruian: { municipalities: [12] }, cron: '0 2 2 * *', expectedPeriodHours: 1 }] }));
    expect(() => loadSources(cfg)).toThrow(/6-digit RÚIAN codes/);
    writeFileSync(cfg, JSON.stringify({ sources: [{ name: 'x', ruian: { municipalities: 'orp' }, url: 'http://a/b', layer: 'ulice', cron: '0 2 2 * *', expectedPeriodHours: 1 }] }));
    expect(() => loadSources(cfg)).toThrow(/exactly one of/);
  });
});
