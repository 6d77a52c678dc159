import { hashSecret } from '@tessera/token';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser, seeOther } from './browser-helpers.js';
import { authorizeFixture, PASSWORD, type AuthorizeFixture } from './fixture.js';
import { scriptedLogin, totpCode } from './scripted-login.js';

/** TOTP enrolment at /account/totp (RFC 6238; the otpauth Key Uri Format), for a signed-in user. */
let f: AuthorizeFixture;
beforeEach(async () => {
  f = await authorizeFixture();
});
afterEach(() => f.close());

describe('/account/totp', () => {
  it('needs a signed-in user: without one it goes through sign-in and comes back', async () => {
    const browser = new TestBrowser(f.base);
    expect(seeOther(await browser.get('/account/totp'))).toMatch(/^\/login\?i=[\w-]{22}$/);
    const login = await browser.page(browser.path('/login'));
    expect(seeOther(await browser.post(browser.path('/login'), { ...login.hidden, username: 'alice', password: PASSWORD }))).toBe('/account/totp');
  });

  it('shows a QR code and the key, turns TOTP on with a first code, and sign-in then asks for it', async () => {
    const browser = new TestBrowser(f.base);
    await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'alice', password: PASSWORD, now: f.clock.now, jar: browser.jar });
    const enrol = await browser.page('/account/totp');
    expect(enrol.response.status).toBe(200);
    expect(enrol.body).toContain('<img class="qr"');
    const uri = /<code>(otpauth:\/\/totp\/[^<]+)<\/code>/.exec(enrol.body)![1]!.replace(/&amp;/g, '&');
    const secret = new URL(uri).searchParams.get('secret')!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // The secret is sealed at rest, never stored in the clear.
    const stored = await f.storage.users.get(f.alice.id);
    expect(stored!.totp!.secret).not.toContain(secret);
    expect(stored!.totp!.confirmedAt).toBeNull();

    const wrong = await browser.post('/account/totp', { ...enrol.hidden, code: totpCode(secret, f.clock.now()) === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    const noCsrf = await browser.post('/account/totp', { code: totpCode(secret, f.clock.now()) });
    expect(noCsrf.status).toBe(400);
    const right = await browser.post('/account/totp', { ...enrol.hidden, code: totpCode(secret, f.clock.now()) });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('Two-step verification is on');
    expect((await f.storage.users.get(f.alice.id))!.totp!.confirmedAt).not.toBeNull();

    f.clock.advance(30);
    // The session still says password only: without acr_values it is good enough…
    const same = await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'alice', password: PASSWORD, now: f.clock.now, jar: browser.jar });
    expect(same.pages).toEqual([]);
    // …but OIDC Core §3.1.2.1 acr_values=mfa steps up to password + TOTP, and the code says acr mfa.
    const stepUp = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ acr_values: 'mfa' }), username: 'alice', password: PASSWORD, totpSecret: secret, now: f.clock.now, jar: browser.jar });
    expect(stepUp.pages).toEqual(['login', 'totp']);
    const record = await f.storage.authorizationCodes.consume(hashSecret(new URL(stepUp.redirect).searchParams.get('code')!), new Date(f.clock.now()));
    expect(record.status === 'ok' && record.record.acr).toBe('mfa');
    expect(record.status === 'ok' && record.record.amr).toEqual(['pwd', 'otp', 'mfa']);
  });
});
