import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createDpopProof, dpopKeyThumbprint, hashSecret } from '@tessera/token';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawParams } from '../../src/authorize/params.js';
import { clientRecord, LOOPBACK_REDIRECT, WEB_REDIRECT, authorizeFixture, pkce, type AuthorizeFixture } from '../authorize/fixture.js';

/**
 * Pushed authorization requests (RFC 9126): the PAR endpoint, and /authorize with the request_uri it
 * hands out. In-process over HTTP, memory storage, frozen clock. No session: a request that passes
 * every check goes to /login.
 */
let f: AuthorizeFixture;
const SECRET = randomBytes(32).toString('base64url');
const CONFIDENTIAL = 'confidential-app';
const STRICT = 'par-only-app';
const URN = /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/;
const { challenge } = pkce();

beforeAll(async () => {
  f = await authorizeFixture();
  await f.storage.clients.create(clientRecord({ clientId: CONFIDENTIAL, authMethods: ['client_secret_basic', 'client_secret_post'], secretHash: hashSecret(SECRET) }));
  await f.storage.clients.create(clientRecord({ clientId: STRICT, metadata: { require_pushed_authorization_requests: true } }));
  await f.storage.clients.create(clientRecord({ clientId: 'cc-only', authMethods: ['client_secret_basic'], secretHash: hashSecret(SECRET), grantTypes: ['client_credentials'] }));
});
afterAll(() => f.close());

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** The authorization request parameters of a good push by `client_id` (overrides; null removes). */
function pushParams(overrides: Record<string, string | null> = {}): URLSearchParams {
  const all: Record<string, string | null> = {
    response_type: 'code',
    client_id: CONFIDENTIAL,
    redirect_uri: WEB_REDIRECT,
    scope: 'openid profile',
    state: 'st-par',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
  return new URLSearchParams(Object.entries(all).filter((e): e is [string, string] => e[1] !== null));
}

function push(body: URLSearchParams | string, headers: Record<string, string> = { authorization: basic(CONFIDENTIAL, SECRET) }): Promise<Response> {
  return fetch(`${f.base}/par`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: body.toString() });
}

/** A successful push; returns the request_uri. */
async function pushed(overrides: Record<string, string | null> = {}, headers?: Record<string, string>): Promise<string> {
  const response = await push(pushParams(overrides), headers);
  expect(response.status).toBe(201);
  return ((await response.json()) as { request_uri: string }).request_uri;
}

const authorize = (query: Record<string, string>) => fetch(`${f.base}/authorize?${new URLSearchParams(query)}`, { redirect: 'manual' });

/** A JSON error of the PAR endpoint: RFC 6749 §5.2 shape, never cached, never a redirect (RFC 9126 §2.3). */
async function expectJsonError(response: Response, status: number, error: string): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: string; error_description: string };
  expect(body.error).toBe(error);
  expect(body.error_description).toBeTruthy();
  return body.error_description;
}

async function expectErrorPage(response: Response, code: string): Promise<void> {
  expect(response.status).toBe(400);
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await response.text()).toContain(`<code>${code}</code>`);
}

function expectLogin(response: Response): void {
  expect(response.status).toBe(303);
  expect(response.headers.get('location')).toMatch(/^\/login\?i=[\w-]{22}$/);
}

describe('the PAR endpoint refuses (RFC 9126 §2)', () => {
  it('§2: a confidential client that does not authenticate is invalid_client, 401', async () => {
    await expectJsonError(await push(pushParams(), {}), 401, 'invalid_client');
  });

  it('§2: a wrong client secret is invalid_client, and nothing is pushed', async () => {
    await expectJsonError(await push(pushParams(), { authorization: basic(CONFIDENTIAL, 'wrong') }), 401, 'invalid_client');
  });

  it('§2: client_id in the body must name the authenticated client', async () => {
    await expectJsonError(await push(pushParams({ client_id: 'web-app' })), 400, 'invalid_request');
  });

  it('§2 private_key_jwt (RFC 7523): the push is authenticated by the assertion; a client_id naming another client is invalid_request', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    await f.storage.clients.create(clientRecord({ clientId: 'signer', authMethods: ['private_key_jwt'], jwks: { keys: [jwk] } }));
    const assertion = () => {
      const now = Math.floor(f.clock.now() / 1000);
      return new SignJWT({ iss: 'signer', sub: 'signer', aud: f.base, iat: now, exp: now + 60, jti: randomBytes(8).toString('hex') })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
    };
    const credentials = async () => ({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion() });
    await expectJsonError(await push(pushParams({ client_id: 'web-app', ...(await credentials()) }), {}), 400, 'invalid_request');
    expect((await push(pushParams({ client_id: 'signer', ...(await credentials()) }), {})).status).toBe(201);
  });

  it('§2.1: a redirect_uri the client has not registered is invalid_request as JSON, not a redirect', async () => {
    const description = await expectJsonError(await push(pushParams({ redirect_uri: 'https://evil.example/cb' })), 400, 'invalid_request');
    expect(description).toBe('redirect_uri is not registered for this client');
  });

  it('§2.1: "The request_uri authorization request parameter is one exception, and it MUST NOT be provided"', async () => {
    const description = await expectJsonError(await push(pushParams({ request_uri: 'urn:ietf:params:oauth:request_uri:abc' })), 400, 'invalid_request');
    expect(description).toContain('request_uri');
  });

  it('a request object is refused as at /authorize (request_not_supported)', async () => {
    await expectJsonError(await push(pushParams({ request: 'eyJhbGciOiJub25lIn0.e30.' })), 400, 'request_not_supported');
  });

  it('a body over the server\'s limit is 413 invalid_request', async () => {
    await expectJsonError(await push(pushParams({ state: 'x'.repeat(1024 * 1024) })), 413, 'invalid_request');
  });

  it('§2.1: the authorization request is validated as /authorize does: PKCE S256, response_type, scope, resource, prompt, max_age', async () => {
    await expectJsonError(await push(pushParams({ code_challenge: null })), 400, 'invalid_request');
    await expectJsonError(await push(pushParams({ code_challenge_method: 'plain' })), 400, 'invalid_request');
    await expectJsonError(await push(pushParams({ response_type: 'token' })), 400, 'unsupported_response_type');
    await expectJsonError(await push(pushParams({ scope: 'openid admin' })), 400, 'invalid_scope');
    await expectJsonError(await push(pushParams({ resource: 'https://other.example' })), 400, 'invalid_target');
    await expectJsonError(await push(pushParams({ prompt: 'none login' })), 400, 'invalid_request');
    await expectJsonError(await push(pushParams({ max_age: '-1' })), 400, 'invalid_request');
    await expectJsonError(await push(pushParams({ state: 's'.repeat(1025) })), 400, 'invalid_request');
  });

  it('RFC 6749 §3.1: a repeated parameter is invalid_request (resource may repeat, RFC 8707)', async () => {
    await expectJsonError(await push(`${pushParams()}&scope=openid`), 400, 'invalid_request');
    expect((await push(`${pushParams({ resource: 'https://api.example.com' })}&resource=https%3A%2F%2Fapi.example.com`)).status).toBe(201);
  });

  it('a client not registered for the authorization code grant is unauthorized_client', async () => {
    await expectJsonError(await push(pushParams({ client_id: 'cc-only' }), { authorization: basic('cc-only', SECRET) }), 400, 'unauthorized_client');
  });

  it('only POST: GET is 405 with Allow', async () => {
    const response = await fetch(`${f.base}/par?${pushParams()}`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('a storage outage is 503 temporarily_unavailable with Retry-After, at /par and at /authorize, never a 500', async () => {
    const slice = f.storage.pushedRequests as { create: unknown; get: unknown };
    const { create, get } = slice;
    const requestUri = await pushed();
    slice.create = slice.get = () => Promise.reject(new Error('connection reset'));
    try {
      const response = await push(pushParams());
      await expectJsonError(response, 503, 'temporarily_unavailable');
      expect(response.headers.get('retry-after')).toBe('5');
      expect((await authorize({ client_id: CONFIDENTIAL, request_uri: requestUri })).status).toBe(503);
    } finally {
      Object.assign(slice, { create, get });
    }
  });

  it('a body that is not a form is 415', async () => {
    const response = await fetch(`${f.base}/par`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(CONFIDENTIAL, SECRET) }, body: '{}' });
    await expectJsonError(response, 415, 'invalid_request');
  });
});

describe('the PAR endpoint answers (RFC 9126 §2.2)', () => {
  it('201 with a one-time request_uri (URN, 256 random bits) and expires_in 60, not cached', async () => {
    const response = await push(pushParams());
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { request_uri: string; expires_in: number };
    expect(body.request_uri).toMatch(URN);
    expect(body.expires_in).toBe(60);
    expect(Object.keys(body).sort()).toEqual(['expires_in', 'request_uri']);
  });

  it('stores only the hash of the request_uri\'s random part, and never the client\'s credentials', async () => {
    const requestUri = await pushed({ client_secret: SECRET }, {});
    const random = requestUri.split(':').at(-1)!;
    expect(await f.storage.pushedRequests.get(random)).toBeUndefined();
    const record = await f.storage.pushedRequests.get(hashSecret(random));
    expect(record).toMatchObject({ clientId: CONFIDENTIAL, consumedAt: null, expiresAt: new Date(f.clock.now() + 60_000) });
    expect(record!.params).not.toHaveProperty('client_secret');
    expect(JSON.stringify(record)).not.toContain(SECRET);
    expect(JSON.stringify(record)).not.toContain(random);
  });

  it('§2: a public client (none) may push; client_id is then its only identification', async () => {
    expect(await pushed({ client_id: 'web-app' }, {})).toMatch(URN);
  });

  it('§2.1: with client_secret_basic the body may leave out client_id; the authenticated client is used', async () => {
    const requestUri = await pushed({ client_id: null });
    expectLogin(await authorize({ client_id: CONFIDENTIAL, request_uri: requestUri }));
  });
});

describe('/authorize with a pushed request (RFC 9126 §4)', () => {
  it('another client cannot use the request_uri: invalid_request_uri error page, and the owner still can', async () => {
    const requestUri = await pushed();
    await expectErrorPage(await authorize({ client_id: 'web-app', request_uri: requestUri }), 'invalid_request_uri');
    expectLogin(await authorize({ client_id: CONFIDENTIAL, request_uri: requestUri }));
  });

  it('§7.3 one-time use: the second authorization request with the same request_uri is refused', async () => {
    const requestUri = await pushed();
    expectLogin(await authorize({ client_id: CONFIDENTIAL, request_uri: requestUri }));
    await expectErrorPage(await authorize({ client_id: CONFIDENTIAL, request_uri: requestUri }), 'invalid_request_uri');
  });

  it('§7.3: of two concurrent authorization requests with one request_uri exactly one proceeds', async () => {
    const requestUri = await pushed();
    const answers = await Promise.all([1, 2].map(() => authorize({ client_id: CONFIDENTIAL, request_uri: requestUri })));
    const toLogin = answers.filter((r) => r.status === 303 && r.headers.get('location')!.startsWith('/login'));
    expect(toLogin).toHaveLength(1);
    const refused = answers.find((r) => r !== toLogin[0])!;
    const location = refused.headers.get('location');
    // Lost at the load (error page) or at the consume (the pushed redirect URI is trusted by then).
    if (location === null) await expectErrorPage(refused, 'invalid_request_uri');
    else expect(new URL(location).searchParams.get('error')).toBe('invalid_request_uri');
  });

  it('§2.2 expires_in: usable at 59 s, invalid_request_uri at 60 s (frozen clock)', async () => {
    const early = await pushed();
    const late = await pushed();
    f.clock.advance(59);
    expectLogin(await authorize({ client_id: CONFIDENTIAL, request_uri: early }));
    f.clock.advance(1);
    await expectErrorPage(await authorize({ client_id: CONFIDENTIAL, request_uri: late }), 'invalid_request_uri');
  });

  it('an unknown or malformed request_uri, or a repeated one, is refused before any redirect', async () => {
    const random = randomBytes(32).toString('base64url');
    await expectErrorPage(await authorize({ client_id: CONFIDENTIAL, request_uri: `urn:ietf:params:oauth:request_uri:${random}` }), 'invalid_request_uri');
    await expectErrorPage(await authorize({ client_id: CONFIDENTIAL, request_uri: `urn:ietf:params:oauth:request_uri:${random}x` }), 'invalid_request_uri');
    const requestUri = await pushed();
    const repeated = await fetch(`${f.base}/authorize?client_id=${CONFIDENTIAL}&request_uri=${encodeURIComponent(requestUri)}&request_uri=${encodeURIComponent(requestUri)}`, { redirect: 'manual' });
    await expectErrorPage(repeated, 'invalid_request');
  });

  it('client_id is required next to request_uri', async () => {
    await expectErrorPage(await authorize({ request_uri: await pushed() }), 'invalid_request');
  });

  it('§4: only the pushed parameters are used; those sent in the front channel are ignored', async () => {
    // Pushed: prompt=none (no session, so login_required) to the web redirect URI with state st-par.
    const requestUri = await pushed({ prompt: 'none' });
    const response = await authorize({
      client_id: CONFIDENTIAL, request_uri: requestUri, redirect_uri: LOOPBACK_REDIRECT, state: 'front', prompt: 'login', scope: 'write', response_type: 'token',
    });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(WEB_REDIRECT);
    expect(location.searchParams.get('error')).toBe('login_required');
    expect(location.searchParams.get('state')).toBe('st-par');
    expect(location.searchParams.get('iss')).toBe(f.base);
  });

  it('a POST to /authorize with request_uri works like a GET', async () => {
    const requestUri = await pushed();
    const response = await fetch(`${f.base}/authorize`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CONFIDENTIAL, request_uri: requestUri }).toString(),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/authorize\/resume\?i=/);
  });
});

describe('DPoP at the PAR endpoint (RFC 9449 §10.1)', () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jkt = dpopKeyThumbprint(key.privateKey);
  const proof = (htu = `${f.base}/par`) => createDpopProof(key.privateKey, { htm: 'POST', htu, iat: Math.floor(f.clock.now() / 1000) });
  const stored = async (requestUri: string) => {
    const record = await f.storage.pushedRequests.get(hashSecret(requestUri.split(':').at(-1)!));
    return RawParams.fromRecord(record!.params);
  };

  it('"If both mechanisms are used … MUST reject the request if the JWK Thumbprint in dpop_jkt does not match"', async () => {
    const other = dpopKeyThumbprint(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const response = await push(pushParams({ dpop_jkt: other }), { authorization: basic(CONFIDENTIAL, SECRET), dpop: proof() });
    await expectJsonError(response, 400, 'invalid_dpop_proof');
  });

  it('a proof for another URL (htu of /token) or a replayed proof is invalid_dpop_proof', async () => {
    await expectJsonError(await push(pushParams(), { authorization: basic(CONFIDENTIAL, SECRET), dpop: proof(`${f.base}/token`) }), 400, 'invalid_dpop_proof');
    const once = proof();
    expect((await push(pushParams(), { authorization: basic(CONFIDENTIAL, SECRET), dpop: once })).status).toBe(201);
    await expectJsonError(await push(pushParams(), { authorization: basic(CONFIDENTIAL, SECRET), dpop: once }), 400, 'invalid_dpop_proof');
  });

  it('a valid proof binds the pushed request to its key as dpop_jkt; a matching dpop_jkt is accepted', async () => {
    const bound = await pushed({}, { authorization: basic(CONFIDENTIAL, SECRET), dpop: proof() });
    expect((await stored(bound)).get('dpop_jkt')).toBe(jkt);
    const both = await pushed({ dpop_jkt: jkt }, { authorization: basic(CONFIDENTIAL, SECRET), dpop: proof() });
    expect((await stored(both)).get('dpop_jkt')).toBe(jkt);
    const none = await pushed();
    expect((await stored(none)).get('dpop_jkt')).toBeUndefined();
  });
});

describe('requiring pushed requests (RFC 9126 §5, §6)', () => {
  it('§6 require_pushed_authorization_requests on the client: a front-channel request is refused with invalid_request', async () => {
    const response = await fetch(f.authorizeUrl({ client_id: STRICT }), { redirect: 'manual' });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toContain('push');
  });

  it('§6: the same client gets through with a pushed request', async () => {
    expectLogin(await authorize({ client_id: STRICT, request_uri: await pushed({ client_id: STRICT }, {}) }));
  });

  it('§6: the admin service stores the flag as client metadata and refuses a non-boolean', async () => {
    const client = await f.tessera.admin.createClientWithoutSecret({
      name: 'par app', authMethod: 'none', grantTypes: ['authorization_code'], scopes: ['openid'], redirectUris: [WEB_REDIRECT],
      metadata: { require_pushed_authorization_requests: true },
    });
    expect(client.metadata.require_pushed_authorization_requests).toBe(true);
    await expect(f.tessera.admin.createClientWithoutSecret({
      name: 'bad', authMethod: 'none', grantTypes: ['authorization_code'], scopes: ['openid'], redirectUris: [WEB_REDIRECT],
      metadata: { require_pushed_authorization_requests: 'yes' as unknown as boolean },
    })).rejects.toThrow();
  });

  it('§5: discovery names the PAR endpoint in both documents, and says pushing is optional by default', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const metadata = (await (await fetch(`${f.base}${path}`)).json()) as Record<string, unknown>;
      expect(metadata.pushed_authorization_request_endpoint).toBe(`${f.base}/par`);
      expect(metadata.require_pushed_authorization_requests).toBe(false);
    }
  });
});

describe('server-wide par.require (RFC 9126 §5)', () => {
  let strict: AuthorizeFixture;
  beforeAll(async () => {
    strict = await authorizeFixture({ par: { require: true, requestUriTtl: '90s' } });
  });
  afterAll(() => strict.close());

  it('§5: every front-channel authorization request is refused; a pushed one (expires_in from config) passes; discovery says so', async () => {
    const refused = await fetch(strict.authorizeUrl(), { redirect: 'manual' });
    expect(new URL(refused.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    const response = await fetch(`${strict.base}/par`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: pushParams({ client_id: 'web-app' }).toString(),
    });
    const body = (await response.json()) as { request_uri: string; expires_in: number };
    expect(body.expires_in).toBe(90);
    expectLogin(await fetch(`${strict.base}/authorize?${new URLSearchParams({ client_id: 'web-app', request_uri: body.request_uri })}`, { redirect: 'manual' }));
    const metadata = (await (await fetch(`${strict.base}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata.require_pushed_authorization_requests).toBe(true);
  });
});
