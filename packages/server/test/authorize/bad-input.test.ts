import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeFixture, WEB_REDIRECT, type AuthorizeFixture } from './fixture.js';

/**
 * Bad input on every user-facing page gets a clear page with a 4xx status (or a redirect where the
 * protocol says so) — never a 500, a stack trace, JSON, or a hang.
 */
let f: AuthorizeFixture;
beforeAll(async () => {
  f = await authorizeFixture();
});
afterAll(() => f.close());

interface Row {
  name: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  url: string;
  contentType?: string;
  body?: string | Buffer;
  cookie?: string;
  status: number;
}

const FORM = 'application/x-www-form-urlencoded';
const valid = () =>
  new URLSearchParams({ response_type: 'code', client_id: 'web-app', redirect_uri: WEB_REDIRECT, scope: 'openid profile', state: 'st-123', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' }).toString();

const rows: Row[] = [
  { name: '/authorize without parameters', url: '/authorize', status: 400 },
  { name: '/authorize with a malformed percent-escape', url: '/authorize?client_id=%zz', status: 400 },
  { name: '/authorize with percent-escapes that are not UTF-8', url: '/authorize?client_id=%ff%fe', status: 400 },
  { name: '/authorize with a huge client_id', url: `/authorize?client_id=${'a'.repeat(5000)}`, status: 400 },
  { name: '/authorize with only a name', url: '/authorize?client_id', status: 400 },
  { name: '/authorize with an empty client_id (RFC 6749 §3.1: as if omitted)', url: '/authorize?client_id=&response_type=code', status: 400 },
  { name: '/authorize with a NUL in the scope', url: `/authorize?${valid().replace('scope=openid', 'scope=open%00id')}`, status: 303 },
  { name: '/authorize with CR LF in state (echoed encoded, never as a header)', url: `/authorize?${valid().replace('state=st-123', 'state=a%0d%0aSet-Cookie:%20x=1')}&response_type=token`, status: 303 },
  { name: '/authorize with a huge state', url: `/authorize?${valid().replace('state=st-123', `state=${'s'.repeat(5000)}`)}`, status: 303 },
  { name: '/authorize whose interaction would not fit a cookie', url: `/authorize?${valid().replace('state=st-123', `state=${'s'.repeat(1000)}&nonce=${'n'.repeat(255)}&login_hint=${'h'.repeat(256)}&acr_values=${'a'.repeat(1500)}`)}`, status: 400 },
  { name: 'POST /authorize with JSON', method: 'POST', url: '/authorize', contentType: 'application/json', body: '{"client_id":"web-app"}', status: 415 },
  { name: 'POST /authorize with text/plain', method: 'POST', url: '/authorize', contentType: 'text/plain', body: 'client_id=web-app', status: 415 },
  { name: 'POST /authorize with bytes that are not UTF-8', method: 'POST', url: '/authorize', contentType: FORM, body: Buffer.from([0x63, 0x3d, 0xc3, 0x28]), status: 400 },
  { name: 'POST /authorize with a body over the limit', method: 'POST', url: '/authorize', contentType: FORM, body: `client_id=${'a'.repeat(70 * 1024)}`, status: 413 },
  { name: 'POST /authorize without a body', method: 'POST', url: '/authorize', status: 400 },
  { name: 'PUT /authorize', method: 'PUT', url: '/authorize', status: 405 },
  { name: '/authorize/resume without an interaction', url: '/authorize/resume', status: 400 },
  { name: 'GET /login without an interaction', url: '/login', status: 400 },
  { name: 'POST /login without an interaction', method: 'POST', url: '/login', contentType: FORM, body: 'username=a&password=b', status: 400 },
  { name: 'POST /login with a forged interaction cookie', method: 'POST', url: `/login?i=${'A'.repeat(22)}`, contentType: FORM, body: 'username=a&password=b', cookie: `tessera_interaction_${'A'.repeat(22)}=${'A'.repeat(200)}`, status: 400 },
  { name: 'GET /login with a malformed interaction id', url: '/login?i=%zz&i=../../x', status: 400 },
  { name: 'GET /consent with an interaction id that has no cookie', url: `/consent?i=${'B'.repeat(22)}`, status: 400 },
  { name: 'POST /login with a cookie header full of junk', method: 'POST', url: '/login', contentType: FORM, body: 'username=a', cookie: 'tessera_interaction="%%%"; ;;=;tessera_session', status: 400 },
  { name: 'POST /login with JSON', method: 'POST', url: '/login', contentType: 'application/json', body: '{}', status: 415 },
  { name: 'DELETE /login', method: 'DELETE', url: '/login', status: 405 },
  { name: 'GET /login/totp without an interaction', url: '/login/totp', status: 400 },
  { name: 'POST /login/totp without an interaction', method: 'POST', url: '/login/totp', contentType: FORM, body: 'code=123456', status: 400 },
  { name: 'GET /consent without an interaction', url: '/consent', status: 400 },
  { name: 'POST /consent without an interaction', method: 'POST', url: '/consent', contentType: FORM, body: 'decision=approve', status: 400 },
  { name: 'PATCH /consent', method: 'PATCH', url: '/consent', status: 405 },
  { name: 'GET /device/confirm', url: '/device/confirm', status: 405 },
  { name: 'GET /device with a malformed escape', url: '/device?user_code=%zz', status: 400 },
  { name: 'POST /device with JSON', method: 'POST', url: '/device', contentType: 'application/json', body: '{}', status: 415 },
  { name: 'GET /logout with a garbage id_token_hint', url: '/logout?id_token_hint=abc.def.ghi', status: 400 },
  { name: 'GET /logout with a repeated parameter', url: '/logout?state=a&state=b', status: 400 },
  { name: 'GET /logout with an unknown client', url: '/logout?client_id=nobody', status: 400 },
  { name: 'GET /logout with a return URI but no client', url: `/logout?post_logout_redirect_uri=${encodeURIComponent(WEB_REDIRECT)}`, status: 400 },
  { name: 'POST /logout with bytes that are not UTF-8', method: 'POST', url: '/logout', contentType: FORM, body: Buffer.from([0xff, 0xfe]), status: 400 },
  { name: 'PUT /logout', method: 'PUT', url: '/logout', status: 405 },
  { name: 'POST /account/totp with JSON', method: 'POST', url: '/account/totp', contentType: 'application/json', body: '{}', status: 415 },
];

describe('bad input on every page', () => {
  it.each(rows)('$name → $status', async (row) => {
    const response = await f.tessera.app.inject({
      method: row.method ?? 'GET',
      url: row.url,
      headers: { ...(row.contentType && { 'content-type': row.contentType }), ...(row.cookie && { cookie: row.cookie }) },
      ...(row.body !== undefined && { payload: row.body }),
    });
    expect(response.statusCode).toBe(row.status);
    if (row.status === 303) {
      const location = response.headers.location as string;
      expect(location.startsWith(WEB_REDIRECT) || location.startsWith('/login?i=')).toBe(true);
      expect(location).not.toMatch(/[\r\n]/);
      expect(response.headers['set-cookie'] ?? '').not.toContain('x=1');
      return;
    }
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toContain('<main>');
    expect(response.body).not.toMatch(/at .*\.ts:\d+|stack|TypeError/);
    if (row.status === 405) expect(response.headers.allow).toBeTruthy();
  });

  it('arbitrary authorization parameters never make a 500 (property)', async () => {
    const names = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'nonce', 'resource', 'response_mode', 'acr_values', 'login_hint', 'dpop_jkt', 'request'];
    const value = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('web-app', WEB_REDIRECT, 'code', 'openid', 'S256', 'none', 'form_post', 'a'.repeat(43)));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 10 }), async (pairs) => {
        const query = new URLSearchParams(pairs).toString();
        const response = await f.tessera.app.inject({ method: 'GET', url: `/authorize?${query}` });
        expect([200, 303, 400]).toContain(response.statusCode);
      }),
      { numRuns: 150 },
    );
  });
});
