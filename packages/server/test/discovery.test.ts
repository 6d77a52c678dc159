import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStorage } from '@tessera/store';
import { clientCredentials, createTessera } from '../src/index.js';
import { ISSUER, seedKeys, setup, T0, TEST_MASTER_KEY, type Fixture } from './helpers.js';

let f: Fixture;
beforeAll(async () => {
  f = await setup();
});
afterAll(() => f.close());

const get = (url: string, headers: Record<string, string> = {}) => f.tessera.app.inject({ method: 'GET', url, headers });

describe('authorization server metadata (RFC 8414)', () => {
  it('serves the same document at both well-known paths, with issuer equal to ours (RFC 8414 §3.3)', async () => {
    const a = await get('/.well-known/oauth-authorization-server');
    const b = await get('/.well-known/openid-configuration');
    expect(a.statusCode).toBe(200);
    expect(a.body).toBe(b.body);
    // Every member below; features of other issues (authorize, logout, DPoP, SSF) add their own.
    expect(a.json()).toMatchObject({
      issuer: ISSUER,
      token_endpoint: `${ISSUER}/token`,
      jwks_uri: `${ISSUER}/jwks.json`,
      introspection_endpoint: `${ISSUER}/introspect`,
      revocation_endpoint: `${ISSUER}/revoke`,
      userinfo_endpoint: `${ISSUER}/userinfo`,
      device_authorization_endpoint: `${ISSUER}/device_authorization`,
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
      scopes_supported: ['openid', 'profile', 'email'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'sid', 'preferred_username', 'updated_at', 'email', 'email_verified'],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
      token_endpoint_auth_signing_alg_values_supported: ['EdDSA', 'ES256', 'RS256'],
      // Public clients may revoke (RFC 7009 §2.1) but not introspect (RFC 7662 §4).
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      introspection_endpoint_auth_signing_alg_values_supported: ['EdDSA', 'ES256', 'RS256'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
      revocation_endpoint_auth_signing_alg_values_supported: ['EdDSA', 'ES256', 'RS256'],
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA', 'RS256', 'PS256'],
    });
  });

  it('never advertises the implicit or password grants (RFC 9700 §2.1.2, §2.4)', async () => {
    const metadata = (await get('/.well-known/oauth-authorization-server')).json();
    expect(metadata.grant_types_supported).not.toContain('password');
    expect(metadata.grant_types_supported).not.toContain('implicit');
  });

  it('allows CORS on metadata (checklist C-22)', async () => {
    expect((await get('/.well-known/openid-configuration')).headers['access-control-allow-origin']).toBe('*');
  });
});

describe('metadata is generated from what is registered (truthfulness)', () => {
  it('every advertised endpoint exists on this server', async () => {
    const metadata = (await get('/.well-known/openid-configuration')).json() as Record<string, unknown>;
    const endpoints = Object.entries(metadata).filter(([name]) => name.endsWith('_endpoint') || name === 'jwks_uri');
    expect(endpoints.map(([name]) => name)).toEqual(
      expect.arrayContaining(['device_authorization_endpoint', 'introspection_endpoint', 'jwks_uri', 'revocation_endpoint', 'token_endpoint', 'userinfo_endpoint']),
    );
    for (const [, url] of endpoints) {
      const path = String(url).slice(ISSUER.length);
      const get = await f.tessera.app.inject({ method: 'GET', url: path });
      const post = await f.tessera.app.inject({ method: 'POST', url: path });
      // Served by one method or the other (405 names the path as known).
      expect([get.statusCode, post.statusCode], path).not.toEqual([404, 404]);
      expect(get.statusCode === 404 || post.statusCode === 404, path).toBe(false);
    }
  });

  it('a server offering only client_credentials advertises only that: no device endpoint, no refresh or code grant', async () => {
    const storage = createMemoryStorage({ now: () => T0 });
    await seedKeys(storage);
    const t = await createTessera({
      config: { issuer: ISSUER, dev: true, store: { kind: 'memory' }, keys: { masterKey: TEST_MASTER_KEY }, server: { logLevel: 'silent' } },
      storage,
      now: () => T0,
      grants: [clientCredentials],
    });
    try {
      const metadata = (await t.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
      expect(metadata.grant_types_supported).toEqual(['client_credentials']);
      expect(metadata).not.toHaveProperty('device_authorization_endpoint');
      expect((await t.app.inject({ method: 'POST', url: '/device_authorization' })).statusCode).toBe(404);
    } finally {
      await t.close();
      await storage.close();
    }
  });
});

describe('JWKS', () => {
  it('serves public keys only, with Cache-Control max-age from config and an ETag', async () => {
    const res = await get('/jwks.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=600');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const { keys } = res.json() as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThanOrEqual(1);
    // Access tokens (ES256) and every ID-token algorithm (RS256, ES256, EdDSA): current and next key each.
    expect(new Set(keys.map((k) => k.alg))).toEqual(new Set(['ES256', 'RS256', 'EdDSA']));
    for (const key of keys) {
      expect(key).toMatchObject({ use: 'sig', kid: expect.any(String) });
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(secret);
    }
    expect(res.headers.etag).toMatch(/^"[^"]+"$/);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await get('/jwks.json');
    const again = await get('/jwks.json', { 'if-none-match': String(first.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });
});

describe('health', () => {
  it('/healthz answers while the process is up', async () => {
    const res = await get('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is ready when storage answers and keys are loaded', async () => {
    const res = await get('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { storage: 'ok', keys: 'ok' } });
  });

  it('/readyz answers 503 when the storage does not', async () => {
    const original = f.storage.ping;
    f.storage.ping = () => Promise.reject(new Error('connection refused'));
    try {
      const res = await get('/readyz');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', checks: { storage: 'down', keys: 'ok' } });
    } finally {
      f.storage.ping = original;
    }
  });
});
