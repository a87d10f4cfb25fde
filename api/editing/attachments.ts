import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Router from '@koa/router';
import type { Context } from 'koa';
import { sql, type Kysely } from 'kysely';
import { HttpProblem, NotFound } from '../problem.ts';
import { apiBase } from '../links.ts';
import { principal, requirePrincipal } from '../auth/middleware.ts';
import { getLayer } from '../../schemas/index.ts';
import { assertCanEditLayer, currentRow } from './features.ts';
import { Forbidden } from '../auth/middleware.ts';
import { fidParam, layerOr404 } from './routes.ts';

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** Accepted types, each recognised by its leading bytes too: the declared type alone is not trusted. */
const TYPES: Record<string, (b: Buffer) => boolean> = {
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
};

interface AttachmentRow {
  id: number;
  layer_id: string;
  fid: number;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  storage_name: string;
  uploaded_by: number | null;
  uploaded_at: Date;
  client_key: string | null;
  /** e-mail of the uploader (joined for the list) */
  uploader_email?: string | null;
}

/** The key a client sends again with a repeated upload (`Idempotency-Key`): a UUID, or none. */
function clientKey(ctx: Context): string | null {
  const k = ctx.get('idempotency-key').trim();
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(k) ? k.toLowerCase() : null;
}

function cleanName(raw: string | undefined): string {
  const base = (raw ?? 'priloha').split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 120);
  return base || 'priloha';
}

/** Photos and documents of features, stored under DATA_DIR/attachments with metadata in feature_attachment. */
export function attachmentRoutes(db: Kysely<any>, dataDir: string): Router {
  const router = new Router();
  const dir = join(dataDir, 'attachments');

  router.post('/api/collections/:id/items/:fid/attachments', async (ctx) => {
    const layer = layerOr404(ctx.params.id!);
    const p = requirePrincipal(ctx);
    const fid = fidParam(ctx.params.fid);
    assertCanEditLayer(p, layer);
    const row = await currentRow(db, layer, fid, p, false);
    if (!row) throw new NotFound(`feature ${fid} does not exist in ${layer.id}`);
    if (p.role === 'municipality_editor' && (row.municipality_code !== p.municipalityCode || row.in_user_municipality !== true))
      throw new Forbidden(`the feature does not belong to your municipality (${p.municipalityCode})`);
    // a repeated send (the answer to the first was lost) gets the attachment the first one stored
    const key = clientKey(ctx);
    if (key) {
      const again = (await sql<AttachmentRow>`SELECT a.*, u.email AS uploader_email FROM feature_attachment a LEFT JOIN app_user u ON u.id = a.uploaded_by
        WHERE a.uploaded_by = ${p.userId} AND a.client_key = ${key} AND a.layer_id = ${layer.id} AND a.fid = ${fid}`.execute(db)).rows[0];
      if (again) {
        ctx.req.resume();
        ctx.status = 200;
        ctx.body = describe(ctx, again);
        return;
      }
    }
    const type = ctx.request.type;
    const sniff = TYPES[type];
    if (!sniff) throw new HttpProblem(415, 'Unsupported Media Type', `attach ${Object.keys(TYPES).join(', ')}`);
    const declared = Number(ctx.get('content-length') || 0);
    if (declared > MAX_ATTACHMENT_BYTES) throw new HttpProblem(413, 'Content Too Large', `attachments are limited to ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of ctx.req) {
      size += (c as Buffer).length;
      if (size > MAX_ATTACHMENT_BYTES) throw new HttpProblem(413, 'Content Too Large', `attachments are limited to ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB`);
      chunks.push(c as Buffer);
    }
    const bytes = Buffer.concat(chunks);
    if (!sniff(bytes)) throw new HttpProblem(415, 'Unsupported Media Type', `the content is not ${type}`);
    await mkdir(dir, { recursive: true });
    const storage = randomBytes(16).toString('hex');
    const tmp = join(dir, `.${storage}.part`);
    await writeFile(tmp, bytes, { mode: 0o640 });
    await rename(tmp, join(dir, storage));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const r = await sql<AttachmentRow>`INSERT INTO feature_attachment (layer_id, fid, file_name, content_type, size_bytes, sha256, storage_name, uploaded_by, client_key)
      VALUES (${layer.id}, ${fid}, ${cleanName(ctx.query.name as string | undefined)}, ${type}, ${size}, ${sha}, ${storage}, ${p.userId}, ${key}) RETURNING *`.execute(db);
    ctx.status = 201;
    ctx.body = describe(ctx, { ...r.rows[0]!, uploader_email: p.email });
  });

  router.get('/api/collections/:id/items/:fid/attachments', async (ctx) => {
    const layer = layerOr404(ctx.params.id!);
    if (layer.public === false) requirePrincipal(ctx);
    const fid = fidParam(ctx.params.fid);
    const r = await sql<AttachmentRow>`SELECT a.*, u.email AS uploader_email FROM feature_attachment a LEFT JOIN app_user u ON u.id = a.uploaded_by
      WHERE a.layer_id = ${layer.id} AND a.fid = ${fid} ORDER BY a.id`.execute(db);
    // who added a file is shown to staff only
    const staff = principal(ctx) !== undefined;
    ctx.body = { attachments: r.rows.map((a) => describe(ctx, a, staff)) };
  });

  router.get('/api/attachments/:aid', async (ctx) => {
    const id = Number(ctx.params.aid);
    const a = Number.isInteger(id) ? (await sql<AttachmentRow>`SELECT * FROM feature_attachment WHERE id = ${id}`.execute(db)).rows[0] : undefined;
    if (!a) throw new NotFound('no such attachment');
    if (getLayer(a.layer_id)?.public === false) requirePrincipal(ctx);
    ctx.type = a.content_type;
    ctx.length = a.size_bytes;
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
    ctx.set('Cache-Control', 'private, max-age=3600, immutable');
    ctx.set('Content-Disposition', `${a.content_type === 'application/pdf' ? 'attachment' : 'inline'}; filename*=UTF-8''${encodeURIComponent(a.file_name)}`);
    ctx.body = createReadStream(join(dir, a.storage_name));
  });

  return router;
}

function describe(ctx: Context, a: AttachmentRow, staff = true) {
  return {
    id: Number(a.id),
    fileName: a.file_name,
    contentType: a.content_type,
    size: a.size_bytes,
    sha256: a.sha256,
    uploadedAt: new Date(a.uploaded_at).toISOString(),
    ...(staff ? { uploadedBy: a.uploader_email ?? null } : {}),
    href: `${apiBase(ctx)}/attachments/${a.id}`,
  };
}
