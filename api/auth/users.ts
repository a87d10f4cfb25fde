import { sql, type Kysely } from 'kysely';
import { getLayer } from '../../schemas/index.ts';
import { isRole, ROLES, type Role, type UserRow } from './principal.ts';
import { hashPassword } from './secrets.ts';
import { passwordMessage, passwordProblem } from './password-policy.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface RoleSpec {
  role: Role;
  layers?: string[];
  municipalityCode?: number | null;
}

/** Problems with a role assignment, as human-readable reasons (empty = fine). */
export async function checkRoleSpec(db: Kysely<any>, spec: { role: string; layers?: unknown; municipalityCode?: unknown }): Promise<string[]> {
  const errors: string[] = [];
  if (!isRole(spec.role)) errors.push(`role must be one of ${ROLES.join(', ')}`);
  if (spec.layers !== undefined && (!Array.isArray(spec.layers) || spec.layers.some((l) => typeof l !== 'string' || !getLayer(l))))
    errors.push('layers must be a list of existing layer ids');
  if (spec.role === 'department_editor' && (!Array.isArray(spec.layers) || spec.layers.length === 0))
    errors.push('a department editor needs at least one layer');
  if (spec.role === 'municipality_editor') {
    const code = spec.municipalityCode;
    if (typeof code !== 'number' || !Number.isInteger(code)) errors.push('a municipality editor needs a municipality RÚIAN code');
    else {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM layer_obce WHERE kod = ${code}`.execute(db);
      if (r.rows[0]!.n === 0) errors.push(`municipality ${code} is not in the municipality layer`);
    }
  }
  return errors;
}

export function checkEmail(email: string): string | undefined {
  return EMAIL.test(email) && email.length <= 254 ? undefined : 'not a valid e-mail address';
}

/** Why a password may not be used for the account with this e-mail (api/auth/password-policy.ts), or undefined. */
export function checkPassword(password: string, email: string): string | undefined {
  const problem = passwordProblem(password, email);
  return problem && passwordMessage(problem);
}

export async function createUser(db: Kysely<any>, email: string, password: string | null, spec: RoleSpec): Promise<UserRow> {
  const passwordHash = password === null ? null : await hashPassword(password);
  const r = await sql<UserRow>`INSERT INTO app_user (email, password_hash, role, layers, municipality_code)
    VALUES (${email.trim()}, ${passwordHash}, ${spec.role}, ${spec.role === 'department_editor' ? (spec.layers ?? []) : []}::text[],
      ${spec.role === 'municipality_editor' ? (spec.municipalityCode ?? null) : null})
    RETURNING *`.execute(db);
  return r.rows[0]!;
}

export async function findUserByEmail(db: Kysely<any>, email: string): Promise<UserRow | undefined> {
  return (await sql<UserRow>`SELECT * FROM app_user WHERE lower(email) = lower(${email.trim()})`.execute(db)).rows[0];
}

export async function findUser(db: Kysely<any>, id: number): Promise<UserRow | undefined> {
  return (await sql<UserRow>`SELECT * FROM app_user WHERE id = ${id}`.execute(db)).rows[0];
}

export async function listUsers(db: Kysely<any>): Promise<UserRow[]> {
  return (await sql<UserRow>`SELECT * FROM app_user ORDER BY lower(email)`.execute(db)).rows;
}

/** Changing the role ends the user's sessions, so the new scope applies at once. */
export async function setRole(db: Kysely<any>, id: number, spec: RoleSpec): Promise<UserRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const r = await sql<UserRow>`UPDATE app_user SET role = ${spec.role},
        layers = ${spec.role === 'department_editor' ? (spec.layers ?? []) : []}::text[],
        municipality_code = ${spec.role === 'municipality_editor' ? (spec.municipalityCode ?? null) : null}
      WHERE id = ${id} RETURNING *`.execute(trx);
    await sql`DELETE FROM user_session WHERE user_id = ${id}`.execute(trx);
    return r.rows[0];
  });
}

export async function setDisabled(db: Kysely<any>, id: number, disabled: boolean): Promise<UserRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const r = await sql<UserRow>`UPDATE app_user SET disabled = ${disabled} WHERE id = ${id} RETURNING *`.execute(trx);
    if (disabled) await sql`DELETE FROM user_session WHERE user_id = ${id}`.execute(trx);
    return r.rows[0];
  });
}

/**
 * A new password ends every session of the user and revokes every API token: whoever knew the
 * old password may have opened them. `keepSessionHash` spares the session the change was made
 * in (a user changing their own password stays signed in there).
 */
export async function setPassword(db: Kysely<any>, id: number, password: string, keepSessionHash?: string): Promise<void> {
  const h = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    await sql`UPDATE app_user SET password_hash = ${h}, failed_logins = 0, locked_until = NULL WHERE id = ${id}`.execute(trx);
    await sql`DELETE FROM user_session WHERE user_id = ${id} AND token_hash IS DISTINCT FROM ${keepSessionHash ?? null}`.execute(trx);
    await sql`UPDATE api_token SET revoked_at = now() WHERE user_id = ${id} AND revoked_at IS NULL`.execute(trx);
    await sql`DELETE FROM login_known_client WHERE user_id = ${id}`.execute(trx);
  });
}

/** What the API shows of a user: never the hash. */
export function publicUser(u: UserRow) {
  return {
    id: u.id,
    email: u.email,
    role: u.role,
    layers: u.layers ?? [],
    municipalityCode: u.municipality_code,
    disabled: u.disabled,
    lockedUntil: u.locked_until && new Date(u.locked_until) > new Date() ? new Date(u.locked_until).toISOString() : null,
    createdAt: new Date(u.created_at).toISOString(),
  };
}
