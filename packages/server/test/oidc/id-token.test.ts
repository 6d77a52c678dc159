import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUER, T0 } from '../helpers.js';
import { userSetup, type UserFixture } from '../grants/fixture.js';

describe('ID tokens (OpenID Connect Core §2, §3.1.3.6)', () => {
  let f: UserFixture;
  beforeAll(async () => {
    f = await userSetup('memory');
  });
  afterAll(() => f.close());

  const jwks = async () => createLocalJWKSet((await f.tessera.app.inject({ method: 'GET', url: '/jwks.json' })).json());

  async function idTokenFor(metadata?: Record<string, unknown>) {
    const client = metadata ? await f.client({ grantTypes: ['authorization_code'], metadata }) : f.web;
    const { code, verifier } = await f.code({ client });
    const res = await f.exchange(code, verifier, {}, client.auth);
    expect(res.statusCode, res.body).toBe(200);
    return { idToken: res.json().id_token as string, client };
  }

  it.each([
    ['RS256 by default (Core §15.1)', undefined, 'RS256'],
    ['ES256 when the client registered it', { id_token_signed_response_alg: 'ES256' }, 'ES256'],
    ['EdDSA when the client registered it', { id_token_signed_response_alg: 'EdDSA' }, 'EdDSA'],
  ] as const)('is signed %s and verifies with jose against the served JWKS', async (_name, metadata, alg) => {
    const { idToken, client } = await idTokenFor(metadata);
    expect(decodeProtectedHeader(idToken)).toMatchObject({ alg, typ: 'JWT', kid: expect.any(String) });
    const { payload } = await jwtVerify(idToken, await jwks(), { issuer: ISSUER, audience: client.id, algorithms: [alg], currentDate: new Date(T0) });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: f.userId,
      aud: client.id,
      iat: T0 / 1000,
      exp: T0 / 1000 + 3600,
      auth_time: T0 / 1000 - 30,
      nonce: 'n-0S6_WzA2Mj',
      acr: 'urn:tessera:acr:mfa',
      amr: ['pwd', 'otp', 'mfa'],
      sid: 'sid-1',
    });
  });

  it('Core §2: without a nonce in the request there is none in the ID token', async () => {
    const { code, verifier } = await f.code({ nonce: null, acr: null, amr: [], sessionId: null });
    const { payload } = await jwtVerify((await f.exchange(code, verifier)).json().id_token, await jwks(), { currentDate: new Date(T0) });
    expect(Object.keys(payload).sort()).toEqual(['aud', 'auth_time', 'exp', 'iat', 'iss', 'sub']);
  });

  it('a client asking for an algorithm the server keeps no key for is refused (unauthorized_client), nothing is signed', async () => {
    const g = await userSetup('memory', { tokens: { idTokenAlgs: ['RS256'] } });
    try {
      const client = await g.client({ grantTypes: ['authorization_code'], metadata: { id_token_signed_response_alg: 'EdDSA' } });
      const { code, verifier } = await g.code({ client });
      const res = await g.exchange(code, verifier, {}, client.auth);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('unauthorized_client');
      const metadata = (await g.tessera.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json();
      expect(metadata.id_token_signing_alg_values_supported).toEqual(['RS256']);
    } finally {
      await g.close();
    }
  });
});
