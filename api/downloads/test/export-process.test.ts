import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestDatabase } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { getLayer } from '../../../schemas/index.ts';
import { ExportFailed, exportWorkerJobs, runExportWorker } from '../export-process.ts';
import { copyExportSource } from '../source.ts';
import { WRITERS } from '../writers.ts';
import { createApp } from '../../app.ts';
import { sql } from 'kysely';
import type { FormatId } from '../formats.ts';

// the worker exists for PostgreSQL (PGlite lives in the API's process and exports there)
describe.runIf(!!process.env.TEST_DATABASE_URL)('export worker process', () => {
  let database: Database;
  let dir: string;

  beforeAll(async () => {
    database = await openTestDatabase('postgres', { seeded: true });
    dir = mkdtempSync(join(tmpdir(), 'export-worker-'));
  }, 300_000);

  afterAll(async () => {
    await database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(['geojson', 'csv', 'fgb'] as FormatId[])('writes the same %s file as the writer in this process', async (format) => {
    const conn = database.connection!;
    const layer = getLayer('stanoviste-trideneho-odpadu')!;
    const inWorker = join(dir, `worker.${format}`);
    const outcome = await runExportWorker({ databaseUrl: conn.url, searchPath: conn.searchPath, layerId: layer.id, format, request: { municipality: 562971 }, path: inWorker });
    // figures of the worker process itself: it started below the API's footprint and reports its own peak
    expect(outcome.maxRssMb).toBeGreaterThanOrEqual(outcome.baseRssMb);
    const here = join(dir, `here.${format}`);
    const source = copyExportSource(conn.url, conn.searchPath);
    try {
      await WRITERS[format](source, layer, { municipality: 562971 }, here);
    } finally {
      await source.close?.();
    }
    const bytes = readFileSync(inWorker);
    expect(bytes.length).toBeGreaterThan(1000);
    expect(bytes.equals(readFileSync(here))).toBe(true);
  });

  it('serves a large layer through the worker over HTTP (threshold EXPORT_IN_PROCESS_MAX)', async () => {
    const before = process.env.EXPORT_IN_PROCESS_MAX;
    process.env.EXPORT_IN_PROCESS_MAX = '0';
    const server = createApp({ database, dataDir: dir }).listen(0);
    const jobs = exportWorkerJobs();
    try {
      const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_obce`.execute(database.db)).rows[0]!.n;
      for (const [name, src] of [['obce.gpkg', ''], ['obce.shp.zip', '/vsizip/']] as const) {
        const res = await request(server).get(`/api/downloads/${name}`).buffer(true).parse((r, cb) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => cb(null, Buffer.concat(chunks)));
        });
        expect(res.status).toBe(200);
        const file = join(dir, `http-${name}`);
        writeFileSync(file, res.body as Buffer);
        const info = execFileSync('ogrinfo', ['-ro', '-so', '-al', `${src}${file}`]).toString();
        expect(Number(/Feature Count: (\d+)/.exec(info)![1])).toBe(n);
      }
      expect(n).toBeGreaterThan(0);
      expect(exportWorkerJobs()).toBe(jobs + 2);
    } finally {
      server.close();
      if (before === undefined) delete process.env.EXPORT_IN_PROCESS_MAX;
      else process.env.EXPORT_IN_PROCESS_MAX = before;
    }
  });

  it('reports failures: the database error with its SQLSTATE (the API maps 22… to a 400), bad filters, unknown layers', async () => {
    const conn = database.connection!;
    const job = { databaseUrl: conn.url, searchPath: conn.searchPath, format: 'csv' as const, path: join(dir, 'bad.csv') };
    const noTable = runExportWorker({ ...job, searchPath: 'no_such_schema', layerId: 'stromy', request: {} });
    await expect(noTable).rejects.toBeInstanceOf(ExportFailed);
    await expect(noTable).rejects.toMatchObject({ code: '42P01' });
    const badDate = { cql2: { text: "datum_kontroly > DATE('2024-02-30')", lang: 'cql2-text' } };
    await expect(runExportWorker({ ...job, layerId: 'stromy', request: badDate })).rejects.toThrow(/invalid DATE/);
    await expect(runExportWorker({ ...job, layerId: 'neni', request: {} })).rejects.toThrow(/unknown layer/);
  });
});
