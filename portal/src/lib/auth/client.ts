/** The portal's side of api/auth: who is signed in, and writes that carry the CSRF token. */
export type Role = 'admin' | 'department_editor' | 'municipality_editor' | 'reader' | 'plan_admin';

export interface User {
  id: number;
  email: string;
  role: Role;
  layers: string[];
  municipalityCode: number | null;
  disabled: boolean;
}

export interface Me {
  user: User | null;
  csrfToken: string | null;
  oidc: boolean;
}

export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  errors?: { field: string; reason: string }[];
  retryAfter?: number;
}

export async function fetchMe(): Promise<Me> {
  const r = await fetch('/api/auth/me', { credentials: 'same-origin', cache: 'no-store' });
  if (!r.ok) return { user: null, csrfToken: null, oidc: false };
  return (await r.json()) as Me;
}

export type Result<T> = { ok: true; value: T; res: Response } | { ok: false; problem: Problem; res: Response };

async function result<T>(r: Response): Promise<Result<T>> {
  const text = await r.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (r.ok) return { ok: true, value: body as T, res: r };
  return { ok: false, problem: { status: r.status, ...((body ?? {}) as object) } as Problem, res: r };
}

export async function login(email: string, password: string): Promise<Result<{ user: User; csrfToken: string }>> {
  return result(await fetch('/api/auth/login', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) }));
}

/** A state-changing request of the signed-in user: JSON (or raw bytes) with the session's CSRF token. */
export async function send<T>(
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  csrf: string,
  body?: unknown,
  opts: { ifMatch?: string; contentType?: string; idempotencyKey?: string } = {},
): Promise<Result<T>> {
  const headers: Record<string, string> = { 'x-csrf-token': csrf };
  if (opts.ifMatch) headers['if-match'] = opts.ifMatch;
  if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
  let payload: BodyInit | undefined;
  if (body instanceof Blob) {
    payload = body;
    headers['content-type'] = opts.contentType ?? body.type;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = opts.contentType ?? 'application/json';
  }
  return result<T>(await fetch(url, { method, credentials: 'same-origin', headers, body: payload }));
}

export async function logout(csrf: string): Promise<void> {
  await send('POST', '/api/auth/logout', csrf);
}
