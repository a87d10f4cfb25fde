import request from 'supertest';
import type { Server } from 'node:http';
import { openTestDatabase } from '../../../sql/testing.ts';
import type { BackendKind, Database } from '../../../sql/connection.ts';
import { createApp } from '../../app.ts';

/** A seeded database and the API in front of it, as the conformance tests of issue #15 use them. */
export interface Harness {
  database: Database;
  server: Server;
  api: () => request.Agent;
  close: () => Promise<void>;
}

export async function openHarness(backend: BackendKind): Promise<Harness> {
  const database = await openTestDatabase(backend, { seeded: true });
  const server = createApp({ database }).listen(0);
  return {
    database,
    server,
    api: () => request.agent(server),
    close: async () => {
      server.close();
      await database.close();
    },
  };
}

export type Link = { rel: string; href: string; type?: string };
export const rel = (links: Link[], r: string): Link | undefined => links.find((l) => l.rel === r);
/** path and query of an absolute link, for supertest */
export const local = (href: string): string => new URL(href).pathname + new URL(href).search;

/** Follows `next` links from `start`; the ids of every page. */
export async function walkIds(h: Harness, start: string): Promise<number[]> {
  const ids: number[] = [];
  let url: string | undefined = start;
  for (let pages = 0; url; pages++) {
    if (pages > 500) throw new Error('paging does not end');
    const res: request.Response = await h.api().get(url).expect(200);
    ids.push(...(res.body.features as { id: number }[]).map((f) => f.id));
    const next = rel(res.body.links as Link[], 'next');
    url = next ? local(next.href) : undefined;
  }
  return ids;
}
