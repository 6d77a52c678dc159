import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORM, form, ISSUER, JWT_API, OPAQUE_API, setup, T0, type Fixture } from './helpers.js';
import { mintOpaque } from '@tessera/token';
import { userSetup, type UserFixture } from './grants/fixture.js';

let f: Fixture;
let resourceServer: { id: string; secret: string };
let stranger: { id: string; secret: string };

beforeAll(async () => {
  f = await setup();
  // A resource server registered for the JWT API only, with no grant of its own.
  const rs = await f.tessera.admin.createClient({ name: 'api', grantTypes: [], resources: [JWT_API] });
  resourceServer = { id: rs.client.clientId, secret: rs.clientSecret };
  await f.tessera.admin.createResource({ id: 'https://elsewhere.example', scopes: ['x'] });
  const st = await f.tessera.admin.createClient({ name: 'stranger', grantTypes: [], resources: ['https://elsewhere.example'] });
  stranger = { id: st.client.clientId, secret: st.clientSecret };
});
afterAll(() => f.close());

const asClient = () => f.basic(f.client.id, f.client.secret);

async function issue(resource: string, scope?: string): Promise<string> {
  const res = await f.tessera.app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': FORM, authorization: asClient() },
    payload: form({ grant_type: 'client_credentials', resource, ...(scope ? { scope } : {}) }),
  });
  expect(res.statusCode).toBe(200);
  return res.json().access_token;
}

async function post(url: string, params: Record<string, string>, auth = asClient()) {
  return f.tessera.app.inject({ method: 'POST', url, headers: { 'content-type': FORM, authorization: auth }, payload: form(params) });
}

const introspect = async (token: string, auth?: string) => (await post('/introspect', { token }, auth)).json();

describe('introspection (RFC 7662)', () => {
  it('describes an active JWT access token with the RFC 7662 §2.2 members', async () => {
    const token = await issue(JWT_API, 'read');
    const res = await post('/introspect', { token, token_type_hint: 'access_token' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      active: true,
      scope: 'read',
      client_id: f.client.id,
      token_type: 'Bearer',
      exp: T0 / 1000 + 600,
      iat: T0 / 1000,
      sub: f.client.id,
      aud: JWT_API,
      iss: ISSUER,
      jti: expect.any(String),
    });
  });

  it('describes an active opaque access token the same way', async () => {
    const token = await issue(OPAQUE_API, 'write');
    expect(await introspect(token)).toEqual({
      active: true,
      scope: 'write',
      client_id: f.client.id,
      token_type: 'Bearer',
      exp: T0 / 1000 + 600,
      iat: T0 / 1000,
      sub: f.client.id,
      aud: OPAQUE_API,
      iss: ISSUER,
      jti: expect.any(String),
    });
  });

  it('treats token_type_hint as a hint only (RFC 7662 §2.1)', async () => {
    const token = await issue(OPAQUE_API);
    expect((await post('/introspect', { token, token_type_hint: 'refresh_token' })).json().active).toBe(true);
  });

  it('answers exactly {"active":false} for unknown, garbage and foreign tokens (RFC 7662 §2.2)', async () => {
    for (const token of ['tat_' + 'A'.repeat(43), 'garbage', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'a.b.c', 'ü'.repeat(10)]) {
      const res = await post('/introspect', { token });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('{"active":false}');
    }
  });

  it('answers {"active":false} once a JWT has expired', async () => {
    const token = await issue(JWT_API);
    f.clock.advance(601);
    try {
      expect((await post('/introspect', { token })).body).toBe('{"active":false}');
    } finally {
      f.clock.advance(-601);
    }
  });

  it('answers {"active":false} once an opaque token has expired', async () => {
    const token = await issue(OPAQUE_API);
    f.clock.advance(600);
    try {
      expect((await post('/introspect', { token })).body).toBe('{"active":false}');
    } finally {
      f.clock.advance(-600);
    }
  });

  it('refuses a JWT whose signature was tampered with', async () => {
    const token = await issue(JWT_API);
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    payload.scope = 'read write admin';
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect((await post('/introspect', { token: forged })).body).toBe('{"active":false}');
  });

  it('lets a resource server registered for the audience introspect another client’s token', async () => {
    const token = await issue(JWT_API);
    expect((await introspect(token, f.basic(resourceServer.id, resourceServer.secret))).active).toBe(true);
  });

  it('answers {"active":false} to a client that neither owns the token nor serves its audience', async () => {
    const token = await issue(JWT_API);
    const res = await post('/introspect', { token }, f.basic(stranger.id, stranger.secret));
    expect(res.body).toBe('{"active":false}');
  });

  it('lets a resource server see only its own audience', async () => {
    const token = await issue(OPAQUE_API);
    expect((await post('/introspect', { token }, f.basic(resourceServer.id, resourceServer.secret))).body).toBe('{"active":false}');
  });
});

describe('revocation (RFC 7009)', () => {
  it('revokes a JWT by jti so that introspection answers {"active":false}', async () => {
    const token = await issue(JWT_API);
    expect((await introspect(token)).active).toBe(true);
    const res = await post('/revoke', { token, token_type_hint: 'access_token' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect((await post('/introspect', { token })).body).toBe('{"active":false}');
    const jti = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti;
    const entry = await f.storage.revocations.get(jti);
    // Kept exactly until the token would have expired anyway.
    expect(entry).toMatchObject({ clientId: f.client.id, reason: 'client_request' });
    expect(entry!.expiresAt.getTime()).toBe(T0 + 600_000);
  });

  it('revokes an opaque token so that introspection answers {"active":false}', async () => {
    const token = await issue(OPAQUE_API);
    expect((await post('/revoke', { token })).statusCode).toBe(200);
    expect((await post('/introspect', { token })).body).toBe('{"active":false}');
  });

  it('answers 200 for an unknown or invalid token (RFC 7009 §2.2)', async () => {
    for (const token of ['tat_' + 'B'.repeat(43), 'nonsense', 'x.y.z']) {
      expect((await post('/revoke', { token })).statusCode).toBe(200);
    }
  });

  it('ignores a token_type_hint it does not know, or that names the wrong type, and revokes all the same (RFC 7009 §2.1, §2.2)', async () => {
    for (const hint of ['id_token', 'bogus', 'refresh_token']) {
      const token = await issue(OPAQUE_API);
      expect((await post('/revoke', { token, token_type_hint: hint })).statusCode).toBe(200);
      expect((await post('/introspect', { token })).body).toBe('{"active":false}');
    }
  });

  it('answers 200 for an already revoked token', async () => {
    const token = await issue(OPAQUE_API);
    expect((await post('/revoke', { token })).statusCode).toBe(200);
    expect((await post('/revoke', { token })).statusCode).toBe(200);
  });

  it('does not revoke a token issued to another client, yet answers 200 (RFC 7009 §2.1)', async () => {
    const jwt = await issue(JWT_API);
    const opaque = await issue(OPAQUE_API);
    for (const token of [jwt, opaque]) {
      const res = await f.tessera.app.inject({
        method: 'POST',
        url: '/revoke',
        headers: { 'content-type': FORM },
        payload: form({ token, client_id: f.other.id, client_secret: f.other.secret }),
      });
      expect(res.statusCode).toBe(200);
      expect((await introspect(token)).active).toBe(true);
    }
  });

  it('does not let a resource server revoke the tokens it may introspect', async () => {
    const token = await issue(JWT_API);
    expect((await post('/revoke', { token }, f.basic(resourceServer.id, resourceServer.secret))).statusCode).toBe(200);
    expect((await introspect(token)).active).toBe(true);
  });

  it('answers 503 with Retry-After when the store cannot record the revocation (RFC 7009 §2.2.1)', async () => {
    const token = await issue(JWT_API);
    const original = f.storage.revocations.add;
    f.storage.revocations.add = () => Promise.reject(new Error('disk full'));
    try {
      const res = await post('/revoke', { token });
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toBe('temporarily_unavailable');
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).not.toContain('disk full');
    } finally {
      f.storage.revocations.add = original;
    }
    expect((await introspect(token)).active).toBe(true);
  });
});

describe('refresh tokens and user tokens at introspection and revocation (issue 3)', () => {
  let u: UserFixture;
  beforeAll(async () => {
    u = await userSetup('memory');
  });
  afterAll(() => u.close());

  async function exchange(resource = [JWT_API]) {
    const { code, verifier } = await u.code({ resource });
    return (await u.exchange(code, verifier)).json() as { access_token: string; refresh_token: string };
  }

  it('RFC 7662 §2.2: describes a refresh token with token_type_hint refresh_token, its sid, acr and auth_time', async () => {
    const { refresh_token } = await exchange();
    const res = await u.post('/introspect', { token: refresh_token, token_type_hint: 'refresh_token' });
    expect(res.json()).toEqual({
      active: true,
      scope: 'openid profile read',
      client_id: u.web.id,
      token_type: 'refresh_token',
      exp: T0 / 1000 + 14 * 86_400,
      iat: T0 / 1000,
      sub: u.userId,
      aud: JWT_API,
      iss: ISSUER,
      jti: expect.any(String),
      sid: 'sid-1',
      acr: 'urn:tessera:acr:mfa',
      auth_time: T0 / 1000 - 30,
    });
  });

  it('describes user access tokens, JWT and opaque, with sid, acr and auth_time', async () => {
    for (const resource of [JWT_API, OPAQUE_API]) {
      const { access_token } = await exchange([resource]);
      expect(await u.introspect(access_token)).toMatchObject({ active: true, token_type: 'Bearer', sub: u.userId, sid: 'sid-1', acr: 'urn:tessera:acr:mfa', auth_time: T0 / 1000 - 30 });
    }
  });

  it('RFC 9449 §6.2: a sender-constrained token is described with token_type DPoP, cnf.jkt and its device_id', async () => {
    const { value, hash } = mintOpaque('access_token');
    const now = new Date(u.clock.now());
    await u.storage.tokens.put({
      v: 1, hash, kind: 'access_token', jti: 'jti-bound', clientId: u.web.id, subject: u.userId, audience: [OPAQUE_API], scope: ['read'],
      grantId: null, jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', deviceId: 'device-1', sessionId: null, claims: {},
      issuedAt: now, expiresAt: new Date(now.getTime() + 600_000), revokedAt: null,
    });
    expect(await u.introspect(value)).toMatchObject({
      active: true,
      token_type: 'DPoP',
      cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' },
      device_id: 'device-1',
    });
  });

  it('RFC 7662 §4: another client learns nothing about a refresh token ({"active":false})', async () => {
    const { refresh_token } = await exchange();
    expect(await u.introspect(refresh_token, u.other.auth)).toEqual({ active: false });
  });

  it('RFC 7009 §2.1: another client cannot revoke a refresh token (200, but it stays active)', async () => {
    const { refresh_token } = await exchange();
    expect((await u.post('/revoke', { token: refresh_token, token_type_hint: 'refresh_token' }, u.other.auth)).statusCode).toBe(200);
    expect(await u.introspect(refresh_token)).toMatchObject({ active: true });
  });

  it('RFC 7009 §2.1: revoking a refresh token revokes its family (the access token issued with it too)', async () => {
    const { access_token, refresh_token } = await exchange();
    expect((await u.post('/revoke', { token: refresh_token })).statusCode).toBe(200);
    expect(await u.introspect(refresh_token)).toEqual({ active: false });
    expect(await u.introspect(access_token)).toEqual({ active: false });
  });
});
