import { hashSecret } from '@tessera/token';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSessionId } from '../../src/accounts/sessions.js';
import { TestBrowser } from './browser-helpers.js';
import { authorizeFixture, PASSWORD, WEB_REDIRECT, type AuthorizeFixture } from './fixture.js';
import { scriptedLogin, type ScriptedLoginOptions } from './scripted-login.js';

/**
 * Signing in again from a browser that has an SSO session replaces that session: the old cookie must
 * never resume it (OWASP Session Management: a new id at every authentication, and the old one ended).
 */
let f: AuthorizeFixture;
let browser: TestBrowser;
let ended: { sid: string; userId: string; reason: string }[];

beforeEach(async () => {
  f = await authorizeFixture();
  browser = new TestBrowser(f.base);
  ended = [];
  f.tessera.events.on('session.revoked', (event) => {
    ended.push(event);
  });
});
afterEach(() => f.close());

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const sessionCookie = () => browser.jar.cookies.get('tessera_session')!;
const sessionOf = (cookie: string) => f.storage.sessions.get(hashSessionId(cookie));

/** Sign in through the pages in `browser` and exchange the code: the tokens the web client gets. */
async function signIn(options: Partial<ScriptedLoginOptions> & { params?: Record<string, string> } = {}) {
  const { redirect } = await scriptedLogin({
    authorizationUrl: f.authorizeUrl({ scope: 'openid offline_access', ...options.params }),
    username: 'alice',
    password: PASSWORD,
    now: f.clock.now,
    jar: browser.jar,
    ...options,
  });
  const response = await fetch(`${f.base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: new URL(redirect).searchParams.get('code')!, redirect_uri: WEB_REDIRECT, code_verifier: f.verifier, client_id: f.client.clientId }).toString(),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { id_token: string; refresh_token: string };
}

/** Whether a browser holding only `cookie` is still signed in: prompt=none answers a code, or login_required. */
async function resumes(cookie: string): Promise<boolean> {
  const other = new TestBrowser(f.base);
  other.jar.cookies.set('tessera_session', cookie);
  const silent = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ prompt: 'none', scope: 'openid offline_access' }), username: 'x', password: 'x', jar: other.jar });
  return new URL(silent.redirect).searchParams.has('code');
}

describe('signing in again from the same browser', () => {
  it('same user (prompt=login): the old session row is revoked and its cookie resumes nothing; the sid and its tokens live on, with the new auth_time', async () => {
    const first = await signIn();
    const oldCookie = sessionCookie();
    const old = (await sessionOf(oldCookie))!;
    expect(await resumes(oldCookie)).toBe(true);

    f.clock.advance(120);
    const second = await signIn({ params: { prompt: 'login' } });
    const newCookie = sessionCookie();
    expect(newCookie).not.toBe(oldCookie);
    expect((await sessionOf(oldCookie))!.revokedAt).not.toBeNull();
    expect(await resumes(oldCookie)).toBe(false);
    const current = (await sessionOf(newCookie))!;
    expect(current).toMatchObject({ sid: old.sid, userId: f.alice.id, revokedAt: null, authTime: new Date(f.clock.now()) });

    // For the client it is one OIDC session: same sid, newer auth_time, nothing ended or revoked.
    expect(claimsOf(second.id_token)).toMatchObject({ sid: old.sid, auth_time: Math.floor(f.clock.now() / 1000) });
    expect(claimsOf(first.id_token).auth_time).toBe(Math.floor(f.clock.now() / 1000) - 120);
    expect(ended).toEqual([]);
    expect((await f.storage.tokens.get(hashSecret(first.refresh_token)))!.revokedAt).toBeNull();
    expect(await f.storage.sessions.clientsOf(old.sid)).toEqual([f.client.clientId]);
  });

  it('another user: the previous session ends as on logout — revoked, its tokens revoked, session.revoked told — and the new one has its own sid', async () => {
    const alices = await signIn();
    const aliceCookie = sessionCookie();
    const aliceSid = (await sessionOf(aliceCookie))!.sid;

    const bobs = await signIn({ params: { prompt: 'login' }, username: 'bob', totpSecret: f.bob.totpSecret });
    const bob = (await sessionOf(sessionCookie()))!;
    expect(bob.userId).toBe(f.bob.id);
    expect(bob.sid).not.toBe(aliceSid);
    expect(claimsOf(bobs.id_token)).toMatchObject({ sub: f.bob.id, sid: bob.sid });

    expect((await sessionOf(aliceCookie))!.revokedAt).not.toBeNull();
    expect(await resumes(aliceCookie)).toBe(false);
    expect(ended).toEqual([{ sid: aliceSid, userId: f.alice.id, at: expect.any(Date), reason: 'another user signed in' }]);
    expect((await f.storage.tokens.get(hashSecret(alices.refresh_token)))!.revokedAt).not.toBeNull();
    expect((await f.storage.tokens.get(hashSecret(bobs.refresh_token)))!.revokedAt).toBeNull();
  });

  it('a browser whose session already ended starts a fresh one and ends nothing else', async () => {
    await signIn();
    const oldCookie = sessionCookie();
    const old = (await sessionOf(oldCookie))!;
    await f.storage.sessions.revoke(old.idHash, new Date(f.clock.now()));
    await signIn({ username: 'bob', totpSecret: f.bob.totpSecret });
    expect((await sessionOf(sessionCookie()))!.sid).not.toBe(old.sid);
    expect(ended).toEqual([]);
  });
});
