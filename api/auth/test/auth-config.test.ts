import { describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { loadAuthConfig, loadOidcConfig } from '../config.ts';
import { authorizationRedirect } from '../oidc.ts';
import { mergePatch } from '../../editing/merge-patch.ts';

/**
 * OpenID Connect cannot be exercised against a real identity provider here
 * (no network). These tests cover what is ours: configuration checks and the
 * authorization redirect built by openid-client from the provider's metadata.
 * The code exchange itself (completeSignIn) is untested.
 */
describe('OpenID Connect configuration', () => {
  it('is off without variables and refuses partial or insecure configuration', () => {
    expect(loadOidcConfig({})).toBeUndefined();
    expect(() => loadOidcConfig({ OIDC_ISSUER: 'https://idp.chomutov.cz' })).toThrow(/all of/);
    expect(() => loadOidcConfig({ OIDC_ISSUER: 'http://idp.chomutov.cz', OIDC_CLIENT_ID: 'g', OIDC_CLIENT_SECRET: 's' })).toThrow(/https/);
    expect(() => loadOidcConfig({ OIDC_ISSUER: 'nonsense', OIDC_CLIENT_ID: 'g', OIDC_CLIENT_SECRET: 's' })).toThrow(/URL/);
    const ok = loadOidcConfig({ OIDC_ISSUER: 'https://idp.chomutov.cz/realms/mesto', OIDC_CLIENT_ID: 'geoportal', OIDC_CLIENT_SECRET: 's' });
    expect(ok?.issuer.href).toBe('https://idp.chomutov.cz/realms/mesto');
    expect(loadOidcConfig({ OIDC_ISSUER: 'http://localhost:8080', OIDC_CLIENT_ID: 'g', OIDC_CLIENT_SECRET: 's' })?.clientId).toBe('g');
  });

  it('validates the other auth settings', () => {
    expect(loadAuthConfig({}).cookieSecure).toBe('auto');
    expect(loadAuthConfig({ COOKIE_SECURE: '1' }).cookieSecure).toBe(true);
    expect(() => loadAuthConfig({ COOKIE_SECURE: 'maybe' })).toThrow(/COOKIE_SECURE/);
    expect(() => loadAuthConfig({ SESSION_TTL_SECONDS: '-5' })).toThrow(/SESSION_TTL_SECONDS/);
  });

  it('builds an authorization-code redirect with PKCE (S256), state and nonce', async () => {
    const config = new client.Configuration(
      { issuer: 'https://idp.chomutov.cz/realms/mesto', authorization_endpoint: 'https://idp.chomutov.cz/realms/mesto/auth', token_endpoint: 'https://idp.chomutov.cz/realms/mesto/token' },
      'geoportal',
      's3cret',
    );
    const { url, attempt } = await authorizationRedirect(config, 'https://gis.chomutov.cz/api/auth/oidc/callback');
    expect(url.origin + url.pathname).toBe('https://idp.chomutov.cz/realms/mesto/auth');
    const q = url.searchParams;
    expect(q.get('client_id')).toBe('geoportal');
    expect(q.get('redirect_uri')).toBe('https://gis.chomutov.cz/api/auth/oidc/callback');
    expect(q.get('response_type')).toBe('code');
    expect(q.get('scope')).toBe('openid email');
    expect(q.get('state')).toBe(attempt.state);
    expect(q.get('nonce')).toBe(attempt.nonce);
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toBe(await client.calculatePKCECodeChallenge(attempt.verifier));
    expect(q.get('client_secret')).toBeNull();
  });
});

describe('JSON merge patch (RFC 7396, appendix A examples)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (target, patch, result) => {
    expect(mergePatch(target, patch)).toEqual(result);
  });
});
