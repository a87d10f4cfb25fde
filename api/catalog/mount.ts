import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Database } from '../../sql/connection.ts';
import { DEFAULT_CATALOG_BASE, DEFAULT_CONTACT_EMAIL } from '../../data-catalog/publisher.ts';
import { DownloadCache } from '../downloads/cache.ts';
import { postgresExporter } from '../downloads/exporter.ts';
import { downloadRoutes } from '../downloads/routes.ts';
import { catalogRoutes, openDataCors } from './routes.ts';

/**
 * The open-data part of the API: the DCAT-AP-CZ catalogue and the downloads.
 * Catalogue IRIs use PUBLIC_BASE_URL, else https://geoportal.chomutov.cz, never
 * the request origin: harvested IRIs must not depend on who asked.
 * Downloads are cached under DATA_DIR/downloads; on PostgreSQL their rows are read
 * with binary COPY, and large layers are written by export worker processes.
 */
export function openData(opts: { database: Database; publicBaseUrl?: string; dataDir?: string }): { cors: Middleware; routers: Router[]; cache: DownloadCache } {
  const conn = opts.database.kind === 'postgres' ? opts.database.connection : undefined;
  const cache = new DownloadCache(
    opts.database.db,
    join(opts.dataDir ?? join(tmpdir(), 'geoportal'), 'downloads'),
    conn ? postgresExporter(opts.database.db, conn) : undefined,
  );
  const routers = [
    catalogRoutes({
      database: opts.database,
      cache,
      base: opts.publicBaseUrl ?? DEFAULT_CATALOG_BASE,
      contactEmail: process.env.CATALOG_CONTACT_EMAIL || DEFAULT_CONTACT_EMAIL,
    }),
    downloadRoutes(cache),
  ];
  return { cors: openDataCors, routers, cache };
}
