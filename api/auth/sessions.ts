import { sql, type Kysely } from 'kysely';
import type { UserRow } from './principal.ts';
import { randomToken, sha256 } from './secrets.ts';

export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(db: Kysely<any>, userId: number, ttlSeconds: number): Promise<NewSession> {
  const token = randomToken();
  const csrfToken = randomToken();
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await db.transaction().execute(async (trx) => {
    await sql`DELETE FROM user_session WHERE expires_at < now()`.execute(trx);
    await sql`INSERT INTO user_session (token_hash, user_id, csrf_token, expires_at)
      VALUES (${sha256(token)}, ${userId}, ${csrfToken}, ${expiresAt})`.execute(trx);
  });
  return { token, csrfToken, expiresAt };
}

export async function sessionUser(db: Kysely<any>, token: string): Promise<{ user: UserRow; csrfToken: string } | undefined> {
  const r = await sql<UserRow & { csrf_token: string }>`SELECT u.*, s.csrf_token FROM user_session s JOIN app_user u ON u.id = s.user_id
    WHERE s.token_hash = ${sha256(token)} AND s.expires_at > now() AND NOT u.disabled`.execute(db);
  const row = r.rows[0];
  if (!row) return undefined;
  const { csrf_token, ...user } = row;
  return { user, csrfToken: csrf_token };
}

export async function deleteSession(db: Kysely<any>, token: string): Promise<void> {
  await sql`DELETE FROM user_session WHERE token_hash = ${sha256(token)}`.execute(db);
}

export const TOKEN_PREFIX = 'gpt_';

export async function createApiToken(db: Kysely<any>, userId: number, name: string): Promise<{ id: number; token: string }> {
  const token = randomToken(TOKEN_PREFIX);
  const r = await sql<{ id: number }>`INSERT INTO api_token (user_id, name, token_hash) VALUES (${userId}, ${name}, ${sha256(token)}) RETURNING id`.execute(db);
  return { id: r.rows[0]!.id, token };
}

export async function tokenUser(db: Kysely<any>, token: string): Promise<UserRow | undefined> {
  const r = await sql<UserRow>`UPDATE api_token t SET last_used_at = now() FROM app_user u
    WHERE t.token_hash = ${sha256(token)} AND t.revoked_at IS NULL AND u.id = t.user_id AND NOT u.disabled
    RETURNING u.*`.execute(db);
  return r.rows[0];
}

export interface TokenInfo {
  id: number;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export async function listTokens(db: Kysely<any>, userId: number): Promise<TokenInfo[]> {
  return (await sql<TokenInfo>`SELECT id, name, created_at, last_used_at, revoked_at FROM api_token WHERE user_id = ${userId} ORDER BY id`.execute(db)).rows;
}

export async function revokeToken(db: Kysely<any>, userId: number, id: number): Promise<boolean> {
  const r = await sql`UPDATE api_token SET revoked_at = now() WHERE id = ${id} AND user_id = ${userId} AND revoked_at IS NULL`.execute(db);
  return Number(r.numAffectedRows ?? 0) > 0;
}
