import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORM, JWT_API } from '../helpers.js';
import { authorizeFixture, PASSWORD, WEB_REDIRECT, type AuthorizeFixture } from '../authorize/fixture.js';
import { CookieJar, scriptedLogin } from '../authorize/scripted-login.js';

/**
 * Random requests at /token rarely hold a live code or refresh token (grants/properties.test.ts uses
 * look-alike values). Here every run starts from a REAL one: a fresh authorization code from the SSO
 * session, or the current refresh token, and then changes or adds random parameters. Whatever is
 * sent: a 200 with tokens, or an RFC 6749 §5.2 error with the right status — never a 5xx — and
 * always `Cache-Control: no-store`. A code is never good twice, whatever the first request was.
 */
let f: AuthorizeFixture;
const jar = new CookieJar();
let refreshToken = '';

/** RFC 6749 §5.2, RFC 8707 §2 and RFC 9449 §5 codes /token may answer with. */
const TOKEN_ERRORS = ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_target', 'invalid_dpop_proof', 'use_dpop_nonce', 'access_denied'];

beforeAll(async () => {
  f = await authorizeFixture();
  const first = await scriptedLogin({ authorizationUrl: f.authorizeUrl({ scope: 'openid offline_access read' }), username: 'alice', password: PASSWORD, now: f.clock.now, jar });
  const tokens = await exchange({ code: codeOf(first.redirect) });
  expect(tokens.statusCode).toBe(200);
  refreshToken = (tokens.json() as { refresh_token: string }).refresh_token;
}, 30_000);
afterAll(() => f.close());

const codeOf = (redirect: string) => new URL(redirect).searchParams.get('code')!;

function post(pairs: [string, string][], headers: Record<string, string> = {}) {
  return f.tessera.app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': FORM, ...headers },
    payload: pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'),
  });
}

function exchange(overrides: Record<string, string>) {
  return post(Object.entries({ grant_type: 'authorization_code', redirect_uri: WEB_REDIRECT, code_verifier: f.verifier, client_id: f.client.clientId, ...overrides }));
}

/** A fresh code for alice from her SSO session (no pages: remembered consent). */
async function freshCode(): Promise<string> {
  const response = await fetch(f.authorizeUrl({ scope: 'openid offline_access read' }), { redirect: 'manual', headers: { cookie: jar.header() } });
  jar.store(response);
  const location = response.headers.get('location') ?? '';
  expect(location, 'the SSO session yields a code without pages').toMatch(/^https:\/\/app\.example\/cb\?code=/);
  return codeOf(location);
}

const value = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom('', 'openid', 'read', 'write', 'admin', 'openid offline_access read', JWT_API, 'https://evil.example', WEB_REDIRECT, `${WEB_REDIRECT}/x`, 'web-app', 'other-client', 'authorization_code', 'refresh_token', 'client_credentials'),
  fc.integer({ min: 1000, max: 10_000 }).map((n) => 'v'.repeat(n)),
);
const NAMES = ['code', 'code_verifier', 'redirect_uri', 'client_id', 'scope', 'resource', 'grant_type', 'refresh_token', 'client_secret', 'client_assertion', 'client_assertion_type', 'nonce', 'device_code'];
/** Random changes: set (replace), add (repeat) or drop a parameter. */
const changes = fc.array(fc.tuple(fc.constantFrom('set', 'add', 'drop'), fc.constantFrom(...NAMES), value), { maxLength: 4 });
const dpop = fc.option(fc.oneof(fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x21-\x7e]/g, '')), fc.constant('eyJhbGciOiJub25lIiwidHlwIjoiZHBvcCtqd3QifQ.e30.')), { nil: undefined });

function apply(base: Record<string, string>, edits: [string, string, string][]): [string, string][] {
  let pairs: [string, string][] = Object.entries(base);
  for (const [how, name, v] of edits) {
    if (how === 'drop') pairs = pairs.filter(([k]) => k !== name);
    else if (how === 'add') pairs.push([name, v]);
    else pairs = [...pairs.filter(([k]) => k !== name), [name, v]];
  }
  return pairs;
}

function expectRfcAnswer(res: Awaited<ReturnType<typeof post>>, where: string) {
  expect(res.statusCode, where).toBeLessThan(500);
  expect(res.headers['cache-control'], where).toBe('no-store');
  const body = res.json() as { error?: string; access_token?: string };
  if (res.statusCode === 200) {
    expect(typeof body.access_token, where).toBe('string');
  } else {
    expect([400, 401], where).toContain(res.statusCode);
    expect(TOKEN_ERRORS, where).toContain(body.error);
  }
}

describe('checklist: /token with real grants and random changes', () => {
  it('a real authorization code with random parameter changes: 200 or an RFC error, never 5xx; a code never works twice', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(changes, dpop, async (edits, proof) => {
        const code = await freshCode();
        const pairs = apply({ grant_type: 'authorization_code', code, redirect_uri: WEB_REDIRECT, code_verifier: f.verifier, client_id: f.client.clientId }, edits);
        const res = await post(pairs, proof === undefined ? {} : { dpop: proof });
        const where = `${JSON.stringify(pairs).slice(0, 300)} dpop=${proof} -> ${res.statusCode} ${res.body.slice(0, 200)}`;
        expectRfcAnswer(res, where);
        if (res.statusCode === 200) {
          accepted += 1;
          // RFC 6749 §4.1.2: whatever made the first use succeed, a second one fails.
          const again = await exchange({ code });
          expect(again.statusCode, where).toBe(400);
          expect(again.json(), where).toMatchObject({ error: 'invalid_grant' });
        }
      }),
      { numRuns: 60 },
    );
    // Unchanged requests are among the runs: some must succeed, or the refusals prove nothing.
    expect(accepted).toBeGreaterThan(0);
  }, 120_000);

  it('the current refresh token with random parameter changes: 200 (rotating it) or an RFC error, never 5xx', async () => {
    let rotations = 0;
    await fc.assert(
      fc.asyncProperty(changes, dpop, async (edits, proof) => {
        const pairs = apply({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: f.client.clientId }, edits);
        const res = await post(pairs, proof === undefined ? {} : { dpop: proof });
        const where = `${JSON.stringify(pairs).slice(0, 300)} dpop=${proof} -> ${res.statusCode} ${res.body.slice(0, 200)}`;
        expectRfcAnswer(res, where);
        const rotated = (res.json() as { refresh_token?: string }).refresh_token;
        if (res.statusCode === 200 && rotated !== undefined) {
          refreshToken = rotated;
          rotations += 1;
        }
        // Step past the grace window so a later use of an old token would count as reuse, not retry.
        f.clock.advance(120);
      }),
      { numRuns: 60 },
    );
    expect(rotations).toBeGreaterThan(0);
  }, 120_000);
});
