import type { LayerSchema } from '../../schemas/types.ts';

/** plan_admin: the only role that may write land-use plan layers (legal documents) through the editing API */
export const ROLES = ['admin', 'department_editor', 'municipality_editor', 'reader', 'plan_admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

/** The signed-in user a request acts for (cookie session or API token). */
export interface Principal {
  userId: number;
  email: string;
  role: Role;
  /** department editors: editable layer ids */
  layers: string[];
  /** municipality editors: RÚIAN code */
  municipalityCode: number | null;
  via: 'session' | 'token';
}

/** Row of app_user as the auth code reads it. */
export interface UserRow {
  id: number;
  email: string;
  password_hash: string | null;
  role: Role;
  layers: string[];
  municipality_code: number | null;
  disabled: boolean;
  failed_logins: number;
  locked_until: Date | null;
  created_at: Date;
}

export function principalOf(u: UserRow, via: Principal['via']): Principal {
  return { userId: u.id, email: u.email, role: u.role, layers: u.layers ?? [], municipalityCode: u.municipality_code, via };
}

export function actorOf(p: Principal): string {
  return `user:${p.userId}`;
}

/** Non-public layers need an account; every role may read them. */
export function canRead(p: Principal | undefined, layer: LayerSchema): boolean {
  return layer.public !== false || p !== undefined;
}

/**
 * Land-use plan layers are legal documents: they change by importing a new plan version
 * (api/landuse keeps the versions), so the published layer always equals an archived version.
 */
export function isLegalDocument(layer: LayerSchema): boolean {
  return layer.theme === 'landuse';
}

/**
 * Which layers a role may write at all. Municipality editors additionally only
 * touch their municipality's features (checked per feature by api/editing).
 * Land-use plan layers only the plan administrator writes, not even an administrator.
 */
export function canEditLayer(p: Pick<Principal, 'role' | 'layers'>, layer: LayerSchema): boolean {
  if (isLegalDocument(layer)) return p.role === 'plan_admin';
  // ÚAP data change only by a provider's delivery (etl/uap), which replaces the provider's jev as a whole
  if (layer.theme === 'territorial-analysis') return false;
  switch (p.role) {
    case 'plan_admin':
      return false;
    case 'admin':
      return true;
    case 'department_editor':
      return p.layers.includes(layer.id);
    case 'municipality_editor':
      return layer.perMunicipality;
    case 'reader':
      return false;
  }
}
