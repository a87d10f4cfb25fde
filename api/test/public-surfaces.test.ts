import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { openTestDatabase, testBackends } from '../../sql/testing.ts';
import type { Database } from '../../sql/connection.ts';
import { importFile } from '../../etl/import.ts';
import { loadMapping } from '../../etl/mapping.ts';
import { createApp } from '../app.ts';
import { createApiToken } from '../auth/sessions.ts';
import { createUser } from '../auth/users.ts';

const samples = join(import.meta.dirname, '../../etl');

describe.each(testBackends())('public surfaces show no server paths on %s', (backend) => {
  let database: Database;
  let server: Server;
  let upload: string;
  let token: string;

  beforeAll(async () => {
    database = await openTestDatabase(backend);
    // as an upload would be: a file in a server temp directory
    upload = mkdtempSync(join(tmpdir(), 'geoportal-upload-'));
    const file = join(upload, 'obce_orp_chomutov.geojson');
    copyFileSync(join(samples, 'samples/data/obce_orp_chomutov.geojson'), file);
    await importFile(database.db, { path: file, layerId: 'obce', mapping: loadMapping(join(samples, 'mappings/obce-ruian.json')) });
    const clerk = await createUser(database.db, 'urednik@chomutov.test', 'kancelář-v-přízemí-12', { role: 'reader' });
    token = (await createApiToken(database.db, clerk.id, 'test')).token;
    server = createApp({ database }).listen(0);
  }, 120_000);
  afterAll(async () => {
    server?.close();
    await database?.close();
    rmSync(upload, { recursive: true, force: true });
  });

  it('the data-quality facts name the source for the public and give the path to signed-in staff only', async () => {
    for (const url of ['/api/catalog/portal/obce', '/api/catalog/portal.json']) {
      const pub = await request(server).get(url).expect(200);
      const d = (url.endsWith('.json') ? pub.body.datasets.find((x: { id: string }) => x.id === 'obce') : pub.body) as { lastImport: { source: string } };
      expect(d.lastImport.source, url).toBe('obce_orp_chomutov.geojson');
      expect(pub.text, url).not.toContain(upload);
      expect(pub.text, url).not.toContain(tmpdir());
      const staff = await request(server).get(url).set('Authorization', `Bearer ${token}`).expect(200);
      const s = (url.endsWith('.json') ? staff.body.datasets.find((x: { id: string }) => x.id === 'obce') : staff.body) as { lastImport: { source: string } };
      expect(s.lastImport.source, url).toBe(join(upload, 'obce_orp_chomutov.geojson'));
      // a caller-dependent answer is never stored by a shared cache
      expect(staff.headers['cache-control']).toMatch(/private/);
      expect(pub.headers.vary).toMatch(/Cookie/i);
    }
  });

  it('the public catalogue and the portal list no non-public layer', async () => {
    const all = (await request(server).get('/api/catalog/portal.json').expect(200)).body.datasets as { id: string }[];
    expect(all.map((d) => d.id)).not.toContain('kamery');
    await request(server).get('/api/catalog/portal/kamery').expect(404);
  });
});
