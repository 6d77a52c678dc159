import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientRecord, LOOPBACK_REDIRECT, WEB_REDIRECT, authorizeFixture, type AuthorizeFixture } from './fixture.js';

/**
 * The authorization endpoint's request checks (RFC 6749 §3.1, §4.1.1, §4.1.2.1; RFC 7636; RFC 9207;
 * RFC 8707; RFC 8252 §7.3; OIDC Core §3.1.2). No session: requests that pass all checks go to /login.
 */
let f: AuthorizeFixture;

beforeAll(async () => {
  f = await authorizeFixture();
  await f.storage.clients.create(clientRecord({ clientId: 'off', disabled: true }));
  await f.storage.clients.create(clientRecord({ clientId: 'single', redirectUris: [WEB_REDIRECT] }));
  await f.storage.clients.create(clientRecord({ clientId: 'cc-only', grantTypes: ['client_credentials'] }));
  await f.storage.clients.create(clientRecord({ clientId: 'native', redirectUris: ['http://[::1]/cb', 'com.example.app:/oauth'] }));
});
afterAll(() => f.close());

const get = (url: string) => fetch(url, { redirect: 'manual' });

/** The error page for a request that must not be redirected. */
async function expectErrorPage(response: Response, code: string): Promise<string> {
  expect(response.status).toBe(400);
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(response.headers.get('cache-control')).toBe('no-store');
  const body = await response.text();
  expect(body).toContain(`<code>${code}</code>`);
  return body;
}

/** An error redirect back to the client: 303, error, state and iss (RFC 9207 §2). */
function expectErrorRedirect(response: Response, error: string, redirectUri = WEB_REDIRECT): URL {
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
  expect(location.searchParams.get('error')).toBe(error);
  expect(location.searchParams.get('error_description')).toBeTruthy();
  expect(location.searchParams.get('state')).toBe('st-123');
  expect(location.searchParams.get('iss')).toBe(f.base);
  expect(location.searchParams.has('code')).toBe(false);
  return location;
}

const toLogin = (response: Response) => {
  expect(response.status).toBe(303);
  expect(response.headers.get('location')).toMatch(/^\/login\?i=[\w-]{22}$/);
};

describe('requests that must never redirect (RFC 6749 §4.1.2.1, RFC 9700 §4.11.2)', () => {
  it('RFC 6749 §4.1.2.1: an unknown client_id gets an error page and no Location', async () => {
    await expectErrorPage(await get(f.authorizeUrl({ client_id: 'nobody' })), 'invalid_client');
  });

  it('a disabled client gets an error page', async () => {
    await expectErrorPage(await get(f.authorizeUrl({ client_id: 'off' })), 'invalid_client');
  });

  it('a missing client_id gets an error page', async () => {
    await expectErrorPage(await get(f.authorizeUrl({ client_id: null })), 'invalid_request');
  });

  it('RFC 6749 §4.1.2.1: a redirect_uri that is not registered gets an error page, no redirect', async () => {
    for (const uri of ['https://evil.example/cb', `${WEB_REDIRECT}/extra`, `${WEB_REDIRECT}?x=1`, 'https://APP.example/cb', `${WEB_REDIRECT}#frag`, 'https://app.example:443/cb']) {
      await expectErrorPage(await get(f.authorizeUrl({ redirect_uri: uri })), 'invalid_request');
    }
  });

  it('RFC 6749 §3.1: a repeated client_id or redirect_uri cannot be trusted: error page', async () => {
    await expectErrorPage(await get(`${f.authorizeUrl()}&client_id=web-app`), 'invalid_request');
    await expectErrorPage(await get(`${f.authorizeUrl()}&redirect_uri=${encodeURIComponent(WEB_REDIRECT)}`), 'invalid_request');
  });

  it('OIDC Core §3.1.2.1: redirect_uri is required for an openid request, even with one registered URI', async () => {
    await expectErrorPage(await get(f.authorizeUrl({ client_id: 'single', redirect_uri: null })), 'invalid_request');
  });

  it('a client with several redirect URIs must name one', async () => {
    await expectErrorPage(await get(f.authorizeUrl({ redirect_uri: null, scope: 'read' })), 'invalid_request');
  });
});

describe('browser-only endpoint', () => {
  it('RFC 9700 §2.6 / C-22: /authorize and the pages send no CORS headers and cannot be framed', async () => {
    for (const url of [f.authorizeUrl(), f.authorizeUrl({ client_id: 'nobody' }), `${f.base}/login`, `${f.base}/logout`]) {
      const response = await fetch(url, { redirect: 'manual', headers: { origin: 'https://evil.example' } });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      if (response.status !== 303) {
        expect(response.headers.get('x-frame-options')).toBe('DENY');
        expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      }
    }
    const preflight = await fetch(`${f.base}/authorize`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(405);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('redirect URI matching', () => {
  it('RFC 6749 §3.1.2.3: with exactly one registered redirect URI and none sent (not OIDC), that one is used', async () => {
    const response = await get(f.authorizeUrl({ client_id: 'single', redirect_uri: null, scope: 'read', response_type: 'token' }));
    expectErrorRedirect(response, 'unsupported_response_type');
  });

  it('RFC 8252 §7.3: a loopback IP redirect URI may use any port', async () => {
    toLogin(await get(f.authorizeUrl({ redirect_uri: 'http://127.0.0.1:51234/callback' })));
    toLogin(await get(f.authorizeUrl({ redirect_uri: LOOPBACK_REDIRECT })));
    toLogin(await get(f.authorizeUrl({ client_id: 'native', redirect_uri: 'http://[::1]:8080/cb' })));
  });

  it('RFC 8252 §7.3: only the port may vary: other path, host or scheme is refused', async () => {
    for (const uri of ['http://127.0.0.1:51234/other', 'http://localhost:51234/callback', 'http://127.0.0.2:51234/callback', 'https://127.0.0.1:51234/callback', 'http://127.0.0.1:99999/callback']) {
      await expectErrorPage(await get(f.authorizeUrl({ redirect_uri: uri })), 'invalid_request');
    }
  });

  it('RFC 8252 §7.1: a private-use scheme redirect URI is matched exactly and errors go back to it', async () => {
    const response = await get(f.authorizeUrl({ client_id: 'native', redirect_uri: 'com.example.app:/oauth', code_challenge_method: 'plain' }));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^com\.example\.app:\/oauth\?error=invalid_request&/);
  });
});

describe('errors after the redirect URI is trusted go back to the client with iss (RFC 9207)', () => {
  it('OAuth 2.1: response_type=token is refused with unsupported_response_type', async () => {
    expectErrorRedirect(await get(f.authorizeUrl({ response_type: 'token' })), 'unsupported_response_type');
    expectErrorRedirect(await get(f.authorizeUrl({ response_type: 'code id_token' })), 'unsupported_response_type');
  });

  it('RFC 6749 §4.1.1: a missing response_type is invalid_request', async () => {
    expectErrorRedirect(await get(f.authorizeUrl({ response_type: null })), 'invalid_request');
  });

  it('RFC 6749 §3.1: a repeated parameter is invalid_request', async () => {
    expectErrorRedirect(await get(`${f.authorizeUrl()}&scope=read`), 'invalid_request');
    expectErrorRedirect(await get(`${f.authorizeUrl()}&code_challenge=${'a'.repeat(43)}`), 'invalid_request');
  });

  it('RFC 6749 §3.1: a parameter repeated with an empty value (a=1&a=) is still repeated, as at /token', async () => {
    const location = expectErrorRedirect(await get(`${f.authorizeUrl({ nonce: 'n-1' })}&nonce=`), 'invalid_request');
    expect(location.searchParams.get('error_description')).toContain('"nonce" is repeated');
    await expectErrorPage(await get(`${f.authorizeUrl()}&client_id=`), 'invalid_request');
    await expectErrorPage(await get(`${f.authorizeUrl()}&redirect_uri=`), 'invalid_request');
  });

  it('RFC 6749 §3.1: a parameter sent once with an empty value is treated as omitted', async () => {
    const response = await get(f.authorizeUrl({ nonce: '' }));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/login\?i=/);
  });

  it('RFC 7636 §4.4.1 / RFC 9700 §2.1.1: a request without code_challenge is invalid_request', async () => {
    expectErrorRedirect(await get(f.authorizeUrl({ code_challenge: null, code_challenge_method: null })), 'invalid_request');
  });

  it('RFC 9700 §2.1.1: code_challenge_method=plain is invalid_request', async () => {
    const location = expectErrorRedirect(await get(f.authorizeUrl({ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' })), 'invalid_request');
    expect(location.searchParams.get('error_description')).toContain('S256');
  });

  it('RFC 7636 §4.3: a missing code_challenge_method means plain and is refused', async () => {
    expectErrorRedirect(await get(f.authorizeUrl({ code_challenge_method: null })), 'invalid_request');
  });

  it('RFC 7636 §4.2: a code_challenge that is not 43 base64url characters is invalid_request', async () => {
    for (const challenge of ['a'.repeat(42), 'a'.repeat(44), `${'a'.repeat(42)}=`, `${'a'.repeat(42)}+`]) {
      expectErrorRedirect(await get(f.authorizeUrl({ code_challenge: challenge })), 'invalid_request');
    }
  });

  it('RFC 6749 §3.3: a scope the client may not request is invalid_scope; so is a missing scope', async () => {
    expectErrorRedirect(await get(f.authorizeUrl({ scope: 'openid admin' })), 'invalid_scope');
    expectErrorRedirect(await get(f.authorizeUrl({ scope: null, redirect_uri: WEB_REDIRECT })), 'invalid_scope');
    expectErrorRedirect(await get(f.authorizeUrl({ scope: 'openid "x' })), 'invalid_scope');
  });

  it('RFC 8707 §2: a resource the client is not registered for is invalid_target', async () => {
    expectErrorRedirect(await get(f.authorizeUrl({ resource: 'https://other.example' })), 'invalid_target');
  });

  it('RFC 8707 §2: resource may repeat; every value must be allowed', async () => {
    toLogin(await get(`${f.authorizeUrl({ resource: 'https://api.example.com' })}&resource=https%3A%2F%2Fapi.example.com`));
    expectErrorRedirect(await get(`${f.authorizeUrl({ resource: 'https://api.example.com' })}&resource=https%3A%2F%2Fx.example`), 'invalid_target');
  });

  it('OIDC Core §6: request objects are not supported; a request_uri this server never pushed is invalid_request_uri (RFC 9126 §4)', async () => {
    expectErrorRedirect(await get(f.authorizeUrl({ request: 'eyJhbGciOiJub25lIn0.e30.' })), 'request_not_supported');
    await expectErrorPage(await get(f.authorizeUrl({ request_uri: 'urn:ietf:params:oauth:request_uri:x' })), 'invalid_request_uri');
    await expectErrorPage(await get(f.authorizeUrl({ request_uri: 'https://rp.example/request.jwt' })), 'invalid_request_uri');
  });

  it('a client not registered for the authorization code grant is unauthorized_client', async () => {
    expectErrorRedirect(await get(f.authorizeUrl({ client_id: 'cc-only' })), 'unauthorized_client');
  });

  it('OIDC Core §3.1.2.1: bad prompt, max_age, nonce and dpop_jkt values are invalid_request', async () => {
    expectErrorRedirect(await get(f.authorizeUrl({ prompt: 'none login' })), 'invalid_request');
    expectErrorRedirect(await get(f.authorizeUrl({ prompt: 'select_account' })), 'invalid_request');
    expectErrorRedirect(await get(f.authorizeUrl({ max_age: '-1' })), 'invalid_request');
    expectErrorRedirect(await get(f.authorizeUrl({ nonce: 'n'.repeat(256) })), 'invalid_request');
    expectErrorRedirect(await get(f.authorizeUrl({ dpop_jkt: 'short' })), 'invalid_request');
  });

  it('OIDC Core §3.1.2.6: prompt=none without a session is login_required, with state and iss', async () => {
    expectErrorRedirect(await get(f.authorizeUrl({ prompt: 'none' })), 'login_required');
  });

  it('an unknown response_mode is invalid_request, answered in query mode', async () => {
    expectErrorRedirect(await get(f.authorizeUrl({ response_mode: 'fragment' })), 'invalid_request');
  });

  it('a redirect URI with its own query keeps it (RFC 6749 §3.1.2)', async () => {
    await f.storage.clients.create(clientRecord({ clientId: 'with-query', redirectUris: ['https://app.example/cb?tenant=a'] }));
    const response = await get(f.authorizeUrl({ client_id: 'with-query', redirect_uri: 'https://app.example/cb?tenant=a', response_type: 'token' }));
    expect(response.headers.get('location')).toMatch(/^https:\/\/app\.example\/cb\?tenant=a&error=unsupported_response_type&/);
  });
});

describe('response_mode=form_post (OAuth 2.0 Form Post Response Mode)', () => {
  it('sends errors as an auto-submitting form to the redirect URI, allowed by a script hash and form-action', async () => {
    const response = await get(f.authorizeUrl({ response_mode: 'form_post', response_type: 'token' }));
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("form-action 'self' https://app.example");
    expect(csp).not.toContain('unsafe-inline');
    const body = await response.text();
    expect(body).toContain(`<form method="post" action="${WEB_REDIRECT}">`);
    expect(body).toContain('<input type="hidden" name="error" value="unsupported_response_type">');
    expect(body).toContain('<input type="hidden" name="state" value="st-123">');
    expect(body).toContain(`<input type="hidden" name="iss" value="${f.base}">`);
    expect(body).toContain('<button class="primary" type="submit">Continue</button>');
  });

  it('escapes what it echoes', async () => {
    const response = await get(f.authorizeUrl({ response_mode: 'form_post', response_type: 'token', state: '"><script>alert(1)</script>' }));
    const body = await response.text();
    expect(body).not.toContain('<script>alert(1)');
    expect(body).toContain('&quot;&gt;&lt;script&gt;');
  });
});

describe('POST /authorize (OIDC Core §3.1.2.1)', () => {
  it('validates like GET, then continues on a same-site GET', async () => {
    const body = new URL(f.authorizeUrl()).searchParams.toString();
    const response = await fetch(`${f.base}/authorize`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/authorize\/resume\?i=[\w-]{22}$/);
    const id = new URL(response.headers.get('location')!, f.base).searchParams.get('i');
    expect(response.headers.getSetCookie().join()).toContain(`tessera_interaction_${id}=`);
  });

  it('refuses the same bad requests', async () => {
    const body = new URL(f.authorizeUrl({ client_id: 'nobody' })).searchParams.toString();
    const response = await fetch(`${f.base}/authorize`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    await expectErrorPage(response, 'invalid_client');
  });
});
