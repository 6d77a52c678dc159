import { createHash, randomBytes } from 'node:crypto';
import { hashSecret } from '@tessera/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORM, JWT_API } from '../helpers.js';
import { authorizeFixture, PASSWORD, WEB_REDIRECT, type AuthorizeFixture } from '../authorize/fixture.js';
import { TestBrowser, seeOther } from '../authorize/browser-helpers.js';
import { parseForm, scriptedLogin } from '../authorize/scripted-login.js';

/**
 * Negative tests for SECURITY-CHECKLIST.md items that had none at the HTTP level when this file was
 * written (see README.md beside it for the whole table).
 */
let f: AuthorizeFixture;
beforeAll(async () => {
  f = await authorizeFixture();
});
afterAll(() => f.close());

const S256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** A browser on the consent page of a fresh authorization (alice signed in). */
async function atConsent(): Promise<{ browser: TestBrowser; consentPath: string }> {
  const browser = new TestBrowser(f.base);
  // prompt=consent: alice's remembered consent from earlier tests must not skip the page.
  seeOther(await browser.get(f.authorizeUrl({ prompt: 'consent' })));
  const login = await browser.page(browser.path('/login'));
  const consentPath = seeOther(await browser.post(browser.path('/login'), { ...login.hidden, username: f.alice.username, password: PASSWORD }));
  expect(consentPath).toMatch(/^\/consent\?i=/);
  return { browser, consentPath };
}

describe('C-22: no CORS on the authorization endpoint and the pages (RFC 9700 §2.6)', () => {
  it('RFC 9700 §2.6: /authorize, /login, /consent, /device and /logout answer a cross-origin request and a preflight without Access-Control-Allow-Origin', async () => {
    const origin = 'https://evil.example';
    for (const url of [f.authorizeUrl(), `${f.base}/login`, `${f.base}/consent`, `${f.base}/device`, `${f.base}/logout`]) {
      const simple = await fetch(url, { redirect: 'manual', headers: { origin } });
      expect(simple.headers.get('access-control-allow-origin'), url).toBeNull();
      expect(simple.headers.get('access-control-allow-credentials'), url).toBeNull();
      const preflight = await fetch(url, { method: 'OPTIONS', redirect: 'manual', headers: { origin, 'access-control-request-method': 'POST' } });
      expect(preflight.headers.get('access-control-allow-origin'), url).toBeNull();
      expect(preflight.headers.get('access-control-allow-methods'), url).toBeNull();
    }
  });
});

describe('C-23: clickjacking defences on every page a user acts on (RFC 9700 §4.16)', () => {
  const framingRefused = (response: Response, where: string) => {
    expect(response.headers.get('content-security-policy') ?? '', where).toMatch(/frame-ancestors 'none'/);
    expect(response.headers.get('x-frame-options'), where).toBe('DENY');
  };

  it("RFC 9700 §4.16: the login, TOTP, consent, device, logout and account pages forbid framing (frame-ancestors 'none', X-Frame-Options DENY)", async () => {
    const browser = new TestBrowser(f.base);
    seeOther(await browser.get(f.authorizeUrl()));
    const login = await browser.page(browser.path('/login'));
    expect(login.response.status).toBe(200);
    framingRefused(login.response, 'login');
    const totp = seeOther(await browser.post(browser.path('/login'), { ...login.hidden, username: f.bob.username, password: PASSWORD }));
    const totpPage = await browser.page(totp);
    expect(totpPage.response.status).toBe(200);
    framingRefused(totpPage.response, 'totp');

    const { browser: signedIn, consentPath } = await atConsent();
    const consent = await signedIn.page(consentPath);
    expect(consent.response.status).toBe(200);
    framingRefused(consent.response, 'consent');
    for (const page of ['/device', '/logout', '/account/totp']) {
      const response = (await signedIn.page(page)).response;
      expect(response.status, page).toBeLessThan(500);
      framingRefused(response, page);
    }
  });
});

describe('C-21: no 307 after a credential-bearing POST (RFC 9700 §4.12)', () => {
  it('RFC 9700 §4.12: the POST of the password and the POST of the consent are answered 303, never 307/308', async () => {
    const browser = new TestBrowser(f.base);
    seeOther(await browser.get(f.authorizeUrl()));
    const login = await browser.page(browser.path('/login'));
    const afterPassword = await browser.post(browser.path('/login'), { ...login.hidden, username: f.alice.username, password: PASSWORD });
    expect(afterPassword.status).toBe(303);
    const consent = await browser.page(afterPassword.headers.get('location')!);
    const afterConsent = await browser.post(afterPassword.headers.get('location')!, { ...consent.hidden, decision: 'approve' });
    expect(afterConsent.status).toBe(303);
    expect(afterConsent.headers.get('location')).toMatch(/^https:\/\/app\.example\/cb\?code=/);
  });
});

describe('C-57: the code_verifier is 43–128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1)', () => {
  async function exchangeWith(verifier: string) {
    const result = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ code_challenge: S256(verifier) }), username: 'alice', password: PASSWORD, now: f.clock.now });
    const code = new URL(result.redirect).searchParams.get('code')!;
    const response = await f.tessera.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': FORM },
      payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT, code_verifier: verifier, client_id: f.client.clientId }).toString(),
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  }

  it('RFC 7636 §4.1: a verifier shorter than 43 characters is refused even when its S256 matches the challenge', async () => {
    const res = await exchangeWith('short-verifier');
    expect(res.status).toBe(400);
    expect(['invalid_grant', 'invalid_request']).toContain(res.body.error);
    expect(res.body.access_token).toBeUndefined();
  });

  it('RFC 7636 §4.1: a verifier longer than 128 characters, or with characters outside the unreserved set, is refused even when it matches', async () => {
    for (const verifier of ['a'.repeat(129), `${'a'.repeat(42)} +/`]) {
      const res = await exchangeWith(verifier);
      expect(res.status, verifier).toBe(400);
      expect(['invalid_grant', 'invalid_request'], verifier).toContain(res.body.error);
    }
  });

  it('a verifier of 43 and of 128 unreserved characters that matches is accepted (so the refusals above are not vacuous)', async () => {
    for (const verifier of [`${'A'.repeat(40)}-._~`.slice(0, 43), 'z'.repeat(128)]) {
      expect((await exchangeWith(verifier)).status, verifier).toBe(200);
    }
  });
});

describe('C-24: access tokens never in the query (RFC 6750 §2.3, RFC 9700 §4.3.2)', () => {
  it('RFC 9700 §4.3.2: SSF stream management and the catch-up feed refuse a valid token sent as access_token in the query', async () => {
    const created = await f.tessera.admin.createClient({ name: 'receiver', scopes: ['ssf'], resources: [`${f.base}/ssf`] });
    const tokenRes = await f.tessera.app.inject({
      method: 'POST', url: '/token', headers: { 'content-type': FORM, authorization: `Basic ${Buffer.from(`${created.client.clientId}:${created.clientSecret}`).toString('base64')}` },
      payload: new URLSearchParams({ grant_type: 'client_credentials', resource: `${f.base}/ssf`, scope: 'ssf' }).toString(),
    });
    const token = (tokenRes.json() as { access_token: string }).access_token;
    for (const path of ['/ssf/streams', '/ssf/feed']) {
      const viaHeader = await f.tessera.app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${token}` } });
      expect(viaHeader.statusCode, path).toBe(200);
      const viaQuery = await f.tessera.app.inject({ method: 'GET', url: `${path}?access_token=${token}` });
      expect([400, 401], path).toContain(viaQuery.statusCode);
    }
  });

  it('RFC 6750 §2.3: /userinfo refuses a token in the query even next to the same token in the header', async () => {
    const { access_token: token } = await (async () => {
      const result = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ code_challenge: S256(f.verifier), resource: JWT_API }), username: 'alice', password: PASSWORD, now: f.clock.now });
      const code = new URL(result.redirect).searchParams.get('code')!;
      const res = await f.tessera.app.inject({
        method: 'POST', url: '/token', headers: { 'content-type': FORM },
        payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT, code_verifier: f.verifier, client_id: f.client.clientId }).toString(),
      });
      return res.json() as { access_token: string };
    })();
    const res = await f.tessera.app.inject({ method: 'GET', url: `/userinfo?access_token=${token}`, headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(400);
  });
});

describe('C-25: headers a proxy would set are not trusted unless configured (RFC 9700 §4.13)', () => {
  async function failedLogins(fixture: AuthorizeFixture, count: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 1; i <= count; i++) {
      const browser = new TestBrowser(fixture.base);
      const ip = { 'x-forwarded-for': `203.0.113.${i}` };
      seeOther(await browser.get(fixture.authorizeUrl(), ip));
      const login = await browser.page(browser.path('/login'));
      statuses.push((await browser.post(browser.path('/login'), { ...login.hidden, username: 'alice', password: 'wrong-password' }, ip)).status);
    }
    return statuses;
  }

  it('RFC 9700 §4.13: with trustProxy off (the default) a forged X-Forwarded-For does not give each guess a fresh per-IP throttle', async () => {
    const fresh = await authorizeFixture();
    try {
      const statuses = await failedLogins(fresh, 6);
      expect(statuses).toContain(429);
    } finally {
      await fresh.close();
    }
  });

  it('with trustProxy on, the same guesses count per forwarded address (so the refusal above is not vacuous)', async () => {
    const proxied = await authorizeFixture({ server: { trustProxy: true } });
    try {
      expect(await failedLogins(proxied, 6)).not.toContain(429);
    } finally {
      await proxied.close();
    }
  });
});

describe('C-26: ending a session or the credentials ends what was granted in it (RFC 9700 §4.14.2)', () => {
  /** Alice signed in at the consent page of a fresh authorization, with the consent form's fields. */
  async function aliceAtConsent() {
    const { browser, consentPath } = await atConsent();
    return { browser, consentPath, hidden: (await browser.page(consentPath)).hidden };
  }

  it('a consent form submitted after logout ended the session issues no code: the browser must sign in again', async () => {
    const { browser, consentPath, hidden } = await aliceAtConsent();
    const stolenCookies = browser.jar.header();
    const logout = await browser.page('/logout');
    expect((await browser.post('/logout', { ...logout.hidden, logout: 'yes' })).status).toBe(200);
    const replay = await fetch(new URL(consentPath, f.base), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: stolenCookies, 'content-type': FORM, 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({ ...hidden, decision: 'approve' }).toString(),
    });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toMatch(/^\/login\?i=/);
  });

  it('a user disabled while on the consent page gets no code', async () => {
    const other = await f.tessera.admin.users.create({ username: `carol-${Date.now()}`, password: PASSWORD });
    const browser = new TestBrowser(f.base);
    seeOther(await browser.get(f.authorizeUrl()));
    const login = await browser.page(browser.path('/login'));
    const consentPath = seeOther(await browser.post(browser.path('/login'), { ...login.hidden, username: other.username, password: PASSWORD }));
    const consent = await browser.page(consentPath);
    await f.tessera.admin.users.disable(other.id);
    const answer = await browser.post(consentPath, { ...consent.hidden, decision: 'approve' });
    expect(answer.headers.get('location') ?? '').not.toMatch(/code=/);
  });

  it('RFC 9700 §4.14.2: after a password change the refresh token is invalid_grant and the SSO session is gone', async () => {
    const dave = await f.tessera.admin.users.create({ username: `dave-${Date.now()}`, password: PASSWORD });
    const result = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ scope: 'openid offline_access', prompt: 'consent' }), username: dave.username, password: PASSWORD, now: f.clock.now });
    const code = new URL(result.redirect).searchParams.get('code')!;
    const tokens = await f.tessera.app.inject({
      method: 'POST', url: '/token', headers: { 'content-type': FORM },
      payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT, code_verifier: f.verifier, client_id: f.client.clientId }).toString(),
    });
    const refreshToken = (tokens.json() as { refresh_token?: string }).refresh_token;
    expect(refreshToken).toMatch(/^trt_/);
    await f.tessera.admin.users.setPassword(dave.id, 'a completely new passphrase');
    const refresh = await f.tessera.app.inject({
      method: 'POST', url: '/token', headers: { 'content-type': FORM },
      payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken!, client_id: f.client.clientId }).toString(),
    });
    expect(refresh.statusCode).toBe(400);
    expect(refresh.json()).toMatchObject({ error: 'invalid_grant' });
    const again = await fetch(f.authorizeUrl(), { redirect: 'manual', headers: { cookie: result.jar.header() } });
    expect(again.headers.get('location')).toMatch(/^\/login\?i=/);
  });
});

describe('RFC 6749 §10.12: state-changing pages refuse cross-site form posts even with a valid CSRF token', () => {
  const crossSite = { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' };

  it('RFC 6749 §10.12: a cross-site approval on the consent page issues no code; the same form same-site does', async () => {
    const { browser, consentPath } = await atConsent();
    const consent = await browser.page(consentPath);
    const forged = await browser.post(consentPath, { ...consent.hidden, decision: 'approve' }, crossSite);
    expect(forged.headers.get('location') ?? '').not.toMatch(/code=/);
    expect(forged.status).toBeLessThan(500);
    const genuine = await browser.post(consentPath, { ...(await browser.page(consentPath)).hidden, decision: 'approve' });
    expect(genuine.headers.get('location')).toMatch(/^https:\/\/app\.example\/cb\?code=/);
  });

  it('RFC 6749 §10.12: a cross-site logout confirmation does not end the session', async () => {
    const { browser } = await atConsent();
    const logout = await browser.page('/logout');
    const forged = await browser.post('/logout', { ...logout.hidden, logout: 'yes' }, crossSite);
    expect(forged.status).toBeLessThan(500);
    const still = await fetch(f.authorizeUrl(), { redirect: 'manual', headers: { cookie: browser.jar.header() } });
    expect(still.headers.get('location') ?? '').not.toMatch(/^\/login/);
  });

  it('RFC 8628 §5.4: a cross-site approval on the device page does not approve the user code', async () => {
    const now = new Date(f.clock.now());
    await f.storage.deviceCodes.create({
      v: 1, hash: hashSecret(`tdc_${randomBytes(32).toString('base64url')}`), userCode: 'WDJBMJHT', clientId: f.client.clientId, scope: ['openid'], resource: [],
      status: 'pending', userId: null, grantId: null, signIn: null, interval: 5, lastPolledAt: null, createdAt: now, expiresAt: new Date(now.getTime() + 600_000),
    });
    const { browser } = await atConsent();
    const entry = await browser.page('/device');
    const confirm = await browser.post('/device', { ...entry.hidden, user_code: 'WDJB-MJHT' });
    expect(confirm.status).toBe(200);
    const form = parseForm(await confirm.text())!;
    const forged = await browser.post(form.action, { ...form.hidden, decision: 'approve' }, crossSite);
    expect(forged.status).toBeLessThan(500);
    expect(await f.storage.deviceCodes.findByUserCode('WDJBMJHT')).toMatchObject({ status: 'pending', userId: null });
  });
});
