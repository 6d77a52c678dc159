import { randomBytes } from 'node:crypto';
import { hashSecret } from '@tessera/token';
import { describe, expect, it } from 'vitest';
import { hashSessionId } from '../../src/accounts/sessions.js';
import { TestBrowser } from './browser-helpers.js';
import { authorizeFixture, PASSWORD, WEB_REDIRECT, type FixtureStore } from './fixture.js';
import { scriptedDeviceApproval, scriptedLogin } from './scripted-login.js';

/**
 * The whole user-facing path on the real databases: SQLite always, PostgreSQL when
 * TESSERA_TEST_PG_URL is set (`.ci/run` sets it). Sessions, consent, codes, grants, throttle counters
 * and device codes all go through the adapters here.
 */
const stores: [string, FixtureStore][] = [['SQLite', 'sqlite']];
if (process.env.TESSERA_TEST_PG_URL) stores.push(['PostgreSQL', { postgres: process.env.TESSERA_TEST_PG_URL }]);

describe.each(stores)('on %s', (_name, store) => {
  it('sign-in with TOTP → consent → code → tokens; remembered consent; device approval; logout revokes the session', async () => {
    const f = await authorizeFixture({}, store);
    try {
      const browser = new TestBrowser(f.base);
      const first = await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'bob', password: PASSWORD, totpSecret: f.bob.totpSecret, now: f.clock.now, jar: browser.jar });
      expect(first.pages).toEqual(['login', 'totp', 'consent']);
      const token = await fetch(`${f.base}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: new URL(first.redirect).searchParams.get('code')!, redirect_uri: WEB_REDIRECT, code_verifier: f.verifier, client_id: f.client.clientId }).toString(),
      });
      expect(token.status).toBe(200);

      const second = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ prompt: 'none' }), username: 'x', password: 'x', jar: browser.jar });
      expect(new URL(second.redirect).searchParams.get('code')).toMatch(/^tac_/);

      const now = new Date(f.clock.now());
      await f.storage.deviceCodes.create({
        v: 1, hash: hashSecret(`tdc_${randomBytes(32).toString('base64url')}`), userCode: 'BDWPHQPK', clientId: f.client.clientId, scope: ['read'], resource: [],
        status: 'pending', userId: null, grantId: null, signIn: null, interval: 5, lastPolledAt: null, createdAt: now, expiresAt: new Date(now.getTime() + 600_000),
      });
      const device = await scriptedDeviceApproval({ baseUrl: f.base, userCode: 'BDWP-HQPK', username: 'bob', password: PASSWORD, jar: browser.jar });
      expect(device.pages).toEqual(['device', 'device_confirm']);
      expect(device.approved).toBe(true);

      const cookie = browser.jar.cookies.get('tessera_session')!;
      const confirm = await browser.page('/logout');
      const out = await browser.post('/logout', { ...confirm.hidden, logout: 'yes' });
      expect(await out.text()).toContain('You are signed out');
      expect((await f.storage.sessions.get(hashSessionId(cookie)))!.revokedAt).not.toBeNull();
    } finally {
      await f.close();
    }
  }, 30_000);
});
