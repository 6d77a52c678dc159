import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser, seeOther } from './browser-helpers.js';
import { authorizeFixture, PASSWORD, type AuthorizeFixture } from './fixture.js';

/**
 * The account-wide lock (failures from many IPs) must not be usable to lock the owner out: a browser
 * that signed in before (its `tessera_browser` cookie) or an IP that did stays exempt
 * (interaction/throttle.ts, "known source"). Client IPs come from X-Forwarded-For (trustProxy on).
 */
let f: AuthorizeFixture;
beforeAll(async () => {
  f = await authorizeFixture({ server: { trustProxy: true } });
});
afterAll(() => f.close());

async function tryLogin(browser: TestBrowser, ip: string, password: string): Promise<Response> {
  seeOther(await browser.get(f.authorizeUrl(), { 'x-forwarded-for': ip }));
  const login = await browser.get(browser.path('/login'), { 'x-forwarded-for': ip });
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(await login.text())![1]!;
  return browser.post(browser.path('/login'), { csrf_token: csrf, username: 'alice', password }, { 'x-forwarded-for': ip });
}

describe('known sources are exempt from the account-wide lock', () => {
  it('strangers on 40 IPs lock the account for unknown sources, but not the browser alice signed in with before', async () => {
    const owner = new TestBrowser(f.base);
    expect(seeOther(await tryLogin(owner, '198.51.100.7', PASSWORD))).toMatch(/^\/consent\?i=[\w-]{22}$/);
    expect(owner.jar.cookies.get('tessera_browser')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    owner.jar.cookies.delete('tessera_session');

    for (let i = 1; i <= 40; i++) {
      const status = (await tryLogin(new TestBrowser(f.base), `203.0.113.${i}`, 'guess-1')).status;
      expect([400, 429]).toContain(status);
    }
    const stranger = await tryLogin(new TestBrowser(f.base), '192.0.2.200', PASSWORD);
    expect(stranger.status).toBe(429);
    expect(await stranger.text()).toContain('Too many attempts');

    // The owner's browser, even from a network it never used: allowed.
    expect(seeOther(await tryLogin(owner, '192.0.2.201', PASSWORD))).toMatch(/^\/consent\?i=[\w-]{22}$/);
    // So is a fresh browser on the owner's usual network.
    expect(seeOther(await tryLogin(new TestBrowser(f.base), '198.51.100.7', PASSWORD))).toMatch(/^\/consent\?i=[\w-]{22}$/);
  }, 30_000);
});
