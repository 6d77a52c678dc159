import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopProof, dpopKeyThumbprint } from '@tessera/token';
import { FORM, form, ISSUER, OPAQUE_API } from '../helpers.js';
import { userSetup, type UserFixture } from '../grants/fixture.js';

describe('userinfo (OpenID Connect Core §5.3, RFC 6750)', () => {
  let f: UserFixture;
  beforeAll(async () => {
    f = await userSetup('memory');
  });
  afterAll(() => f.close());

  async function tokens(scope: string[], resource?: string[]) {
    const { code, verifier } = await f.code({ scope, ...(resource ? { resource } : {}) });
    return (await f.exchange(code, verifier)).json() as { access_token: string; refresh_token: string };
  }
  const userinfo = (authorization?: string, method: 'GET' | 'POST' = 'GET', url = '/userinfo') =>
    f.tessera.app.inject({ method, url, headers: authorization === undefined ? {} : { authorization } });

  it('Core §5.4: profile and email scopes bring their claims; sub always; never cached', async () => {
    const { access_token } = await tokens(['openid', 'profile', 'email']);
    const res = await userinfo(`Bearer ${access_token}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      sub: f.userId,
      preferred_username: 'alice',
      updated_at: expect.any(Number),
      email: 'alice@example.com',
      email_verified: true,
    });
  });

  it('Core §5.4: openid alone yields only sub; POST works like GET (Core §5.3.1)', async () => {
    const { access_token } = await tokens(['openid', 'read']);
    expect((await userinfo(`Bearer ${access_token}`)).json()).toEqual({ sub: f.userId });
    expect((await userinfo(`bearer ${access_token}`, 'POST')).json()).toEqual({ sub: f.userId });
  });

  it('accepts opaque access tokens too', async () => {
    const { access_token } = await tokens(['openid', 'email'], [OPAQUE_API]);
    expect(access_token).toMatch(/^tat_/);
    expect((await userinfo(`Bearer ${access_token}`)).json()).toEqual({ sub: f.userId, email: 'alice@example.com', email_verified: true });
  });

  it('RFC 6750 §3.1: no credentials → 401 with a bare Bearer challenge (no error code)', async () => {
    const res = await userinfo();
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="${ISSUER}"`);
    expect(res.json()).toEqual({}); // "SHOULD NOT include an error code or other error information"
  });

  it('RFC 6750 §3.1: an invalid, revoked or refresh token → 401 invalid_token in WWW-Authenticate', async () => {
    const issued = await tokens(['openid']);
    await f.post('/revoke', { token: issued.access_token });
    for (const token of ['eyJhbGciOiJub25lIn0.e30.x', issued.access_token, issued.refresh_token]) {
      const res = await userinfo(`Bearer ${token}`);
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('invalid_token');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="[^"]+", error="invalid_token"/);
    }
  });

  it('RFC 6750 §3.1: a token without the openid scope → 403 insufficient_scope naming openid', async () => {
    const { access_token } = await tokens(['read']);
    const res = await userinfo(`Bearer ${access_token}`);
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('insufficient_scope');
    expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope".*scope="openid"/);
  });

  it('RFC 6750 §2.3 refused: an access token in the query is invalid_request (URIs are logged, RFC 9700 §4.3.2)', async () => {
    const { access_token } = await tokens(['openid']);
    const res = await userinfo(undefined, 'GET', `/userinfo?access_token=${access_token}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });

  it('RFC 6750 §2.1: a malformed Authorization header is invalid_request', async () => {
    const res = await userinfo('Basic dXNlcjpwYXNz');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });

  it('RFC 9449 §7: a DPoP-bound token needs the DPoP scheme and a proof of its key; as Bearer it is invalid_token', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const iat = () => Math.floor(f.clock.now() / 1000);
    const { code, verifier } = await f.code({ scope: ['openid', 'profile'], dpopJkt: dpopKeyThumbprint(key.publicKey) });
    const issued = await f.tessera.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': FORM, authorization: f.web.auth, dpop: createDpopProof(key.privateKey, { htm: 'POST', htu: `${ISSUER}/token`, iat: iat() }) },
      payload: form({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: 'https://app.example.com/cb' }),
    });
    expect(issued.statusCode, issued.body).toBe(200);
    const token = issued.json().access_token as string;

    const asBearer = await userinfo(`Bearer ${token}`);
    expect(asBearer.statusCode).toBe(401);
    expect(asBearer.json().error).toBe('invalid_token');
    const noProof = await userinfo(`DPoP ${token}`);
    expect(noProof.statusCode).toBe(401);
    expect(noProof.json().error).toBe('invalid_dpop_proof');

    const proof = createDpopProof(key.privateKey, { htm: 'GET', htu: `${ISSUER}/userinfo`, iat: iat(), accessToken: token });
    const ok = await f.tessera.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `DPoP ${token}`, dpop: proof } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ sub: f.userId, preferred_username: 'alice' });
  });

  it('a disabled user’s token is invalid_token', async () => {
    const { access_token } = await tokens(['openid', 'profile']);
    await f.storage.users.update(f.userId, { status: 'disabled' }, new Date(f.clock.now()));
    try {
      const res = await userinfo(`Bearer ${access_token}`);
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('invalid_token');
    } finally {
      await f.storage.users.update(f.userId, { status: 'active' }, new Date(f.clock.now()));
    }
  });
});
