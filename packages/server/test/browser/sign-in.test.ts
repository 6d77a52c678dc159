import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSessionId } from '../../src/accounts/sessions.js';
import { authorizeFixture, clientRecord, pkce, PASSWORD, type AuthorizeFixture } from '../authorize/fixture.js';
import { totpCode } from '../authorize/scripted-login.js';

/**
 * Issue 3 acceptance: a real browser (Debian's Chromium via playwright-core) signs in with password +
 * TOTP, grants consent, lands on the client's loopback redirect with code, state and iss, then signs
 * out through /logout. Real listening servers on both sides; nothing is mocked.
 */
const CHROMIUM = process.env.TESSERA_TEST_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = fileURLToPath(new URL('../../../../docs/images/login.png', import.meta.url));

let f: AuthorizeFixture;
let rp: Server;
let rpBase: string;
let context: BrowserContext;
let profile: string;
const received: string[] = [];

beforeAll(async () => {
  f = await authorizeFixture();
  // The "application": a tiny loopback HTTP server that records where the browser lands.
  rp = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      if (request.url?.startsWith('/start-post?')) {
        // The application starts sign-in with a cross-site form POST to /authorize (OIDC Core §3.1.2.1).
        const fields = [...new URLSearchParams(request.url.slice('/start-post?'.length))].map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`).join('');
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>App</title><form method="post" action="${f.base}/authorize">${fields}<button>Sign in</button></form>`);
        return;
      }
      if (request.url !== '/favicon.ico') received.push(`${request.method} ${request.url ?? ''}${body ? ` ${body}` : ''}`);
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>App</title><p>Back at the app</p>');
    });
  });
  await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
  rpBase = `http://127.0.0.1:${(rp.address() as { port: number }).port}`;
  await f.storage.clients.create(
    clientRecord({ clientId: 'native-app', name: 'Photo Printer', redirectUris: ['http://127.0.0.1/callback'], metadata: { post_logout_redirect_uris: [`${rpBase}/bye`] } }),
  );
  profile = mkdtempSync(join(tmpdir(), 'tessera-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 480, height: 640 },
  });
}, 30_000);

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => rp?.close(resolve));
  await f?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('sign-in in a real browser', () => {
  it('password + TOTP + consent → the client redirect with code, state and iss; then sign-out via /logout', async () => {
    const page = await context.newPage();
    const { challenge } = pkce();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'native-app',
      redirect_uri: `${rpBase}/callback`,
      scope: 'openid profile',
      state: 'browser-state',
      nonce: 'browser-nonce',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    await page.goto(`${f.base}/authorize?${query}`);
    await expect.poll(() => page.title()).toBe('Sign in');
    expect(await page.textContent('main')).toContain('to continue to Photo Printer');
    const png = await page.screenshot({ fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    if (process.env.TESSERA_UPDATE_SCREENSHOT === '1' || !existsSync(SCREENSHOT)) await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.fill('#username', 'bob');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((url) => url.pathname === '/login/totp');
    await page.fill('#code', totpCode(f.bob.totpSecret, f.clock.now()));
    await page.click('button[type=submit]');
    await page.waitForURL((url) => url.pathname === '/consent');
    expect(await page.textContent('h1')).toContain('Allow Photo Printer');
    await page.click('button[value=approve]');
    await page.waitForURL((url) => url.href.startsWith(`${rpBase}/callback`));

    const landed = new URL(page.url());
    expect(landed.searchParams.get('code')).toMatch(/^tac_[A-Za-z0-9_-]{43}$/);
    expect(landed.searchParams.get('state')).toBe('browser-state');
    expect(landed.searchParams.get('iss')).toBe(f.base);
    expect(received.some((line) => line.startsWith('GET /callback?code='))).toBe(true);

    const cookies = await context.cookies(f.base);
    const session = cookies.find((c) => c.name === 'tessera_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    await page.goto(`${f.base}/logout?client_id=native-app&post_logout_redirect_uri=${encodeURIComponent(`${rpBase}/bye`)}&state=bye-state`);
    expect(await page.textContent('h1')).toContain('Sign out?');
    await page.click('button[value=yes]');
    await page.waitForURL((url) => url.href.startsWith(`${rpBase}/bye`));
    expect(new URL(page.url()).searchParams.get('state')).toBe('bye-state');
    expect((await context.cookies(f.base)).some((c) => c.name === 'tessera_session')).toBe(false);
    expect((await f.storage.sessions.get(hashSessionId(session.value)))!.revokedAt).not.toBeNull();
  }, 30_000);

  it('OIDC Core §3.1.2.1: an authorization request POSTed cross-site from the application continues with the SSO session', async () => {
    const page = await context.newPage();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'native-app',
      redirect_uri: `${rpBase}/callback`,
      scope: 'openid',
      state: 'posted',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    });
    await page.goto(`${rpBase}/start-post?${query}`);
    await page.click('button');
    await page.waitForURL((url) => url.pathname === '/login');
    await page.fill('#username', 'alice');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((url) => url.pathname === '/consent');
    await page.click('button[value=approve]');
    await page.waitForURL((url) => url.href.startsWith(`${rpBase}/callback`));
    expect(new URL(page.url()).searchParams.get('state')).toBe('posted');
    // Again, now with a session: the cross-site POST carries no Lax cookie, the same-site resume does.
    await page.goto(`${rpBase}/start-post?${query}`);
    await page.click('button');
    await page.waitForURL((url) => url.href.startsWith(`${rpBase}/callback`));
    expect(new URL(page.url()).searchParams.get('code')).toMatch(/^tac_/);
    await page.close();
  }, 30_000);

  it('works without JavaScript: sign-in, consent, and form_post through its visible Continue button', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-chromium-nojs-'));
    const noJs = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      headless: true,
      javaScriptEnabled: false,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await noJs.newPage();
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: 'native-app',
        redirect_uri: `${rpBase}/callback`,
        scope: 'openid',
        state: 'no-js',
        prompt: 'consent',
        response_mode: 'form_post',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      });
      await page.goto(`${f.base}/authorize?${query}`);
      await page.fill('#username', 'alice');
      await page.fill('#password', PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForURL((url) => url.pathname === '/consent');
      await page.click('button[value=approve]');
      await page.waitForSelector('text=Returning you to the application');
      received.length = 0;
      await page.click('button[type=submit]');
      await page.waitForURL((url) => url.href.startsWith(`${rpBase}/callback`));
      expect(received).toHaveLength(1);
      const posted = new URLSearchParams(received[0]!.replace(/^POST \/callback /, ''));
      expect(posted.get('code')).toMatch(/^tac_/);
      expect(posted.get('state')).toBe('no-js');
      expect(posted.get('iss')).toBe(f.base);
    } finally {
      await noJs.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
