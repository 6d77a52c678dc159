import { randomBytes } from 'node:crypto';
import { hashSecret } from '@tessera/token';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser, seeOther } from './browser-helpers.js';
import { authorizeFixture, PASSWORD, type AuthorizeFixture } from './fixture.js';
import { scriptedDeviceApproval, scriptedLogin } from './scripted-login.js';

/** The device verification page (RFC 8628 §3.3), driven over HTTP. */
let f: AuthorizeFixture;
beforeEach(async () => {
  f = await authorizeFixture();
});
afterEach(() => f.close());

async function deviceCode(userCode: string, lifetimeSeconds = 600) {
  const now = new Date(f.clock.now());
  const hash = hashSecret(`tdc_${randomBytes(32).toString('base64url')}`);
  await f.storage.deviceCodes.create({
    v: 1, hash, userCode, clientId: f.client.clientId, scope: ['openid', 'read'], resource: [], status: 'pending', userId: null, grantId: null, signIn: null,
    interval: 5, lastPolledAt: null, createdAt: now, expiresAt: new Date(now.getTime() + lifetimeSeconds * 1000),
  });
  return hash;
}

/** A browser signed in as alice, on the device page. */
async function signedIn() {
  const browser = new TestBrowser(f.base);
  await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'alice', password: PASSWORD, now: f.clock.now, jar: browser.jar });
  return browser;
}

describe('device verification', () => {
  it('RFC 8628 §3.3: verification_uri_complete → sign-in → confirm → approved, with a grant for the user', async () => {
    await deviceCode('BDWPHQPK');
    const result = await scriptedDeviceApproval({ baseUrl: f.base, userCode: 'bdwp-hqpk', username: 'bob', password: PASSWORD, totpSecret: f.bob.totpSecret, now: f.clock.now });
    expect(result.pages).toEqual(['login', 'totp', 'device', 'device_confirm']);
    expect(result.approved).toBe(true);
    const record = await f.storage.deviceCodes.findByUserCode('BDWPHQPK');
    expect(record).toMatchObject({ status: 'approved', userId: f.bob.id });
    expect(await f.storage.grants.get(record!.grantId!)).toMatchObject({ userId: f.bob.id, clientId: f.client.clientId, scope: ['openid', 'read'] });
  });

  it('OIDC Back-Channel Logout §2.3: approval records the approving session (sid, auth_time, acr, amr) on the code and the client in that session', async () => {
    await deviceCode('HJKLMNPQ');
    const signedInAt = new Date(f.clock.now());
    const result = await scriptedDeviceApproval({ baseUrl: f.base, userCode: 'HJKLMNPQ', username: 'bob', password: PASSWORD, totpSecret: f.bob.totpSecret, now: f.clock.now });
    expect(result.approved).toBe(true);
    const record = await f.storage.deviceCodes.findByUserCode('HJKLMNPQ');
    expect(record?.signIn).toEqual({ sessionId: expect.any(String), authTime: signedInAt, acr: 'mfa', amr: ['pwd', 'otp', 'mfa'] });
    expect(await f.storage.sessions.clientsOf(record!.signIn!.sessionId)).toEqual([f.client.clientId]);
  });

  it('a denied code records no sign-in and signs the client into no session', async () => {
    await deviceCode('MNPQRSTV');
    const result = await scriptedDeviceApproval({ baseUrl: f.base, userCode: 'MNPQRSTV', username: 'alice', password: PASSWORD, decision: 'deny', now: f.clock.now });
    expect(result.approved).toBe(false);
    expect((await f.storage.deviceCodes.findByUserCode('MNPQRSTV'))?.signIn).toBeNull();
  });

  it('RFC 8628 §6.1: the code is matched case-insensitively, without dash or spaces', async () => {
    await deviceCode('WDJBMJHT');
    const browser = await signedIn();
    const entry = await browser.page('/device');
    const confirm = await browser.post('/device', { ...entry.hidden, user_code: ' wdjb-mjht ' });
    expect(confirm.status).toBe(200);
    const body = await confirm.text();
    expect(body).toContain('WDJB-MJHT');
    expect(body).toContain('Web App');
  });

  it('the user may deny: the code becomes denied', async () => {
    await deviceCode('QRSTVWXZ');
    const result = await scriptedDeviceApproval({ baseUrl: f.base, userCode: 'QRSTVWXZ', username: 'alice', password: PASSWORD, decision: 'deny', now: f.clock.now });
    expect(result.approved).toBe(false);
    expect(result.body).toContain('Device not connected');
    expect((await f.storage.deviceCodes.findByUserCode('QRSTVWXZ'))!.status).toBe('denied');
  });

  it('unknown and expired codes get a clear message, never a 500', async () => {
    await deviceCode('BCDFGHJK', 60);
    const browser = await signedIn();
    const entry = await browser.page('/device');
    const unknown = await browser.post('/device', { ...entry.hidden, user_code: 'ZZZZ-ZZZZ' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('That code is not valid');
    f.clock.advance(61);
    const expired = await browser.post('/device', { ...entry.hidden, user_code: 'BCDF-GHJK' });
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain('That code has expired');
  });

  it('a used code cannot be approved twice', async () => {
    await deviceCode('LMNPQRST');
    expect((await scriptedDeviceApproval({ baseUrl: f.base, userCode: 'LMNPQRST', username: 'alice', password: PASSWORD, now: f.clock.now })).approved).toBe(true);
    const again = await scriptedDeviceApproval({ baseUrl: f.base, userCode: 'LMNPQRST', username: 'alice', password: PASSWORD, now: f.clock.now });
    expect(again.approved).toBe(false);
    expect(again.status).toBe(400);
  });

  it('the device page needs a signed-in user and a CSRF token', async () => {
    await deviceCode('GHJKLMNP');
    const stranger = new TestBrowser(f.base);
    expect(seeOther(await stranger.get('/device?user_code=GHJKLMNP'))).toMatch(/^\/login\?i=[\w-]{22}$/);
    const browser = await signedIn();
    const noToken = await browser.post('/device', { user_code: 'GHJKLMNP' });
    expect(noToken.status).toBe(400);
    expect(await noToken.text()).toContain('This form expired');
    const noTokenConfirm = await browser.post('/device/confirm', { user_code: 'GHJKLMNP', decision: 'approve' });
    expect(noTokenConfirm.status).toBe(400);
    expect((await f.storage.deviceCodes.findByUserCode('GHJKLMNP'))!.status).toBe('pending');
  });

  it('RFC 8628 §5.1: user-code guessing is rate-limited per IP with a delay, then a lockout that expires', async () => {
    await deviceCode('VWXZBCDF', 7200);
    const browser = await signedIn();
    const guess = async (code: string) => {
      const entry = await browser.page('/device');
      return browser.post('/device', { ...entry.hidden, user_code: code });
    };
    for (let i = 0; i < 5; i++) expect((await guess('AAAABBBB')).status).toBe(400);
    const delayed = await guess('VWXZBCDF');
    expect(delayed.status).toBe(429);
    expect(delayed.headers.get('retry-after')).toBe('1');
    for (let i = 5; i < 20; i++) {
      f.clock.advance(60);
      expect((await guess('AAAABBBB')).status).toBe(400);
    }
    f.clock.advance(60);
    const locked = await guess('VWXZBCDF');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    f.clock.advance(900);
    // The SSO session went idle meanwhile (1 h): sign in again, then the right code works.
    const fresh = await signedIn();
    const entry = await fresh.page('/device');
    expect((await fresh.post('/device', { ...entry.hidden, user_code: 'VWXZBCDF' })).status).toBe(200);
  });
});
