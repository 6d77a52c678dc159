import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { hashSecret } from '@tessera/token';
import { FORM, form, JWT_API } from '../helpers.js';
import { adminSetup, AUDIENCE, type AdminFixture } from './fixture.js';

describe('admin API authentication (RFC 6750)', () => {
  let a: AdminFixture;
  beforeEach(async () => {
    a = await adminSetup();
  });
  afterEach(async () => {
    await a.f.close();
  });

  it('registers the admin resource at start: <issuer>/admin, opaque tokens, scopes admin:read and admin:write', async () => {
    const resource = (await a.f.tessera.admin.listResources()).find((r) => r.id === AUDIENCE);
    expect(resource).toMatchObject({ tokenFormat: 'opaque', scopes: ['admin:read', 'admin:write'], accessTokenTtl: 600 });
  });

  it('a token of the admin audience with admin:read may read', async () => {
    const res = await a.call('GET', '/clients', { token: a.readToken });
    expect(res.statusCode).toBe(200);
    expect(res.json().clients.length).toBeGreaterThanOrEqual(2);
  });

  it('RFC 6750 §3.1: a request without a token is 401 with a bare Bearer challenge (no error code)', async () => {
    const res = await a.call('GET', '/users', { token: null });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="tessera-admin"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({}); // "SHOULD NOT include an error code or other error information"
  });

  it('RFC 6750 §3.1: an unknown token is 401 invalid_token', async () => {
    const res = await a.call('GET', '/users', { token: 'tat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_token');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="tessera-admin", error="invalid_token"/);
  });

  it('RFC 6750 §3.1: a valid token of this server for another audience is 401 invalid_token', async () => {
    const other = await a.token(a.f.client, { resource: JWT_API });
    const res = await a.call('GET', '/users', { token: other });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('RFC 6750 §3.1: a read-only token on a write route is 403 insufficient_scope naming admin:write', async () => {
    const res = await a.call('POST', '/users', { token: a.readToken, body: { username: 'mallory', password: 'correct horse battery staple' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('insufficient_scope');
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(res.headers['www-authenticate']).toContain('scope="admin:write"');
    expect(await a.f.tessera.admin.users.get('mallory')).toBeUndefined();
  });

  it('a write-only token cannot read: GET needs admin:read (403, scope="admin:read")', async () => {
    const writeOnly = await a.token(a.admin, { scope: 'admin:write' });
    const res = await a.call('GET', '/users', { token: writeOnly });
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toContain('scope="admin:read"');
  });

  it('RFC 7009: a revoked admin token is refused on the next request', async () => {
    expect((await a.call('GET', '/users')).statusCode).toBe(200);
    const revoke = await a.f.tessera.app.inject({
      method: 'POST',
      url: '/revoke',
      headers: { 'content-type': FORM, authorization: a.f.basic(a.admin.id, a.admin.secret) },
      payload: form({ token: a.writeToken }),
    });
    expect(revoke.statusCode).toBe(200);
    const res = await a.call('GET', '/users');
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_token');
  });

  it('an expired admin token is refused (frozen clock past its 600 s lifetime)', async () => {
    a.f.clock.advance(599);
    expect((await a.call('GET', '/users')).statusCode).toBe(200);
    a.f.clock.advance(1);
    const res = await a.call('GET', '/users');
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_token');
  });

  it('disabling the admin client ends its tokens\' access at once', async () => {
    await a.f.tessera.admin.setClientDisabled(a.admin.id, true);
    const res = await a.call('GET', '/users');
    expect(res.statusCode).toBe(401);
  });

  it('a refresh token or client secret is not an access token', async () => {
    const res = await a.call('GET', '/users', { token: a.admin.secret });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_token');
  });

  it('RFC 6750 §2.1: a token in the query is refused (400 invalid_request), even with a good header', async () => {
    const res = await a.call('GET', `/users?access_token=${a.writeToken}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });

  it.each([['Basic abc'], ['Bearer'], ['Bearer a b'], ['bearer\ttoken'], ['Token xyz']])('a malformed Authorization header %j is 400 invalid_request', async (header) => {
    const res = await a.call('GET', '/users', { token: null, headers: { authorization: header } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
    expect(res.headers['www-authenticate']).toContain('error="invalid_request"');
  });

  it('RFC 9449 §7.1: an unbound token sent with the DPoP scheme is 401', async () => {
    const res = await a.call('GET', '/users', { token: null, headers: { authorization: `DPoP ${a.readToken}` } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_token');
  });

  it('an unauthenticated request learns nothing about unknown paths or bodies: 401 first', async () => {
    expect((await a.call('GET', '/nope', { token: null })).statusCode).toBe(401);
    expect((await a.call('POST', '/users', { token: null, body: '{bad' })).statusCode).toBe(401);
  });

  describe('a token issued to a user (authorization code, device flow)', () => {
    /** An opaque access token of the admin client for `subject`, stored as the token endpoint stores one. */
    async function userToken(subject: string, scope = ['admin:read', 'admin:write']): Promise<string> {
      const value = `tat_${randomBytes(32).toString('base64url')}`;
      const at = new Date(a.f.clock.now());
      await a.f.storage.tokens.put({
        v: 1, hash: hashSecret(value), jti: randomBytes(8).toString('hex'), kind: 'access_token', clientId: a.admin.id, subject, grantId: null,
        sessionId: null, deviceId: null, jkt: null, scope, audience: [AUDIENCE], claims: {}, issuedAt: at, expiresAt: new Date(at.getTime() + 600_000), revokedAt: null,
      });
      return value;
    }
    const user = async (groups: string[]) =>
      (await a.f.tessera.admin.users.create({ username: `admin-${randomBytes(4).toString('hex')}`, password: 'correct horse battery staple', groups })).id;

    it('is accepted when the user is active and in the tessera-admins group', async () => {
      const token = await userToken(await user(['tessera-admins']));
      expect((await a.call('GET', '/users', { token })).statusCode).toBe(200);
    });

    it('admin scopes alone do not make a user an administrator: outside the group it is 403', async () => {
      const token = await userToken(await user(['staff']));
      const res = await a.call('GET', '/users', { token });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toBe('insufficient_scope');
    });

    it('a disabled or deleted user\'s token is 401 invalid_token', async () => {
      const id = await user(['tessera-admins']);
      const token = await userToken(id);
      await a.f.storage.users.update(id, { status: 'disabled' }, new Date(a.f.clock.now()));
      expect((await a.call('GET', '/users', { token })).statusCode).toBe(401);
      expect((await a.call('GET', '/users', { token: await userToken('u_gone') })).statusCode).toBe(401);
    });
  });

  it('at debug level, logs no token, password, client secret or TOTP secret', async () => {
    const debug = await adminSetup({ logLevel: 'debug' });
    try {
      const user = (await debug.call('POST', '/users', { body: { username: 'dbg', password: 'correct horse battery staple' } })).json();
      const { clientSecret } = (await debug.call('POST', '/clients', { body: { name: 'dbg' } })).json();
      const { secret } = (await debug.call('POST', `/users/${user.id}/totp`)).json();
      await debug.call('GET', '/users', { token: 'tat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
      const logs = debug.f.logs.text();
      expect(logs).toContain('request completed');
      for (const secretValue of [debug.writeToken, 'correct horse', clientSecret, secret, 'tat_AAAAAAAA']) expect(logs).not.toContain(secretValue);
    } finally {
      await debug.f.close();
    }
  });

  it('never writes a token or secret into the logs', async () => {
    await a.call('POST', '/users', { body: { username: 'alice', password: 'correct horse battery staple' } });
    await a.call('GET', '/users', { token: 'tat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    const logs = a.f.logs.text();
    expect(logs).toContain('admin change');
    expect(logs).not.toContain(a.writeToken);
    expect(logs).not.toContain('correct horse');
  });
});
