import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../sql/testing.ts';
import type { Database } from '../../../sql/connection.ts';
import { runEtlCli } from '../../cli.ts';
import { gdalAvailable, writeSyntheticDelivery, type SyntheticFiles } from './synthetic-delivery.ts';

describe.runIf(gdalAvailable())('npm run etl -- uap-deliver / uap-state / uap-deliveries', () => {
  let database: Database;
  let dir: string;
  let files: SyntheticFiles;
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runEtlCli(argv, database.db, { out: (l) => out.push(l), err: (l) => err.push(l), cwd: dir });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    dir = mkdtempSync(join(tmpdir(), 'geoportal-uap-cli-'));
    files = writeSyntheticDelivery(dir);
    const obce = join(import.meta.dirname, '../../samples/data/obce_orp_chomutov.geojson');
    expect((await run('import', obce, '--layer', 'obce', '--mapping', join(import.meta.dirname, '../../mappings/obce-ruian.json'))).code).toBe(0);
  }, 240_000);
  afterAll(async () => {
    await database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses incomplete commands with usage (exit 2) and bad deliveries with exit 1', async () => {
    expect((await run('uap-deliver', '--public', '--jev', '73=vedeni_es.shp.zip')).code).toBe(2);
    expect((await run('uap-deliver', '--provider', 'X', '--jev', '73=vedeni_es.shp.zip')).code).toBe(2);
    expect((await run('uap-deliver', '--provider', 'X', '--public', '--jev', 'sedmdesát=vedeni_es.shp.zip')).code).toBe(2);
    const bad = await run('uap-deliver', '--provider', 'X', '--public', '--jev', '200=vedeni_es.shp.zip');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/not in the register/);
    expect((await run('uap-state', 'chomutov')).code).toBe(2);
  });

  it('records a delivery from relative paths and prints the state of the municipality in Czech', async () => {
    const r = await run('uap-deliver', '--provider', 'SYNTETICKÁ DATA – ČEZ', '--public', '--date', '2026-11-20', '--synthetic', '--jev', '73=vedeni_es.shp.zip', '--jev', '72:stanice=ceznet_uap.gpkg');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/delivery \d+: SYNTETICKÁ DATA – ČEZ, 2026-11-20, public/);
    expect(r.out).toMatch(/jev 73 → uap-linie .*inserted 2/);
    expect(r.out).toMatch(/jev 72 → uap-body .*inserted 3/);
    const s = await run('uap-state', '562971');
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/ÚAP Chomutov \(562971\): předáno 2, zastaralé 0, chybí 117/);
    expect(s.out).toMatch(/ 73\s+předáno\s+nadzemní a podzemní vedení elektrizační soustavy včetně ochranného pásma — SYNTETICKÁ DATA – ČEZ 2026-11-20/);
    const l = await run('uap-deliveries');
    expect(l.out).toMatch(/\t2026-11-20\tveřejné\tSYNTETICKÁ DATA – ČEZ\tjevy 73,72\t5 prvků/);
  });
});
