/** Settings of accounts and sign-in, read from the environment (documented in README). */
export interface OidcConfig {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** where the IdP sends the browser back; default `<public base>/api/auth/oidc/callback` */
  redirectUri?: string;
}

export interface AuthConfig {
  /** `auto`: Secure cookies when the request came over https (directly or via X-Forwarded-Proto) */
  cookieSecure: boolean | 'auto';
  sessionTtlSeconds: number;
  /** failed passwords in a row before the account is locked for `lockoutSeconds` */
  maxFailedLogins: number;
  lockoutSeconds: number;
  /** login attempts per client address per window (all accounts together) */
  loginRateLimit: number;
  loginRateWindowSeconds: number;
  oidc?: OidcConfig;
}

export const DEFAULT_AUTH: AuthConfig = {
  cookieSecure: 'auto',
  sessionTtlSeconds: 8 * 3600,
  maxFailedLogins: 5,
  lockoutSeconds: 15 * 60,
  loginRateLimit: 20,
  loginRateWindowSeconds: 15 * 60,
};

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** OIDC is all-or-nothing: a partial configuration is an error at start, not a broken login later. */
export function loadOidcConfig(env: NodeJS.ProcessEnv): OidcConfig | undefined {
  const { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret } = env;
  const given = [issuer, clientId, clientSecret].filter((v) => v !== undefined && v !== '');
  if (given.length === 0) return undefined;
  if (given.length !== 3) throw new Error('OpenID Connect needs all of OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET');
  let url: URL;
  try {
    url = new URL(issuer!);
  } catch {
    throw new Error(`OIDC_ISSUER must be a URL, got "${issuer}"`);
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(local && url.protocol === 'http:'))
    throw new Error('OIDC_ISSUER must use https (http only for localhost)');
  const redirectUri = env.OIDC_REDIRECT_URI || undefined;
  if (redirectUri) new URL(redirectUri);
  return { issuer: url, clientId: clientId!, clientSecret: clientSecret!, redirectUri };
}

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const secure = env.COOKIE_SECURE;
  let cookieSecure: AuthConfig['cookieSecure'] = 'auto';
  if (secure === '1' || secure === 'true') cookieSecure = true;
  else if (secure === '0' || secure === 'false') cookieSecure = false;
  else if (secure !== undefined && secure !== '' && secure !== 'auto') throw new Error(`COOKIE_SECURE must be auto, 1 or 0, got "${secure}"`);
  return {
    cookieSecure,
    sessionTtlSeconds: positiveInt(env, 'SESSION_TTL_SECONDS', DEFAULT_AUTH.sessionTtlSeconds),
    maxFailedLogins: positiveInt(env, 'LOGIN_MAX_FAILURES', DEFAULT_AUTH.maxFailedLogins),
    lockoutSeconds: positiveInt(env, 'LOGIN_LOCKOUT_SECONDS', DEFAULT_AUTH.lockoutSeconds),
    loginRateLimit: positiveInt(env, 'LOGIN_RATE_LIMIT', DEFAULT_AUTH.loginRateLimit),
    loginRateWindowSeconds: DEFAULT_AUTH.loginRateWindowSeconds,
    oidc: loadOidcConfig(env),
  };
}
