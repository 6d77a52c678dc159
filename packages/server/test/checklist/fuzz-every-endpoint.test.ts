import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/signals/hmac.js';
import { FORM, JWT_API } from '../helpers.js';
import { authorizeFixture, PASSWORD, WEB_REDIRECT, type AuthorizeFixture } from '../authorize/fixture.js';
import { CookieJar, parseForm } from '../authorize/scripted-login.js';

/**
 * One server with every surface switched on (authorization pages, all grants, introspection,
 * revocation, userinfo, device flow, UEM webhook, SSF), attacked with random requests: random
 * methods, duplicate and huge parameters, percent-escapes that are not UTF-8, wrong content types,
 * random bytes, forged and real credentials and cookies. What must hold for every one of them
 * (PREAMBLE "every bad input gets a protocol error"; RFC 6749 §5.2; RFC 6750 §3; RFC 8935 §2.3):
 * - the status is below 500 (no storage outage is simulated, so 5xx can only be a crash);
 * - a JSON error body carries an `error` code (`err` from SET recipients, RFC 8935 §2.3) in the RFC 6749
 *   §A.7 character set, and never a stack;
 * - /token answers (other than a CORS preflight) carry `Cache-Control: no-store` (RFC 6749 §5.1, C-53);
 * - an HTML page never shows a stack trace;
 * - no answer is a 307/308 (RFC 9700 §4.12), and the pages never allow CORS (RFC 9700 §2.6).
 */
let f: AuthorizeFixture;
const WEBHOOK_SECRET = 'whsec_0123456789abcdef0123456789abcdef';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Real credentials and cookies, so random input also reaches code behind the first checks. */
const real = {
  basic: '',
  bearer: '',
  ssfBearer: '',
  interactionCookie: '',
  interactionId: '',
  consentCookie: '',
  consentId: '',
  sessionCookie: '',
};

/** A browser hop over real HTTP (the cookies need the listening server's answers). */
async function hop(jar: CookieJar, url: string, body?: Record<string, string>): Promise<Response> {
  const response = await fetch(new URL(url, f.base), {
    method: body ? 'POST' : 'GET',
    headers: { cookie: jar.header(), ...(body && { 'content-type': FORM }) },
    redirect: 'manual',
    ...(body && { body: new URLSearchParams(body).toString() }),
  });
  jar.store(response);
  return response;
}

beforeAll(async () => {
  f = await authorizeFixture({
    devices: { uem: { sources: { hexnode: { secrets: [WEBHOOK_SECRET] } } } },
  });
  const created = await f.tessera.admin.createClient({
    name: 'fuzz',
    scopes: ['read', 'write', 'ssf'],
    resources: [JWT_API, `${f.base}/ssf`],
    grantTypes: ['client_credentials', DEVICE_GRANT],
  });
  real.basic = `Basic ${Buffer.from(`${created.client.clientId}:${created.clientSecret}`).toString('base64')}`;
  const token = async (resource: string, scope: string) => {
    const res = await f.tessera.app.inject({
      method: 'POST', url: '/token', headers: { 'content-type': FORM, authorization: real.basic },
      payload: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }).toString(),
    });
    expect(res.statusCode).toBe(200);
    return (res.json() as { access_token: string }).access_token;
  };
  real.bearer = await token(JWT_API, 'read');
  real.ssfBearer = await token(`${f.base}/ssf`, 'ssf');

  // A browser at the login page, and another one signed in and standing at the consent page.
  const atLogin = new CookieJar();
  const login = await hop(atLogin, f.authorizeUrl());
  real.interactionId = new URL(login.headers.get('location')!, f.base).searchParams.get('i')!;
  real.interactionCookie = atLogin.header();
  const atConsent = new CookieJar();
  const toLogin = await hop(atConsent, f.authorizeUrl());
  const loginForm = parseForm(await (await hop(atConsent, toLogin.headers.get('location')!)).text())!;
  const consent = await hop(atConsent, loginForm.action, {
    ...loginForm.hidden,
    username: f.alice.username,
    password: PASSWORD,
  });
  const consentAt = consent.headers.get('location');
  real.consentId = consentAt ? new URL(consentAt, f.base).searchParams.get('i') ?? '' : '';
  real.consentCookie = atConsent.header();
  real.sessionCookie = [...atConsent.cookies].filter(([name]) => name.includes('session')).map(([n, v]) => `${n}=${v}`).join('; ');
  expect(real.sessionCookie, `${consent.status} ${consentAt} ${[...atConsent.cookies.keys()].join()}`).not.toBe('');
}, 30_000);
afterAll(() => f.close());

const PARAM_NAMES = [
  'response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method',
  'response_mode', 'prompt', 'max_age', 'login_hint', 'id_token_hint', 'acr_values', 'resource', 'dpop_jkt', 'request',
  'request_uri', 'grant_type', 'code', 'code_verifier', 'refresh_token', 'device_code', 'user_code', 'token',
  'token_type_hint', 'client_secret', 'client_assertion', 'client_assertion_type', 'username', 'password', 'decision',
  'csrf', 'i', 'post_logout_redirect_uri', 'stream_id', 'since', 'limit', 'access_token', '__proto__', 'constructor',
];

/** Parameter values: ordinary, empty, huge, control characters, lone surrogates, look-alike tokens. */
const paramValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'code', 'token', 'S256', 'plain', 'openid', 'web-app', WEB_REDIRECT, 'authorization_code', 'refresh_token', 'client_credentials', DEVICE_GRANT, 'approve', 'deny', 'tac_x', 'trt_x', 'tdc_x', '[object Object]', 'NaN', '-1', '1e309') },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((n) => 'x'.repeat(n)) },
);

/** A query or form string whose escapes may be malformed or decode to bytes that are not UTF-8. */
const rawEncoded = fc.array(
  fc.tuple(fc.oneof(fc.constantFrom(...PARAM_NAMES), fc.string({ maxLength: 8 })), paramValue, fc.constantFrom('ok', 'ok', 'ok', 'badescape', 'notutf8', 'nameonly')),
  { maxLength: 12 },
).chain((pairs) =>
  // Repeat some of them (RFC 6749 §3.1: parameters MUST NOT be included more than once).
  fc.subarray(pairs).map((again) =>
    [...pairs, ...again.map((p) => p)]
      .map(([name, value, how]) => {
        const n = encodeURIComponent(name);
        if (how === 'nameonly') return n;
        if (how === 'badescape') return `${n}=%zz${encodeURIComponent(value)}%`;
        if (how === 'notutf8') return `${n}=%ff%fe%c3%28${encodeURIComponent(value)}`;
        // Lone surrogates cannot be percent-encoded; send them through as a replacement.
        return `${n}=${encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, '\uFFFD'))}`;
      })
      .join('&'),
  ),
);

const CONTENT_TYPES = [
  undefined, FORM, `${FORM}; charset=utf-8`, `${FORM}; charset=iso-8859-1`, 'application/json', 'application/jwt',
  'text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'application/secevent+jwt', '*/*', 'form', ';;;',
];

const body = fc.oneof(
  rawEncoded.map((s) => Buffer.from(s, 'utf8')),
  fc.json({ maxDepth: 3 }).map((s) => Buffer.from(s, 'utf8')),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.constant(Buffer.from('{"a":1,"a":2}')),
  fc.constant(Buffer.alloc(0)),
);

const authorization = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(() => real.basic, () => `Bearer ${real.bearer}`, () => `Bearer ${real.ssfBearer}`, () => `DPoP ${real.bearer}`, () => 'Basic', () => 'Bearer', () => 'Basic %%%', () => 'Basic Og==', () => `Basic ${Buffer.from('\u00ff\u0000:\u00fe').toString('base64')}`).map((make) => make()),
  fc.tuple(fc.constantFrom('Basic', 'Bearer', 'DPoP', 'bearer', 'Negotiate', ''), fc.string({ maxLength: 200 })).map(([scheme, value]) => `${scheme} ${value.replace(/[\r\n\0]/g, '')}`),
);

const cookie = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(() => real.interactionCookie, () => real.consentCookie, () => real.sessionCookie).map((make) => make()),
  fc.string({ maxLength: 300 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  fc.string({ maxLength: 100 }).map((s) => `tessera_interaction_${'A'.repeat(22)}=${encodeURIComponent(s)}; tessera_session=${encodeURIComponent(s)}`),
);

const dpopHeader = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => s.replace(/[^\x21-\x7e]/g, '')) },
  { weight: 1, arbitrary: fc.constant('eyJhbGciOiJub25lIiwidHlwIjoiZHBvcCtqd3QifQ.e30.') },
);

const METHODS = ['GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

interface Surface {
  name: string;
  /** Paths to pick from (functions: they may need values known only after setup). */
  paths: (() => string)[];
  /** Whether error bodies must be RFC 6749 §5.2-shaped JSON. */
  json: boolean;
}

const interactionPath = (path: string) => () => `${path}?i=${real.interactionId}`;
const consentPath = () => `/consent?i=${real.consentId}`;

const SURFACES: Surface[] = [
  { name: '/authorize (GET and POST) and /authorize/resume', json: false, paths: [() => '/authorize', () => '/authorize/resume', interactionPath('/authorize/resume')] },
  { name: 'the login, TOTP and consent pages', json: false, paths: [() => '/login', interactionPath('/login'), () => '/login/totp', interactionPath('/login/totp'), () => '/consent', consentPath] },
  { name: 'the device, logout and account pages', json: false, paths: [() => '/device', () => '/device/confirm', () => '/logout', () => '/account/totp'] },
  { name: '/token', json: true, paths: [() => '/token'] },
  { name: '/par', json: true, paths: [() => '/par'] },
  { name: '/device_authorization, /introspect, /revoke', json: true, paths: [() => '/device_authorization', () => '/introspect', () => '/revoke'] },
  { name: '/userinfo', json: true, paths: [() => '/userinfo'] },
  { name: '/signals/uem/*', json: true, paths: [() => '/signals/uem/hexnode', () => '/signals/uem/intune', () => '/signals/uem/%ff', () => `/signals/uem/${'s'.repeat(300)}`] },
  { name: '/ssf/*', json: true, paths: [() => '/ssf/streams', () => '/ssf/status', () => '/ssf/verify', () => '/ssf/poll', () => '/ssf/poll/x', () => '/ssf/feed', () => '/.well-known/ssf-configuration', () => '/ssf/receiver'] },
];

/** RFC 6749 Appendix A.7: error = 1*( %x20-21 / %x23-5B / %x5D-7E ). */
const ERROR_CODE = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;
/** What a leaked stack trace looks like. */
const STACK = /\n\s+at .+[:(]\d+:\d+\)?|node_modules\/|\/src\/[\w/-]+\.[jt]s/;

describe('checklist: no endpoint answers 500 to bad input', () => {
  for (const surface of SURFACES) {
    it(`${surface.name}: random methods, parameters, bodies, content types, credentials and cookies get a 4xx/2xx/3xx, RFC-shaped`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...surface.paths),
          fc.constantFrom(...METHODS),
          rawEncoded,
          fc.constantFrom(...CONTENT_TYPES),
          body,
          authorization,
          cookie,
          dpopHeader,
          fc.boolean(),
          fc.boolean(),
          async (path, method, query, contentType, payload, auth, cookieHeader, dpop, signed, crossOrigin) => {
            const base = path();
            const url = query === '' ? base : `${base}${base.includes('?') ? '&' : '?'}${query}`;
            const headers: Record<string, string> = {};
            if (contentType !== undefined) headers['content-type'] = contentType;
            if (auth !== undefined) headers.authorization = auth;
            if (cookieHeader !== undefined) headers.cookie = cookieHeader;
            if (dpop !== undefined) headers.dpop = dpop;
            if (crossOrigin) Object.assign(headers, { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
            if (signed && base.startsWith('/signals/')) {
              // A correct signature over random bytes, so the body parser and validator are reached.
              const timestamp = String(Math.floor(f.clock.now() / 1000));
              headers['tessera-timestamp'] = timestamp;
              headers['tessera-signature'] = signWebhook(WEBHOOK_SECRET, timestamp, payload.toString('utf8'));
            }
            const withBody = method !== 'GET' && method !== 'HEAD';
            const res = await f.tessera.app.inject({ method, url, headers, ...(withBody && { payload }) });
            const where = `${method} ${url.slice(0, 200)} [${contentType}] -> ${res.statusCode} ${res.body.slice(0, 300)}`;
            expect(res.statusCode, where).toBeLessThan(500);
            expect(res.body, where).not.toMatch(STACK);
            // RFC 9700 §4.12 (C-21): never a 307/308, which would replay a credential-bearing POST elsewhere.
            expect([307, 308], where).not.toContain(res.statusCode);
            // RFC 9700 §2.6 (C-22): no CORS on the authorization endpoint and the pages.
            if (!surface.json) expect(res.headers['access-control-allow-origin'], where).toBeUndefined();
            if (base === '/token' && method !== 'OPTIONS') expect(res.headers['cache-control'], where).toBe('no-store');
            const type = String(res.headers['content-type'] ?? '');
            if (surface.json && res.statusCode >= 400 && method !== 'HEAD' && type.startsWith('application/json')) {
              // The UEM webhook and the SSF push receiver answer like a SET recipient (RFC 8935 §2.3: `err`).
              const answer = res.json() as { error?: unknown; err?: unknown };
              const challenge = String(res.headers['www-authenticate'] ?? '');
              if (res.statusCode === 401 && /^(?:Bearer|DPoP) /.test(challenge) && !challenge.includes('error=')) {
                // RFC 6750 §3.1: no authentication information, no error code or other error information.
                expect(answer, where).toEqual({});
              } else {
                const error = base.startsWith('/signals/') || base === '/ssf/receiver' ? answer.err ?? answer.error : answer.error;
                expect(typeof error, where).toBe('string');
                expect(error as string, where).toMatch(ERROR_CODE);
              }
            }
            if (res.statusCode === 401 && (base === '/userinfo' || base.startsWith('/ssf/'))) {
              expect(res.headers['www-authenticate'], where).toBeTruthy();
            }
          },
        ),
        { numRuns: 300 },
      );
    }, 120_000);
  }

  it('the real credentials above are accepted where they belong (so the refusals are not vacuous)', async () => {
    const info = await f.tessera.app.inject({ method: 'POST', url: '/introspect', headers: { 'content-type': FORM, authorization: real.basic }, payload: `token=${real.bearer}` });
    expect(info.json()).toMatchObject({ active: true });
    const consent = await f.tessera.app.inject({ method: 'GET', url: consentPath(), headers: { cookie: real.consentCookie } });
    expect(consent.statusCode).toBe(200);
    expect(consent.body).toContain('<form');
    const login = await f.tessera.app.inject({ method: 'GET', url: interactionPath('/login')(), headers: { cookie: real.interactionCookie } });
    expect(login.statusCode).toBe(200);
  });
});
