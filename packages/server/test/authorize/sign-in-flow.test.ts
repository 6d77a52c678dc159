import { hashSecret } from '@tessera/token';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser, seeOther } from './browser-helpers.js';
import { authorizeFixture, PASSWORD, WEB_REDIRECT, type AuthorizeFixture } from './fixture.js';
import { CookieJar, scriptedLogin, totpCode } from './scripted-login.js';

/** Sign-in, consent, SSO session and code issuance over real HTTP with a frozen clock. */
let f: AuthorizeFixture;
beforeEach(async () => {
  f = await authorizeFixture();
});
afterEach(() => f.close());

const codeOf = (redirect: string) => new URL(redirect).searchParams.get('code')!;

async function exchange(code: string, verifier = f.verifier) {
  const response = await fetch(`${f.base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT, code_verifier: verifier, client_id: f.client.clientId }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('a complete sign-in', () => {
  it('password + TOTP + consent ends at the redirect URI with code, state and iss (303); the code works once at /token', async () => {
    const result = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ nonce: 'n-1', acr_values: 'mfa' }), username: 'bob', password: PASSWORD, totpSecret: f.bob.totpSecret, now: f.clock.now });
    expect(result.pages).toEqual(['login', 'totp', 'consent']);
    const url = new URL(result.redirect);
    expect(`${url.origin}${url.pathname}`).toBe(WEB_REDIRECT);
    expect(url.searchParams.get('state')).toBe('st-123');
    expect(url.searchParams.get('iss')).toBe(f.base);
    const tokens = await exchange(codeOf(result.redirect));
    expect(tokens.status).toBe(200);
    const id = claimsOf(tokens.body.id_token as string);
    expect(id).toMatchObject({ sub: f.bob.id, nonce: 'n-1', acr: 'mfa', aud: f.client.clientId });
    expect(id.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(typeof id.sid).toBe('string');
  });

  it('RFC 6749 §4.1.2: the code is stored only as its hash, lives 60 s and is bound to client, redirect URI, PKCE, nonce, DPoP key and session', async () => {
    const jkt = 'A'.repeat(43);
    const result = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ nonce: 'n-2', dpop_jkt: jkt, resource: 'https://api.example.com' }), username: 'alice', password: PASSWORD, now: f.clock.now });
    const code = codeOf(result.redirect);
    expect(code).toMatch(/^tac_[A-Za-z0-9_-]{43}$/);
    const consumed = await f.storage.authorizationCodes.consume(hashSecret(code), new Date(f.clock.now()));
    expect(consumed.status).toBe('ok');
    const record = consumed.status === 'ok' ? consumed.record : undefined;
    expect(record).toMatchObject({
      clientId: f.client.clientId,
      userId: f.alice.id,
      redirectUri: WEB_REDIRECT,
      codeChallengeMethod: 'S256',
      nonce: 'n-2',
      dpopJkt: jkt,
      scope: ['openid', 'profile'],
      resource: ['https://api.example.com'],
      acr: 'pwd',
      amr: ['pwd'],
    });
    expect(record!.expiresAt.getTime() - record!.issuedAt.getTime()).toBe(60_000);
    expect(record!.sessionId).toBeTruthy();
    expect(JSON.stringify(record)).not.toContain(code);
    const grant = await f.storage.grants.get(record!.grantId);
    expect(grant).toMatchObject({ userId: f.alice.id, clientId: f.client.clientId, revokedAt: null });
  });

  it('the SSO session cookie is HttpOnly, SameSite=Lax, Path=/ and the stored session knows only its hash', async () => {
    const browser = new TestBrowser(f.base);
    seeOther(await browser.get(f.authorizeUrl()));
    const login = await browser.page(browser.path('/login'));
    const response = await browser.post(browser.path('/login'), { ...login.hidden, username: 'alice', password: PASSWORD });
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('tessera_session='))!;
    expect(cookie).toMatch(/; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/);
    const value = cookie.split(';')[0]!.split('=')[1]!;
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('OIDC Core §3.1.2.1: login_hint prefills the username', async () => {
    const browser = new TestBrowser(f.base);
    seeOther(await browser.get(f.authorizeUrl({ login_hint: 'alice' })));
    const login = await browser.page(browser.path('/login'));
    expect(login.body).toMatch(/<input id="username" name="username"[^>]* value="alice"/);
    expect(login.body).toContain('to continue to <strong>Web App</strong>');
  });

  it('response_mode=form_post delivers code, state and iss in an auto-submitting form', async () => {
    const result = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ response_mode: 'form_post' }), username: 'alice', password: PASSWORD, now: f.clock.now });
    expect(result.redirect).toBe(WEB_REDIRECT);
    expect(result.formPost).toMatchObject({ state: 'st-123', iss: f.base });
    expect(result.formPost!.code).toMatch(/^tac_/);
  });
});

describe('SSO session and remembered consent', () => {
  it('a second authorization in the same browser needs neither sign-in nor consent', async () => {
    const jar = new CookieJar();
    await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'alice', password: PASSWORD, now: f.clock.now, jar });
    const again = await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'alice', password: PASSWORD, now: f.clock.now, jar });
    expect(again.pages).toEqual([]);
    expect(codeOf(again.redirect)).toMatch(/^tac_/);
  });

  it('consent is asked again only for new scopes, and shows only those', async () => {
    const browser = new TestBrowser(f.base);
    await scriptedLogin({ authorizationUrl: f.authorizeUrl({ scope: 'openid profile' }), username: 'alice', password: PASSWORD, now: f.clock.now, jar: browser.jar });
    expect(seeOther(await browser.get(f.authorizeUrl({ scope: 'openid profile email' })))).toMatch(/^\/consent\?i=[\w-]{22}$/);
    const consent = await browser.page(browser.path('/consent'));
    expect(consent.body).toContain('See your email address');
    expect(consent.body).not.toContain('See your name and username');
  });

  it('the consent page names the APIs (RFC 8707 resources) the access is for', async () => {
    const browser = new TestBrowser(f.base);
    const login = await browser.page(seeOther(await browser.get(f.authorizeUrl({ scope: 'read', resource: 'https://api.example.com' }))));
    const consent = await browser.page(seeOther(await browser.post(browser.path('/login'), { ...login.hidden, username: 'alice', password: PASSWORD })));
    expect(consent.body).toContain('<li><code>https://api.example.com</code></li>');
    expect(consent.body).toContain('<code>read</code>');
  });

  it('OIDC Core §3.1.2.1: prompt=consent shows the consent page although consent is remembered', async () => {
    const jar = new CookieJar();
    await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'alice', password: PASSWORD, now: f.clock.now, jar });
    const again = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ prompt: 'consent' }), username: 'alice', password: PASSWORD, now: f.clock.now, jar });
    expect(again.pages).toEqual(['consent']);
  });

  it('OIDC Core §3.1.2.1: prompt=login forces a new sign-in, offering the current account', async () => {
    const browser = new TestBrowser(f.base);
    await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'alice', password: PASSWORD, now: f.clock.now, jar: browser.jar });
    const login = await browser.page(seeOther(await browser.get(f.authorizeUrl({ prompt: 'login' }))));
    expect(login.body).toMatch(/<input id="username" name="username"[^>]* value="alice"/);
    const again = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ prompt: 'login' }), username: 'alice', password: PASSWORD, now: f.clock.now, jar: browser.jar });
    expect(again.pages).toEqual(['login']);
  });

  it('OIDC Core §3.1.2.1: max_age older than the last sign-in forces a new one', async () => {
    const jar = new CookieJar();
    await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'alice', password: PASSWORD, now: f.clock.now, jar });
    f.clock.advance(120);
    expect((await scriptedLogin({ authorizationUrl: f.authorizeUrl({ max_age: '300' }), username: 'alice', password: PASSWORD, now: f.clock.now, jar })).pages).toEqual([]);
    expect((await scriptedLogin({ authorizationUrl: f.authorizeUrl({ max_age: '60' }), username: 'alice', password: PASSWORD, now: f.clock.now, jar })).pages).toEqual(['login']);
  });

  it('OIDC Core §3.1.2.6: prompt=none with a session and remembered consent returns a code; with new scopes, consent_required', async () => {
    const jar = new CookieJar();
    await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'alice', password: PASSWORD, now: f.clock.now, jar });
    const silent = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ prompt: 'none' }), username: 'x', password: 'x', now: f.clock.now, jar });
    expect(codeOf(silent.redirect)).toMatch(/^tac_/);
    const more = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ prompt: 'none', scope: 'openid email' }), username: 'x', password: 'x', now: f.clock.now, jar });
    const url = new URL(more.redirect);
    expect(url.searchParams.get('error')).toBe('consent_required');
    expect(url.searchParams.get('iss')).toBe(f.base);
  });

  it('the session ends after its idle lifetime: prompt=none is then login_required', async () => {
    const jar = new CookieJar();
    await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'alice', password: PASSWORD, now: f.clock.now, jar });
    f.clock.advance(3599);
    expect(codeOf((await scriptedLogin({ authorizationUrl: f.authorizeUrl({ prompt: 'none' }), username: 'x', password: 'x', jar })).redirect)).toBeTruthy();
    f.clock.advance(3600);
    const idle = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ prompt: 'none' }), username: 'x', password: 'x', jar });
    expect(new URL(idle.redirect).searchParams.get('error')).toBe('login_required');
  });

  it('the session ends at its absolute lifetime however active it is', async () => {
    const jar = new CookieJar();
    await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'alice', password: PASSWORD, now: f.clock.now, jar });
    for (let elapsed = 0; elapsed < 12 * 3600 - 1800; elapsed += 1800) {
      f.clock.advance(1800);
      expect(codeOf((await scriptedLogin({ authorizationUrl: f.authorizeUrl({ prompt: 'none' }), username: 'x', password: 'x', jar })).redirect)).toBeTruthy();
    }
    f.clock.advance(1800);
    const ended = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ prompt: 'none' }), username: 'x', password: 'x', jar });
    expect(new URL(ended.redirect).searchParams.get('error')).toBe('login_required');
  });

  it('a disabled user loses the session at once', async () => {
    const jar = new CookieJar();
    await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'alice', password: PASSWORD, now: f.clock.now, jar });
    await f.tessera.admin.users.disable(f.alice.id);
    const after = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ prompt: 'none' }), username: 'x', password: 'x', jar });
    expect(new URL(after.redirect).searchParams.get('error')).toBe('login_required');
  });
});

describe('several tabs', () => {
  it('two authorizations in one browser at once each keep their own interaction', async () => {
    const browser = new TestBrowser(f.base);
    const loginA = await browser.page(seeOther(await browser.get(f.authorizeUrl({ state: 'tab-a' }))));
    const loginB = await browser.page(seeOther(await browser.get(f.authorizeUrl({ state: 'tab-b', scope: 'openid email' }))));
    expect(loginA.hidden.csrf_token).not.toBe(loginB.hidden.csrf_token);
    const actionA = /<form method="post" action="([^"]+)"/.exec(loginA.body)![1]!;
    const actionB = /<form method="post" action="([^"]+)"/.exec(loginB.body)![1]!;
    expect(actionA).not.toBe(actionB);
    const consentA = seeOther(await browser.post(actionA, { ...loginA.hidden, username: 'alice', password: PASSWORD }));
    const pageA = await browser.page(consentA);
    const doneA = new URL(seeOther(await browser.post(consentA, { ...pageA.hidden, decision: 'approve' })));
    expect(doneA.searchParams.get('state')).toBe('tab-a');
    // Tab B's form still works after tab A finished.
    const consentB = seeOther(await browser.post(actionB, { ...loginB.hidden, username: 'alice', password: PASSWORD }));
    const pageB = await browser.page(consentB);
    expect(pageB.body).toContain('See your email address');
    const doneB = new URL(seeOther(await browser.post(consentB, { ...pageB.hidden, decision: 'approve' })));
    expect(doneB.searchParams.get('state')).toBe('tab-b');
    expect(doneB.searchParams.get('code')).toMatch(/^tac_/);
  });
});

describe('interaction cookies are bounded', () => {
  it('a page looping a browser through /authorize cannot pile up cookies: at most 4 interactions stay open, the oldest end', async () => {
    const browser = new TestBrowser(f.base);
    const starts: string[] = [];
    for (let i = 0; i < 7; i++) {
      starts.push(seeOther(await browser.get(f.authorizeUrl({ state: `s${i}` }))));
      f.clock.advance(1);
    }
    const open = [...browser.jar.cookies.keys()].filter((name) => name.startsWith('tessera_interaction_'));
    expect(open).toHaveLength(4);
    expect((await browser.get(starts[0]!)).status).toBe(400);
    expect((await browser.get(starts[6]!)).status).toBe(200);
    expect((await browser.get(starts[3]!)).status).toBe(200);
  });
});

describe('consent decisions', () => {
  it('RFC 6749 §4.1.2.1: denying consent redirects with access_denied, state and iss', async () => {
    const result = await scriptedLogin({ authorizationUrl: f.authorizeUrl(), username: 'alice', password: PASSWORD, now: f.clock.now, consent: 'deny' });
    const url = new URL(result.redirect);
    expect(url.searchParams.get('error')).toBe('access_denied');
    expect(url.searchParams.get('state')).toBe('st-123');
    expect(url.searchParams.get('iss')).toBe(f.base);
    expect(await f.storage.grants.findConsent(f.alice.id, f.client.clientId)).toBeUndefined();
  });

  /** Sign alice in up to the consent page; returns the browser, the consent form and the cookies it was shown with. */
  async function atConsent() {
    const browser = new TestBrowser(f.base);
    const login = await browser.page(seeOther(await browser.get(f.authorizeUrl())));
    expect(seeOther(await browser.post(browser.path('/login'), { ...login.hidden, username: 'alice', password: PASSWORD }))).toMatch(/^\/consent\?i=[\w-]{22}$/);
    const consent = await browser.page(browser.path('/consent'));
    return { browser, form: { ...consent.hidden, decision: 'approve' }, cookie: browser.jar.header() };
  }

  it('one interaction yields at most one code: the same consent form submitted twice gets a 400 page, no redirect, no second code', async () => {
    const { browser, form, cookie } = await atConsent();
    const first = await browser.post(browser.path('/consent'), form, { cookie });
    expect(new URL(seeOther(first)).searchParams.get('code')).toMatch(/^tac_/);
    // The browser dropped the interaction cookie; a resubmission (back button, replayed capture) still carries it.
    const again = await browser.post(browser.path('/consent'), form, { cookie });
    expect(again.status).toBe(400);
    expect(again.headers.get('location')).toBeNull();
    expect(await again.text()).toContain('already completed');
    expect(await f.storage.grants.listByUser(f.alice.id)).toHaveLength(1);
  });

  it('one interaction yields at most one code: two concurrent submissions of the consent form get exactly one code', async () => {
    const { browser, form, cookie } = await atConsent();
    const responses = await Promise.all([1, 2].map(() => browser.post(browser.path('/consent'), form, { cookie })));
    expect(responses.map((r) => r.status).sort()).toEqual([303, 400]);
    expect(await f.storage.grants.listByUser(f.alice.id)).toHaveLength(1);
  });
});

describe('CSRF on every form (OWASP CSRF Prevention)', () => {
  async function atLogin() {
    const browser = new TestBrowser(f.base);
    seeOther(await browser.get(f.authorizeUrl()));
    return { browser, login: await browser.page(browser.path('/login')) };
  }

  it('a login POST without the CSRF token is refused and no session starts', async () => {
    const { browser } = await atLogin();
    const response = await browser.post(browser.path('/login'), { username: 'alice', password: PASSWORD });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('This form expired or was sent from another page');
    expect(browser.jar.cookies.has('tessera_session')).toBe(false);
  });

  it('a CSRF token of another interaction is refused', async () => {
    const { browser } = await atLogin();
    const other = await atLogin();
    const response = await browser.post(browser.path('/login'), { csrf_token: other.login.hidden.csrf_token!, username: 'alice', password: PASSWORD });
    expect(response.status).toBe(400);
    expect(browser.jar.cookies.has('tessera_session')).toBe(false);
  });

  it('a POST the browser marks cross-site is refused even with a valid token', async () => {
    const { browser, login } = await atLogin();
    const response = await browser.post(browser.path('/login'), { ...login.hidden, username: 'alice', password: PASSWORD }, { 'sec-fetch-site': 'cross-site' });
    expect(response.status).toBe(400);
    // A browser without Fetch Metadata: its Origin decides.
    const fromOrigin = await browser.post(browser.path('/login'), { ...login.hidden, username: 'alice', password: PASSWORD }, { 'sec-fetch-site': null, origin: 'https://evil.example' });
    expect(fromOrigin.status).toBe(400);
    expect(browser.jar.cookies.has('tessera_session')).toBe(false);
  });

  it('a consent POST without a valid CSRF token is refused', async () => {
    const { browser, login } = await atLogin();
    expect(seeOther(await browser.post(browser.path('/login'), { ...login.hidden, username: 'alice', password: PASSWORD }))).toMatch(/^\/consent\?i=[\w-]{22}$/);
    expect((await browser.post(browser.path('/consent'), { decision: 'approve' })).status).toBe(400);
    expect((await browser.post(browser.path('/consent'), { decision: 'approve', csrf_token: 'forged.token' })).status).toBe(400);
    expect(await f.storage.grants.findConsent(f.alice.id, f.client.clientId)).toBeUndefined();
  });

  it('a tampered interaction cookie is treated as no interaction', async () => {
    const { browser, login } = await atLogin();
    const name = `tessera_interaction_${browser.interaction}`;
    const sealed = browser.jar.cookies.get(name)!;
    browser.jar.cookies.set(name, `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`);
    const response = await browser.post(browser.path('/login'), { ...login.hidden, username: 'alice', password: PASSWORD });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('expired or was already completed');
  });

  it('an interaction expires after interaction.ttl', async () => {
    const { browser, login } = await atLogin();
    f.clock.advance(601);
    const response = await browser.post(browser.path('/login'), { ...login.hidden, username: 'alice', password: PASSWORD });
    expect(response.status).toBe(400);
    expect(browser.jar.cookies.has('tessera_session')).toBe(false);
  });
});

describe('second factor', () => {
  it('a wrong TOTP code is refused and the user stays on the TOTP page; a replayed code too', async () => {
    const browser = new TestBrowser(f.base);
    seeOther(await browser.get(f.authorizeUrl()));
    const login = await browser.page(browser.path('/login'));
    expect(seeOther(await browser.post(browser.path('/login'), { ...login.hidden, username: 'bob', password: PASSWORD }))).toMatch(/^\/login\/totp\?i=[\w-]{22}$/);
    const totp = await browser.page(browser.path('/login/totp'));
    const wrong = await browser.post(browser.path('/login/totp'), { ...totp.hidden, code: '000000' === totpCode(f.bob.totpSecret, f.clock.now()) ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    expect(browser.jar.cookies.has('tessera_session')).toBe(false);
    const right = await browser.post(browser.path('/login/totp'), { ...totp.hidden, code: totpCode(f.bob.totpSecret, f.clock.now()) });
    expect(seeOther(right)).toMatch(/^\/consent\?i=[\w-]{22}$/);
    // Same code in another browser: RFC 6238 §5.2 replay.
    const other = new TestBrowser(f.base);
    seeOther(await other.get(f.authorizeUrl()));
    const otherLogin = await other.page(other.path('/login'));
    seeOther(await other.post(other.path('/login'), { ...otherLogin.hidden, username: 'bob', password: PASSWORD }));
    const otherTotp = await other.page(other.path('/login/totp'));
    const replay = await other.post(other.path('/login/totp'), { ...otherTotp.hidden, code: totpCode(f.bob.totpSecret, f.clock.now()) });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already used');
  });

  it('the TOTP page cannot be reached without passing the password step', async () => {
    const browser = new TestBrowser(f.base);
    seeOther(await browser.get(f.authorizeUrl()));
    expect(seeOther(await browser.get(browser.path('/login/totp')))).toMatch(/^\/login\?i=[\w-]{22}$/);
    expect(seeOther(await browser.post(browser.path('/login/totp'), { code: '123456' }))).toMatch(/^\/login\?i=[\w-]{22}$/);
  });
});

describe('brute-force protection (OWASP Authentication Cheat Sheet; NIST SP 800-63B §5.2.2)', () => {
  it('per account and IP: growing delay after 3 failures, lockout after 10 that refuses even the right password, and it expires', async () => {
    const browser = new TestBrowser(f.base);
    seeOther(await browser.get(f.authorizeUrl()));
    const attempt = async (password: string) => {
      // A fresh authorization each time: the lock outlives an interaction (interaction.ttl is 10 minutes).
      seeOther(await browser.get(f.authorizeUrl()));
      const login = await browser.page(browser.path('/login'));
      return browser.post(browser.path('/login'), { ...login.hidden, username: 'alice', password });
    };
    for (let i = 0; i < 3; i++) expect((await attempt('wrong password')).status).toBe(400);
    const delayed = await attempt('wrong password');
    expect(delayed.status).toBe(429);
    expect(delayed.headers.get('retry-after')).toBe('1');
    expect(await delayed.text()).toContain('Too many attempts');
    let delays = 0;
    for (let failures = 3; failures < 10; failures++) {
      f.clock.advance(60);
      expect((await attempt('wrong password')).status).toBe(400);
      delays++;
    }
    expect(delays).toBe(7);
    const locked = await attempt(PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBe(900);
    expect(browser.jar.cookies.has('tessera_session')).toBe(false);
    // Hammering while locked neither checks the password nor extends the lock.
    f.clock.advance(899);
    expect((await attempt(PASSWORD)).status).toBe(429);
    f.clock.advance(1);
    expect(seeOther(await attempt(PASSWORD))).toMatch(/^\/consent\?i=[\w-]{22}$/);
    // Operators see the refusals, never the password.
    expect(f.logs.text()).toContain('"outcome":"invalid_credentials"');
    expect(f.logs.text()).toContain('"outcome":"throttled"');
    expect(f.logs.text()).not.toContain('wrong password');
    expect(f.logs.text()).not.toContain(PASSWORD);
  });
});
