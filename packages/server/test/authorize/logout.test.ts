import { hashSecret } from '@tessera/token';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSessionId } from '../../src/accounts/sessions.js';
import { TestBrowser, seeOther } from './browser-helpers.js';
import { authorizeFixture, PASSWORD, POST_LOGOUT, WEB_REDIRECT, type AuthorizeFixture } from './fixture.js';
import { scriptedLogin } from './scripted-login.js';

/** OpenID Connect RP-Initiated Logout 1.0 at /logout (end_session_endpoint). */
let f: AuthorizeFixture;
let browser: TestBrowser;
let tokens: { id_token: string; refresh_token?: string; access_token: string };
let ended: { sid: string; userId: string; reason: string }[];

beforeEach(async () => {
  f = await authorizeFixture();
  browser = new TestBrowser(f.base);
  const { redirect } = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ scope: 'openid offline_access' }), username: 'alice', password: PASSWORD, now: f.clock.now, jar: browser.jar });
  const response = await fetch(`${f.base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: new URL(redirect).searchParams.get('code')!, redirect_uri: WEB_REDIRECT, code_verifier: f.verifier, client_id: f.client.clientId }).toString(),
  });
  tokens = (await response.json()) as typeof tokens;
  ended = [];
  f.tessera.events.on('session.revoked', (event) => {
    ended.push(event);
  });
});
afterEach(() => f.close());

const sessionRecord = () => f.storage.sessions.get(hashSessionId(browser.jar.cookies.get('tessera_session')!));

async function expectSignedOut(response: Response) {
  expect(response.headers.getSetCookie().join()).toMatch(/tessera_session=; Path=\/; Max-Age=0/);
  expect(ended).toHaveLength(1);
  expect(ended[0]).toMatchObject({ userId: f.alice.id, reason: 'logout' });
}

describe('RP-Initiated Logout', () => {
  it('§2: without an id_token_hint the user is asked first; a GET alone signs nobody out', async () => {
    const response = await browser.get(`/logout?client_id=${f.client.clientId}&post_logout_redirect_uri=${encodeURIComponent(POST_LOGOUT)}&state=s1`);
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('Web App asks to sign you out.');
    expect(response.headers.get('content-security-policy')).toContain("form-action 'self' https://app.example");
    expect((await sessionRecord())!.revokedAt).toBeNull();
    expect(ended).toEqual([]);
  });

  it('§2: confirming ends the session, revokes its tokens, clears the cookie, tells listeners and returns with state', async () => {
    const confirm = await browser.page(`/logout?client_id=${f.client.clientId}&post_logout_redirect_uri=${encodeURIComponent(POST_LOGOUT)}&state=s1`);
    const cookie = browser.jar.cookies.get('tessera_session')!;
    const response = await browser.post('/logout', { ...confirm.hidden, logout: 'yes' });
    expect(seeOther(response)).toBe(`${POST_LOGOUT}?state=s1`);
    await expectSignedOut(response);
    const session = await f.storage.sessions.get(hashSessionId(cookie));
    expect(session!.revokedAt).not.toBeNull();
    expect(ended[0]!.sid).toBe(session!.sid);
    expect(tokens.refresh_token).toMatch(/^trt_/);
    expect((await f.storage.tokens.get(hashSecret(tokens.refresh_token!)))!.revokedAt).not.toBeNull();
    // The browser is signed out: prompt=none now fails.
    const silent = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ prompt: 'none' }), username: 'x', password: 'x', jar: browser.jar });
    expect(new URL(silent.redirect).searchParams.get('error')).toBe('login_required');
  });

  it('§2: a valid id_token_hint for the session proves the RP: signed out without a question', async () => {
    const response = await browser.get(`/logout?id_token_hint=${tokens.id_token}&post_logout_redirect_uri=${encodeURIComponent(POST_LOGOUT)}&state=s2`);
    expect(seeOther(response)).toBe(`${POST_LOGOUT}?state=s2`);
    await expectSignedOut(response);
  });

  it('"Stay signed in" keeps the session', async () => {
    const confirm = await browser.page('/logout');
    const response = await browser.post('/logout', { ...confirm.hidden, logout: 'no' });
    expect(response.status).toBe(200);
    expect((await sessionRecord())!.revokedAt).toBeNull();
  });

  it('a confirmation POST without a valid CSRF token is refused and the session stays', async () => {
    const response = await browser.post('/logout', { logout: 'yes' });
    expect(response.status).toBe(400);
    expect((await browser.post('/logout', { logout: 'yes', csrf_token: 'x.y' })).status).toBe(400);
    expect((await sessionRecord())!.revokedAt).toBeNull();
    expect(ended).toEqual([]);
  });

  it('§3: a post_logout_redirect_uri that is not registered gets an error page, never a redirect', async () => {
    for (const uri of ['https://evil.example/bye', `${POST_LOGOUT}/x`, WEB_REDIRECT]) {
      const response = await browser.get(`/logout?client_id=${f.client.clientId}&post_logout_redirect_uri=${encodeURIComponent(uri)}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    }
    const withoutClient = await browser.get(`/logout?post_logout_redirect_uri=${encodeURIComponent(POST_LOGOUT)}`);
    expect(withoutClient.status).toBe(400);
  });

  it('§2: client_id must match the id_token_hint audience; a forged or foreign hint is refused', async () => {
    expect((await browser.get(`/logout?id_token_hint=${tokens.id_token}&client_id=someone-else`)).status).toBe(400);
    const [h, p, s] = tokens.id_token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'mallory' })).toString('base64url')}.${s}`;
    expect((await browser.get(`/logout?id_token_hint=${forged}`)).status).toBe(400);
    expect((await browser.get('/logout?id_token_hint=not-a-jwt')).status).toBe(400);
    expect((await browser.get(`/logout?id_token_hint=${tokens.access_token}`)).status).toBe(400);
    expect((await sessionRecord())!.revokedAt).toBeNull();
  });

  it('without a session there is nothing to end: the signed-out page (or the registered return URI)', async () => {
    const stranger = new TestBrowser(f.base);
    const page = await stranger.get('/logout');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('You are signed out');
    expect(seeOther(await stranger.get(`/logout?client_id=${f.client.clientId}&post_logout_redirect_uri=${encodeURIComponent(POST_LOGOUT)}`))).toBe(POST_LOGOUT);
  });
});
