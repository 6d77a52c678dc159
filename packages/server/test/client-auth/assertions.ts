import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { Fixture } from '../helpers.js';
import { FORM, form, ISSUER, JWT_API } from '../helpers.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A client key pair: the private key signs assertions, the public JWK is registered. */
export interface TestKey {
  alg: 'ES256' | 'EdDSA' | 'RS256';
  kid: string | undefined;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function testKey(alg: TestKey['alg'], kid: string | undefined = `${alg}-1`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'RS256' ? { modulusLength: 2048 } : {});
  const publicJwk = await exportJWK(publicKey);
  if (kid !== undefined) publicJwk.kid = kid;
  return { alg, kid, privateKey, publicJwk };
}

/** Register a `private_key_jwt` client for client_credentials on the JWT API. */
export async function registerKeyClient(f: Fixture, keys: TestKey[]): Promise<string> {
  const client = await f.tessera.admin.createClientWithoutSecret({
    name: 'signer',
    authMethod: 'private_key_jwt',
    jwks: { keys: keys.map((k) => ({ ...k.publicJwk })) },
    grantTypes: ['client_credentials'],
    scopes: ['read'],
    resources: [JWT_API],
  });
  return client.clientId;
}

export interface AssertionOptions {
  /** Claims to set (or, with `undefined`, remove) over the valid defaults. */
  claims?: Record<string, unknown>;
  /** `typ` header; `null` leaves it out (the default). */
  typ?: string | null;
  /** `kid` header; `null` leaves it out; default the key's kid. */
  kid?: string | null;
}

/**
 * A client assertion that is valid unless told otherwise (RFC 7523 §3): iss = sub = client_id,
 * aud = our issuer, iat = now, exp = now + 60 s, a fresh jti.
 */
export async function signAssertion(f: Fixture, clientId: string, key: TestKey, options: AssertionOptions = {}): Promise<string> {
  const now = Math.floor(f.clock.now() / 1000);
  const claims: Record<string, unknown> = { iss: clientId, sub: clientId, aud: ISSUER, iat: now, exp: now + 60, jti: randomUUID() };
  for (const [name, value] of Object.entries(options.claims ?? {})) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  const header: Record<string, unknown> = { alg: key.alg };
  const kid = options.kid === undefined ? key.kid : options.kid;
  if (kid !== null && kid !== undefined) header.kid = kid;
  if (options.typ !== undefined && options.typ !== null) header.typ = options.typ;
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}

/** POST a form to an endpoint; `grant_type=client_credentials` is added for /token unless given. */
export function post(f: Fixture, url: string, params: Record<string, string>, headers: Record<string, string> = {}) {
  const body = url === '/token' ? { grant_type: 'client_credentials', ...params } : params;
  return f.tessera.app.inject({ method: 'POST', url, headers: { 'content-type': FORM, ...headers }, payload: form(body) });
}

/** POST with a client assertion (RFC 7523 §2.2). */
export function withAssertion(f: Fixture, url: string, assertion: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) {
  return post(f, url, { client_assertion_type: JWT_BEARER, client_assertion: assertion, ...extra }, headers);
}
