import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ISSUER, setup, type Fixture } from '../helpers.js';
import { JWT_BEARER, registerKeyClient, signAssertion, testKey, withAssertion, post, type TestKey } from './assertions.js';

let f: Fixture;
let es: TestKey;
let clientId: string;

beforeAll(async () => {
  f = await setup({ logLevel: 'debug' });
  es = await testKey('ES256');
  clientId = await registerKeyClient(f, [es]);
});
afterAll(() => f.close());

/** The operator-only reason of the most recent refusal (logged at debug as `detail`). */
function lastDetail(): string {
  const details = [...f.logs.text().matchAll(/"detail":"((?:[^"\\]|\\.)*)"/g)];
  return JSON.parse(`"${details.at(-1)?.[1] ?? ''}"`) as string;
}

/**
 * Every failed client authentication looks the same on the wire (RFC 6749 §5.2; RFC 7521 §4.2.1);
 * `because` checks, in the operator log, that the intended check is the one that refused.
 */
function expectInvalidClient(res: Awaited<ReturnType<typeof post>>, because: string) {
  expect(res.statusCode).toBe(401);
  expect(res.json()).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  expect(res.headers['www-authenticate']).toBe('Basic realm="tessera"');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(lastDetail()).toContain(because);
}

const refused = async (claims: Record<string, unknown>, options: Parameters<typeof signAssertion>[3] = {}) =>
  withAssertion(f, '/token', await signAssertion(f, clientId, es, { ...options, claims }));

describe('private_key_jwt: a valid assertion (RFC 7523 §2.2, §3)', () => {
  it('authenticates the client and issues a token', async () => {
    const res = await withAssertion(f, '/token', await signAssertion(f, clientId, es));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ token_type: 'Bearer', scope: 'read' });
  });

  it('accepts typ absent, "JWT" and "client-authentication+jwt" (rfc7523bis §4)', async () => {
    for (const typ of [null, 'JWT', 'client-authentication+jwt', 'application/client-authentication+jwt']) {
      const res = await withAssertion(f, '/token', await signAssertion(f, clientId, es, { typ }));
      expect(res.statusCode, String(typ)).toBe(200);
    }
  });

  it('accepts aud as a one-element array holding the issuer', async () => {
    expect((await refused({ aud: [ISSUER] })).statusCode).toBe(200);
  });

  it('accepts a matching client_id in the body (RFC 7521 §4.2)', async () => {
    const res = await withAssertion(f, '/token', await signAssertion(f, clientId, es), { client_id: clientId });
    expect(res.statusCode).toBe(200);
  });

  it('verifies EdDSA and RS256 keys too, and a key without kid when it is the only one of its alg', async () => {
    for (const key of [await testKey('EdDSA'), await testKey('RS256', undefined)]) {
      const id = await registerKeyClient(f, [key]);
      const res = await withAssertion(f, '/token', await signAssertion(f, id, key));
      expect(res.statusCode, key.alg).toBe(200);
    }
  });

  it('picks the key named by kid among several (RFC 7515 §4.1.4)', async () => {
    const [a, b] = [await testKey('ES256', 'a'), await testKey('ES256', 'b')];
    const id = await registerKeyClient(f, [a, b]);
    expect((await withAssertion(f, '/token', await signAssertion(f, id, b))).statusCode).toBe(200);
    // Without a kid, two ES256 keys are ambiguous: refused rather than tried in turn.
    expectInvalidClient(await withAssertion(f, '/token', await signAssertion(f, id, b, { kid: null })), 'unknown_kid');
  });

  it('authenticates at /introspect and /revoke as well', async () => {
    expect((await withAssertion(f, '/introspect', await signAssertion(f, clientId, es), { token: 'x' })).json()).toEqual({ active: false });
    expect((await withAssertion(f, '/revoke', await signAssertion(f, clientId, es), { token: 'x' })).statusCode).toBe(200);
  });
});

describe('private_key_jwt: refused assertions answer 401 invalid_client', () => {
  it('refuses a replayed jti: "The JWT MAY contain a jti … the authorization server MAY ensure that JWTs are not replayed" (RFC 7523 §3; OIDC Core §9 makes jti REQUIRED)', async () => {
    const assertion = await signAssertion(f, clientId, es);
    expect((await withAssertion(f, '/token', assertion)).statusCode).toBe(200);
    expectInvalidClient(await withAssertion(f, '/token', assertion), 'already used');
    // One namespace for every endpoint: the same assertion cannot be reused at /introspect either.
    expectInvalidClient(await withAssertion(f, '/introspect', assertion, { token: 'x' }), 'already used');
  });

  it('refuses a reused jti in a freshly signed assertion of the same client', async () => {
    const jti = 'fixed-jti';
    expect((await refused({ jti })).statusCode).toBe(200);
    expectInvalidClient(await refused({ jti }), 'already used');
  });

  it('refuses an aud naming the token endpoint of another server (RFC 7523 §3 item 3; checklist C-59)', async () => {
    expectInvalidClient(await refused({ aud: 'https://evil.example/token' }), '"aud" is not');
    expectInvalidClient(await refused({ aud: 'https://other-as.example' }), '"aud" is not');
  });

  it('refuses an aud array that also names another server (audience injection, CVE-2025-27370)', async () => {
    expectInvalidClient(await refused({ aud: [ISSUER, 'https://evil.example'] }), '"aud" is not');
  });

  it('refuses our own token endpoint URL as aud: only the issuer identifier is accepted (rfc7523bis)', async () => {
    expectInvalidClient(await refused({ aud: `${ISSUER}/token` }), '"aud" is not');
  });

  it('refuses a missing aud', async () => {
    expectInvalidClient(await refused({ aud: undefined }), '"aud" claim is missing');
  });

  it('refuses iss ≠ sub: "iss … MUST … be the client_id" and "sub … MUST be the client_id" (RFC 7523 §3 items 1, 2.B)', async () => {
    expectInvalidClient(await refused({ iss: 'someone-else' }), 'wrong_issuer');
    expectInvalidClient(await refused({ iss: undefined }), 'wrong_issuer');
  });

  it('refuses an expired assertion: "MUST reject any JWT with an expiration time that has passed" (RFC 7523 §3 item 4)', async () => {
    const now = Math.floor(f.clock.now() / 1000);
    expectInvalidClient(await refused({ iat: now - 120, exp: now - 11 }), 'expired');
  });

  it('refuses an exp more than 5 minutes ahead (short-lived assertions; replay markers stay bounded)', async () => {
    const now = Math.floor(f.clock.now() / 1000);
    expect((await refused({ exp: now + 300 })).statusCode).toBe(200);
    expectInvalidClient(await refused({ exp: now + 311 }), '"exp" is more than 300s ahead');
    expectInvalidClient(await refused({ exp: now + 86_400 * 365 }), '"exp" is more than 300s ahead');
  });

  it('refuses a missing exp: "The JWT MUST contain an exp" (RFC 7523 §3 item 4)', async () => {
    expectInvalidClient(await refused({ exp: undefined }), '"exp" claim is missing');
  });

  it('refuses nbf or iat in the future beyond the 10 s skew (RFC 7523 §3 items 5, 6)', async () => {
    const now = Math.floor(f.clock.now() / 1000);
    expectInvalidClient(await refused({ nbf: now + 30 }), 'not_yet_valid');
    expectInvalidClient(await refused({ iat: now + 30 }), 'issued_in_future');
    expect((await refused({ iat: now + 5 })).statusCode).toBe(200);
  });

  it('refuses a missing jti: OIDC Core §9 makes jti REQUIRED', async () => {
    expectInvalidClient(await refused({ jti: undefined }), '"jti" claim is missing');
    expectInvalidClient(await refused({ jti: 42 }), '"jti" must be a non-empty string');
    expectInvalidClient(await refused({ jti: '' }), '"jti" must be a non-empty string');
    expectInvalidClient(await refused({ jti: 'x'.repeat(257) }), '"jti" is empty or too long');
  });

  it('refuses an assertion signed by a key that is not registered (same kid)', async () => {
    const impostor = await testKey('ES256', es.kid);
    expectInvalidClient(await withAssertion(f, '/token', await signAssertion(f, clientId, impostor)), 'bad_signature');
  });

  it('refuses a key embedded in the header (jwk, jku, x5c): keys come only from registration (RFC 8725 §3.10)', async () => {
    const attacker = await testKey('ES256', es.kid);
    const now = Math.floor(f.clock.now() / 1000);
    const claims = { iss: clientId, sub: clientId, aud: ISSUER, iat: now, exp: now + 60, jti: 'embedded-1' };
    for (const extra of [{ jwk: attacker.publicJwk }, { jku: 'https://evil.example/jwks' }, { x5c: ['AAAA'] }]) {
      const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: es.kid!, ...extra }).sign(attacker.privateKey);
      expectInvalidClient(await withAssertion(f, '/token', forged), 'forbidden_header');
    }
  });

  it('refuses an unknown kid', async () => {
    expectInvalidClient(await refused({}, { kid: 'nope' }), 'unknown_kid');
  });

  it('refuses alg "none" (RFC 8725 §3.1)', async () => {
    const now = Math.floor(f.clock.now() / 1000);
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = { iss: clientId, sub: clientId, aud: ISSUER, exp: now + 60, jti: 'none-1' };
    // The unsecured form has an empty signature; with a signature attached it reaches the alg check.
    expectInvalidClient(await withAssertion(f, '/token', `${enc({ alg: 'none' })}.${enc(claims)}.`), 'not a JWT');
    expectInvalidClient(await withAssertion(f, '/token', `${enc({ alg: 'none', kid: es.kid })}.${enc(claims)}.${'A'.repeat(86)}`), 'alg_not_allowed');
    expectInvalidClient(await withAssertion(f, '/token', `${enc({ alg: 'NONE', kid: es.kid })}.${enc(claims)}.${'A'.repeat(86)}`), 'alg_not_allowed');
  });

  it('refuses HS256 keyed with the bytes of the registered public JWK (algorithm confusion, RFC 8725 §2.1)', async () => {
    const now = Math.floor(f.clock.now() / 1000);
    const claims = { iss: clientId, sub: clientId, aud: ISSUER, iat: now, exp: now + 60, jti: 'hs-1' };
    for (const secret of [JSON.stringify(es.publicJwk), Buffer.from(es.publicJwk.x!, 'base64url').toString('latin1')]) {
      const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: es.kid! }).sign(new TextEncoder().encode(secret));
      expectInvalidClient(await withAssertion(f, '/token', forged), 'alg_not_allowed');
    }
  });

  it('refuses typ at+jwt, dpop+jwt and secevent+jwt as assertions (mutually exclusive JWT kinds, RFC 8725 §3.12; C-42)', async () => {
    for (const typ of ['at+jwt', 'application/at+jwt', 'dpop+jwt', 'secevent+jwt', 'logout+jwt']) {
      expectInvalidClient(await refused({}, { typ }), 'wrong_typ');
    }
  });

  it('refuses our own access token presented as an assertion', async () => {
    const issued = await withAssertion(f, '/token', await signAssertion(f, clientId, es));
    expectInvalidClient(await withAssertion(f, '/token', issued.json().access_token), 'wrong_typ');
  });

  it('refuses garbage in client_assertion without a 500', async () => {
    for (const junk of ['abc', 'a.b.c', '..', `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.e30.`, 'x'.repeat(20_000)]) {
      expectInvalidClient(await withAssertion(f, '/token', junk), 'not a JWT');
    }
    const noSub = await signAssertion(f, clientId, es, { claims: { sub: undefined } });
    expectInvalidClient(await withAssertion(f, '/token', noSub), 'no "sub"');
  });

  it('refuses an unknown client_assertion_type: an unsupported authentication method is invalid_client (RFC 6749 §5.2)', async () => {
    const assertion = await signAssertion(f, clientId, es);
    const res = await post(f, '/token', { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer', client_assertion: assertion });
    expectInvalidClient(res, 'unsupported client_assertion_type');
  });

  it('refuses private_key_jwt from a client registered for client secrets', async () => {
    expectInvalidClient(await withAssertion(f, '/token', await signAssertion(f, f.client.id, es)), 'client may not use private_key_jwt');
  });

  it('logs which check failed for the operator, while the wire says nothing more', async () => {
    const assertion = await signAssertion(f, clientId, es, { claims: { aud: 'https://evil.example/token' } });
    expectInvalidClient(await withAssertion(f, '/token', assertion), '"aud" is not');
    expect(f.logs.text()).toContain('client assertion \\"aud\\" is not (only) our issuer identifier');
    expect(f.logs.text()).not.toContain(assertion);
  });

  it('answers 503 temporarily_unavailable with Retry-After when the replay store fails', async () => {
    const use = vi.spyOn(f.storage.replay, 'use').mockRejectedValueOnce(new Error('db down'));
    try {
      const res = await withAssertion(f, '/token', await signAssertion(f, clientId, es));
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toBe('temporarily_unavailable');
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      use.mockRestore();
    }
  });
});

describe('private_key_jwt: malformed requests answer 400 invalid_request', () => {
  it('refuses an assertion together with HTTP Basic: "MUST NOT use more than one authentication method" (RFC 6749 §2.3; C-51)', async () => {
    const res = await withAssertion(f, '/token', await signAssertion(f, clientId, es), {}, { authorization: f.basic(f.client.id, f.client.secret) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });

  it('refuses an assertion together with client_secret', async () => {
    const res = await withAssertion(f, '/token', await signAssertion(f, clientId, es), { client_id: clientId, client_secret: 'x' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });

  it('refuses client_assertion without client_assertion_type and vice versa (RFC 7521 §4.2)', async () => {
    const assertion = await signAssertion(f, clientId, es);
    expect((await post(f, '/token', { client_assertion: assertion })).json().error).toBe('invalid_request');
    expect((await post(f, '/token', { client_assertion_type: JWT_BEARER })).json().error).toBe('invalid_request');
  });

  it('refuses a body client_id that differs from the assertion subject: it "MUST identify the same client" (RFC 7521 §4.2)', async () => {
    const res = await withAssertion(f, '/token', await signAssertion(f, clientId, es), { client_id: f.client.id });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });

  it('refuses an assertion in the query string (RFC 6749 §2.3.1; C-51)', async () => {
    const assertion = await signAssertion(f, clientId, es);
    const res = await f.tessera.app.inject({
      method: 'POST',
      url: `/token?client_assertion=${assertion}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&client_assertion_type=${encodeURIComponent(JWT_BEARER)}&client_assertion=${assertion}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });
});
