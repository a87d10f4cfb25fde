import * as client from 'openid-client';
import type { OidcConfig } from './config.ts';

/** The pieces of one sign-in attempt the callback must check, kept in a short-lived HttpOnly cookie. */
export interface OidcAttempt {
  state: string;
  nonce: string;
  verifier: string;
}

let discovered: { key: string; config: Promise<client.Configuration> } | undefined;

/** Discovers the IdP once per process (retrying after a failure). */
export function oidcConfiguration(cfg: OidcConfig): Promise<client.Configuration> {
  const key = `${cfg.issuer.href}|${cfg.clientId}`;
  if (!discovered || discovered.key !== key) {
    const config = client.discovery(cfg.issuer, cfg.clientId, cfg.clientSecret);
    config.catch(() => {
      if (discovered?.config === config) discovered = undefined;
    });
    discovered = { key, config };
  }
  return discovered.config;
}

/** Authorization Code flow with PKCE, state and nonce. */
export async function authorizationRedirect(config: client.Configuration, redirectUri: string): Promise<{ url: URL; attempt: OidcAttempt }> {
  const attempt: OidcAttempt = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier() };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email',
    response_type: 'code',
    state: attempt.state,
    nonce: attempt.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(attempt.verifier),
    code_challenge_method: 'S256',
  });
  return { url, attempt };
}

/** Exchanges the code and returns the verified e-mail of the signed-in person. */
export async function completeSignIn(config: client.Configuration, currentUrl: URL, attempt: OidcAttempt): Promise<string | undefined> {
  const tokens = await client.authorizationCodeGrant(config, currentUrl, {
    pkceCodeVerifier: attempt.verifier,
    expectedState: attempt.state,
    expectedNonce: attempt.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  if (!claims || typeof claims.email !== 'string' || claims.email_verified === false) return undefined;
  return claims.email;
}
