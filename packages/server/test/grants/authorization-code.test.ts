import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, mintOpaque } from '@tessera/token';
import { ISSUER, JWT_API, OPAQUE_API, T0 } from '../helpers.js';
import { claimsOf, STORES, userSetup, type UserFixture } from './fixture.js';

describe.each(STORES)('authorization_code grant on %s (RFC 6749 §4.1.3, RFC 7636)', (kind) => {
  let f: UserFixture;
  beforeAll(async () => {
    f = await userSetup(kind);
  });
  afterAll(() => f.close());

  const error = (res: { statusCode: number; json(): { error: string } }) => ({ status: res.statusCode, error: res.json().error });

  it('exchanges a code for an at+jwt, a refresh token and an ID token, never cached (RFC 6749 §5.1)', async () => {
    const { code, verifier } = await f.code();
    const res = await f.exchange(code, verifier);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 600,
      scope: 'openid profile read',
      refresh_token: expect.stringMatching(/^trt_[A-Za-z0-9_-]{43}$/),
      id_token: expect.any(String),
    });
    const jwks = createLocalJWKSet((await f.tessera.app.inject({ method: 'GET', url: '/jwks.json' })).json());
    const { payload } = await jwtVerify(body.access_token, jwks, { issuer: ISSUER, audience: JWT_API, typ: 'at+jwt', currentDate: new Date(T0) });
    expect(payload).toMatchObject({
      sub: f.userId,
      client_id: f.web.id,
      scope: 'openid profile read',
      sid: 'sid-1',
      acr: 'urn:tessera:acr:mfa',
      auth_time: T0 / 1000 - 30,
    });
    expect(payload).not.toHaveProperty('cnf');
    // Only the hash of the refresh token is stored.
    const stored = await f.storage.tokens.get(hashSecret(body.refresh_token));
    expect(stored).toMatchObject({ kind: 'refresh_token', clientId: f.web.id, subject: f.userId, sessionId: 'sid-1', scope: ['openid', 'profile', 'read'] });
    expect(JSON.stringify(stored)).not.toContain(body.refresh_token);
  });

  it('RFC 7636 §4.6: a code_verifier that does not match the challenge is invalid_grant', async () => {
    const { code } = await f.code();
    const res = await f.exchange(code, 'A'.repeat(43));
    expect(error(res)).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('RFC 7636 §4.5: a token request without code_verifier is invalid_request, and does not burn the code', async () => {
    const { code, verifier } = await f.code();
    const res = await f.post('/token', { grant_type: 'authorization_code', code, redirect_uri: 'https://app.example.com/cb' });
    expect(error(res)).toEqual({ status: 400, error: 'invalid_request' });
    expect((await f.exchange(code, verifier)).statusCode).toBe(200);
  });

  it.each([
    ['42 characters', 'a'.repeat(42)],
    ['129 characters', 'a'.repeat(129)],
    ['a character outside [A-Za-z0-9-._~]', `${'a'.repeat(42)}+`],
    ['a space', `${'a'.repeat(42)} `],
  ])('RFC 7636 §4.1: a code_verifier of %s is malformed (invalid_request)', async (_what, verifier) => {
    const { code } = await f.code();
    expect(error(await f.exchange(code, verifier))).toEqual({ status: 400, error: 'invalid_request' });
  });

  it('RFC 9700 §2.1.1: a verifier for a code issued without a challenge (PKCE downgrade) is refused', async () => {
    const { code, verifier } = await f.code({ codeChallenge: '' });
    expect(error(await f.exchange(code, verifier))).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('RFC 6749 §4.1.3: a redirect_uri different from the authorization request is invalid_grant', async () => {
    const { code, verifier } = await f.code();
    expect(error(await f.exchange(code, verifier, { redirect_uri: 'https://app.example.com/cb/' }))).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('RFC 6749 §4.1.3: a missing redirect_uri, when the authorization request had one, is invalid_grant', async () => {
    const { code, verifier } = await f.code();
    const res = await f.post('/token', { grant_type: 'authorization_code', code, code_verifier: verifier });
    expect(error(res)).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('RFC 6749 §4.1.3: a code issued to another client is invalid_grant', async () => {
    const { code, verifier } = await f.code({ client: f.other });
    expect(error(await f.exchange(code, verifier))).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('RFC 6749 §4.1.2: an expired code (60 s lifetime) is invalid_grant', async () => {
    const { code, verifier } = await f.code();
    f.clock.advance(60);
    try {
      expect(error(await f.exchange(code, verifier))).toEqual({ status: 400, error: 'invalid_grant' });
    } finally {
      f.clock.advance(-60);
    }
  });

  it('an unknown code, or something that is not a code, is invalid_grant', async () => {
    const { verifier } = await f.code();
    expect(error(await f.exchange('tac_' + 'x'.repeat(43), verifier))).toEqual({ status: 400, error: 'invalid_grant' });
    expect(error(await f.exchange('not-a-code', verifier))).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('RFC 6749 §4.1.2: a second use of a code fails and revokes every token the first use issued (JWT and opaque)', async () => {
    const jwtCode = await f.code();
    const first = (await f.exchange(jwtCode.code, jwtCode.verifier)).json();
    expect(await f.introspect(first.access_token)).toMatchObject({ active: true });
    expect(await f.introspect(first.refresh_token)).toMatchObject({ active: true, token_type: 'refresh_token' });

    const replay = await f.exchange(jwtCode.code, jwtCode.verifier);
    expect(error(replay)).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await f.introspect(first.access_token)).toEqual({ active: false });
    expect(await f.introspect(first.refresh_token)).toEqual({ active: false });
    // The JWT went on the revocation list, where resource servers learn of it.
    const jti = claimsOf(first.access_token).jti as string;
    expect(await f.storage.revocations.get(jti)).toMatchObject({ jti, reason: 'authorization_code_replay' });
    expect((await f.storage.grants.get(jwtCode.record.grantId))?.revokedAt).not.toBeNull();
    expect(error(await f.refresh(first.refresh_token))).toEqual({ status: 400, error: 'invalid_grant' });

    const opaqueCode = await f.code({ resource: [OPAQUE_API] });
    const opaque = (await f.exchange(opaqueCode.code, opaqueCode.verifier)).json();
    expect(opaque.access_token).toMatch(/^tat_/);
    expect(await f.introspect(opaque.access_token)).toMatchObject({ active: true });
    await f.exchange(opaqueCode.code, opaqueCode.verifier);
    expect(await f.introspect(opaque.access_token)).toEqual({ active: false });
  });

  it('RFC 6749 §4.1.2: two concurrent uses of one code — at most one gets tokens, and none of them stays active', async () => {
    for (const resource of [JWT_API, OPAQUE_API]) {
      const { code, verifier } = await f.code({ resource: [resource] });
      const results = await Promise.all([f.exchange(code, verifier), f.exchange(code, verifier), f.exchange(code, verifier)]);
      const ok = results.filter((r) => r.statusCode === 200);
      expect(ok.length).toBeLessThanOrEqual(1);
      for (const r of results.filter((x) => x.statusCode !== 200)) expect(r.json().error).toBe('invalid_grant');
      for (const r of ok) {
        expect(await f.introspect(r.json().access_token)).toEqual({ active: false });
        expect(await f.introspect(r.json().refresh_token)).toEqual({ active: false });
      }
    }
  });

  it('a second code for an already exchanged grant is invalid_grant, not a server error', async () => {
    const first = await f.code();
    expect((await f.exchange(first.code, first.verifier)).statusCode).toBe(200);
    // As if the authorization endpoint had issued another code into the same grant.
    const again = mintOpaque('authorization_code');
    await f.storage.authorizationCodes.create({ ...first.record, hash: again.hash, consumedAt: null });
    expect(error(await f.exchange(again.value, first.verifier))).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('RFC 8707 §2.2: resource at the token request picks the audience among the granted ones; another one is invalid_target', async () => {
    const both = await f.code({ resource: [JWT_API, OPAQUE_API] });
    const res = await f.exchange(both.code, both.verifier, { resource: OPAQUE_API });
    expect(res.statusCode, res.body).toBe(200);
    expect(await f.introspect(res.json().access_token)).toMatchObject({ active: true, aud: OPAQUE_API });
    const one = await f.code({ resource: [JWT_API] });
    expect(error(await f.exchange(one.code, one.verifier, { resource: OPAQUE_API }))).toEqual({ status: 400, error: 'invalid_target' });
  });

  it('issues no refresh token to a client not registered for refresh_token', async () => {
    const { code, verifier } = await f.code({ client: f.noRefresh });
    const body = (await f.exchange(code, verifier, {}, f.noRefresh.auth)).json();
    expect(body.access_token).toEqual(expect.any(String));
    expect(body).not.toHaveProperty('refresh_token');
  });

  it('issues no ID token without the openid scope', async () => {
    const { code, verifier } = await f.code({ scope: ['read'] });
    const body = (await f.exchange(code, verifier)).json();
    expect(body.scope).toBe('read');
    expect(body).not.toHaveProperty('id_token');
  });

  it('RFC 9449 §10: a code bound to a DPoP key (dpop_jkt) is refused without a proof of that key', async () => {
    const { code, verifier } = await f.code({ dpopJkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' });
    expect(error(await f.exchange(code, verifier))).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('a client not registered for authorization_code is unauthorized_client (RFC 6749 §5.2)', async () => {
    const device = await f.client({ grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'] });
    const { code, verifier } = await f.code({ client: device });
    expect(error(await f.exchange(code, verifier, {}, device.auth))).toEqual({ status: 400, error: 'unauthorized_client' });
  });

  it('a user disabled since the code was issued gets nothing (invalid_grant)', async () => {
    const { code, verifier } = await f.code();
    await f.storage.users.update(f.userId, { status: 'disabled' }, new Date(f.clock.now()));
    try {
      expect(error(await f.exchange(code, verifier))).toEqual({ status: 400, error: 'invalid_grant' });
    } finally {
      await f.storage.users.update(f.userId, { status: 'active' }, new Date(f.clock.now()));
    }
  });
});
