import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '@tessera/token';
import { FORM, form, ISSUER, JWT_API } from '../helpers.js';
import { claimsOf, STORES, USER_SCOPES, userSetup, type UserFixture } from './fixture.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

const error = (res: { statusCode: number; json(): { error: string } }) => ({ status: res.statusCode, error: res.json().error });

describe.each(STORES)('device authorization grant on %s (RFC 8628)', (kind) => {
  let f: UserFixture;
  /** A public client (authMethod none), the typical TV or CLI app. */
  let tv: string;
  beforeAll(async () => {
    f = await userSetup(kind);
    const created = await f.tessera.admin.createClientWithoutSecret({
      name: 'tv',
      authMethod: 'none',
      scopes: USER_SCOPES,
      resources: [JWT_API],
      grantTypes: [DEVICE_GRANT, 'refresh_token'],
    });
    tv = created.clientId;
  });
  afterAll(() => f.close());

  /** A public client's request: client_id in the body, no Authorization header. */
  const publicPost = (url: string, params: Record<string, string>, clientId = tv) =>
    f.tessera.app.inject({ method: 'POST', url, headers: { 'content-type': FORM }, payload: form({ client_id: clientId, ...params }) });
  const poll = (deviceCode: string, clientId = tv) => publicPost('/token', { grant_type: DEVICE_GRANT, device_code: deviceCode }, clientId);

  async function start(scope = 'openid profile read') {
    const res = await publicPost('/device_authorization', { scope });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number };
  }

  /** The approving session's sign-in: two minutes before approval, with a second factor. */
  const signInOf = () => ({ sessionId: `sid-${randomUUID()}`, authTime: new Date(f.clock.now() - 120_000), acr: 'urn:tessera:acr:mfa', amr: ['pwd', 'otp'] });

  /** What the verification page does on approval (H1): a grant, then the store's approve with the session's sign-in. */
  async function approve(userCode: string, signIn = signInOf()) {
    const grantId = randomUUID();
    const now = new Date(f.clock.now());
    await f.storage.grants.create({ v: 1, id: grantId, userId: f.userId, clientId: tv, scope: ['openid', 'profile', 'read'], resources: [JWT_API], createdAt: now, updatedAt: now, revokedAt: null });
    const approved = await f.storage.deviceCodes.approve(userCode.replace('-', ''), { userId: f.userId, grantId, signIn }, now);
    expect(approved?.status).toBe('approved');
    return signIn;
  }

  it('RFC 8628 §3.2: answers device_code, an 8-letter consonant user_code shown XXXX-XXXX, verification URIs, expires_in and interval', async () => {
    const res = await publicPost('/device_authorization', { scope: 'openid read' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toEqual({
      device_code: expect.stringMatching(/^tdc_[A-Za-z0-9_-]{43}$/),
      user_code: expect.stringMatching(USER_CODE),
      verification_uri: `${ISSUER}/device`,
      verification_uri_complete: `${ISSUER}/device?user_code=${body.user_code}`,
      expires_in: 600,
      interval: 5,
    });
    // Stored normalised (no dash) and by hash only.
    const stored = await f.storage.deviceCodes.findByUserCode(body.user_code.replace('-', ''));
    expect(stored).toMatchObject({ hash: hashSecret(body.device_code), clientId: tv, scope: ['openid', 'read'], resource: [JWT_API], status: 'pending' });
    expect(JSON.stringify(stored)).not.toContain(body.device_code);
  });

  it('RFC 8628 §3.1: a client not registered for the device grant is unauthorized_client; a scope it may not have is invalid_scope', async () => {
    const res = await f.post('/device_authorization', { scope: 'openid' });
    expect(error(res)).toEqual({ status: 400, error: 'unauthorized_client' });
    expect(error(await publicPost('/device_authorization', { scope: 'admin' }))).toEqual({ status: 400, error: 'invalid_scope' });
    expect(error(await publicPost('/device_authorization', {}, 'no-such-client'))).toEqual({ status: 401, error: 'invalid_client' });
  });

  it('RFC 8628 §3.5: authorization_pending, then slow_down when polling faster than the interval (which grows by 5 s)', async () => {
    const { device_code } = await start();
    expect(error(await poll(device_code))).toEqual({ status: 400, error: 'authorization_pending' });
    f.clock.advance(2);
    expect(error(await poll(device_code))).toEqual({ status: 400, error: 'slow_down' });
    // The interval is now 10 s: 6 s later is still too fast, 10 s later is fine.
    f.clock.advance(6);
    expect(error(await poll(device_code))).toEqual({ status: 400, error: 'slow_down' });
    f.clock.advance(15);
    expect(error(await poll(device_code))).toEqual({ status: 400, error: 'authorization_pending' });
  });

  it('RFC 8628 §3.5: once approved, one poll gets the tokens (ID token with openid); the next is invalid_grant', async () => {
    const { device_code, user_code } = await start();
    await approve(user_code);
    const res = await poll(device_code);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'openid profile read', refresh_token: expect.stringMatching(/^trt_/) });
    expect(claimsOf(body.access_token)).toMatchObject({ sub: f.userId, client_id: tv, aud: JWT_API });
    expect(claimsOf(body.id_token)).toMatchObject({ iss: ISSUER, sub: f.userId, aud: tv });
    f.clock.advance(5);
    expect(error(await poll(device_code))).toEqual({ status: 400, error: 'invalid_grant' });
    // The public client rotates its refresh token like anyone else.
    const refreshed = await publicPost('/token', { grant_type: 'refresh_token', refresh_token: body.refresh_token });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
  });

  it('OIDC Core §2 / Back-Channel Logout §2.1: the device flow\'s ID token states the approving sign-in — auth_time, acr, amr and sid — and its refresh keeps them', async () => {
    const { device_code, user_code } = await start();
    const signIn = await approve(user_code);
    const res = await poll(device_code);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    const expected = { auth_time: Math.floor(signIn.authTime.getTime() / 1000), acr: signIn.acr, amr: signIn.amr, sid: signIn.sessionId };
    expect(claimsOf(body.id_token)).toMatchObject({ sub: f.userId, aud: tv, ...expected });
    expect(claimsOf(body.id_token)).not.toHaveProperty('nonce');
    // Tokens issued in the session are the ones its logout revokes (end-session revokes by sid).
    expect(claimsOf(body.access_token)).toMatchObject({ auth_time: expected.auth_time, acr: signIn.acr });
    f.clock.advance(60);
    const refreshed = await publicPost('/token', { grant_type: 'refresh_token', refresh_token: body.refresh_token });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    expect(claimsOf(refreshed.json().id_token)).toMatchObject(expected);
  });

  it('RFC 8628 §3.5: a denied request is access_denied', async () => {
    const { device_code, user_code } = await start();
    expect(await f.storage.deviceCodes.deny(user_code.replace('-', ''), f.userId, new Date(f.clock.now()))).toBeDefined();
    expect(error(await poll(device_code))).toEqual({ status: 400, error: 'access_denied' });
  });

  it('RFC 8628 §3.5: after expires_in the answer is expired_token', async () => {
    const { device_code } = await start();
    f.clock.advance(600);
    expect(error(await poll(device_code))).toEqual({ status: 400, error: 'expired_token' });
  });

  it('a device code issued to another client is invalid_grant, and that client never gets tokens', async () => {
    const { device_code, user_code } = await start();
    await approve(user_code);
    const other = await f.client({ grantTypes: [DEVICE_GRANT] });
    const res = await f.post('/token', { grant_type: DEVICE_GRANT, device_code }, other.auth);
    expect(error(res)).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('a missing device_code is invalid_request; an unknown one is invalid_grant', async () => {
    expect(error(await publicPost('/token', { grant_type: DEVICE_GRANT }))).toEqual({ status: 400, error: 'invalid_request' });
    expect(error(await poll('tdc_' + 'A'.repeat(43)))).toEqual({ status: 400, error: 'invalid_grant' });
  });
});
