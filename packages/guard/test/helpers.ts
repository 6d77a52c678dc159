import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { exportJWK, SignJWT, type JWK } from 'jose';
import type { FetchLike } from '../src/http.js';
import { GuardError, type Guard, type RequestLike } from '../src/index.js';

export const ISSUER = 'https://as.example.com';
export const AUDIENCE = 'https://api.example.com';
/** Frozen clock: 2027-01-15T08:00:00Z, in milliseconds. */
export const NOW = 1_800_000_000_000;
export const NOW_S = NOW / 1000;

export interface TestKey {
  kid: string;
  alg: 'ES256' | 'EdDSA' | 'RS256';
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JWK;
}

export async function makeKey(kid: string, alg: TestKey['alg'], withAlg = true): Promise<TestKey> {
  const pair = alg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, use: 'sig', ...(withAlg ? { alg } : {}) };
  return { kid, alg, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
}

/** RFC 9068 §2.2 claims of a valid access token for this API. */
export function accessClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER, aud: AUDIENCE, sub: 'user-1', client_id: 'client-1', jti: 'jti-1',
    iat: NOW_S - 10, exp: NOW_S + 300, scope: 'reports:read profile', ...extra,
  };
}

/** A real token, made with jose's SignJWT. */
export async function signToken(key: TestKey, claims = accessClaims(), header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header }).sign(key.privateKey);
}

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * Forgeries jose refuses to produce (alg none, crit, duplicate members…): raw header/payload text,
 * signed with the given key (or a given signature).
 */
export function forge(
  headerText: string,
  payloadText: string | Buffer,
  signWith?: { key: KeyObject; alg: 'ES256' | 'EdDSA' | 'RS256' | 'HS256' ; secret?: Buffer; der?: boolean },
): string {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  if (signWith === undefined) return `${input}.`;
  let signature: Buffer;
  if (signWith.alg === 'HS256') signature = createHmac('sha256', signWith.secret!).update(input).digest();
  else if (signWith.alg === 'EdDSA') signature = sign(null, Buffer.from(input), signWith.key);
  else if (signWith.alg === 'ES256') {
    signature = sign('sha256', Buffer.from(input), { key: signWith.key, dsaEncoding: signWith.der ? 'der' : 'ieee-p1363' });
  } else signature = sign('sha256', Buffer.from(input), signWith.key);
  return `${input}.${b64(signature)}`;
}

export const header = (extra: Record<string, unknown> = {}, key?: TestKey) =>
  JSON.stringify({ alg: key?.alg ?? 'ES256', kid: key?.kid ?? 'k1', typ: 'at+jwt', ...extra });

/** A fake authorization server behind an injected fetch: metadata, JWKS, introspection; counts calls. */
export class FakeAs {
  jwks: { keys: JWK[] } = { keys: [] };
  jwksCacheControl: string | undefined = 'max-age=300';
  jwksStatus = 200;
  metadataIssuer = ISSUER;
  calls = { metadata: 0, jwks: 0, introspection: 0 };
  introspectionRequests: { authorization: string | undefined; body: string }[] = [];
  introspect: (token: string) => { status?: number; body: unknown } = () => ({ body: { active: false } });
  /** Delay (ms) before answering JWKS/introspection, for concurrency tests. */
  delayMs = 0;
  down = false;

  constructor(keys: TestKey[] = []) {
    this.jwks = { keys: keys.map((k) => k.jwk) };
  }

  readonly fetch: FetchLike = async (url, init) => {
    if (this.down) throw new TypeError('fetch failed');
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (url === `${ISSUER}/.well-known/oauth-authorization-server`) {
      this.calls.metadata++;
      return reply(200, {
        issuer: this.metadataIssuer, jwks_uri: `${ISSUER}/jwks`, introspection_endpoint: `${ISSUER}/introspect`,
      });
    }
    if (url === `${ISSUER}/jwks`) {
      this.calls.jwks++;
      return reply(this.jwksStatus, this.jwks, this.jwksCacheControl);
    }
    if (url === `${ISSUER}/introspect` && init?.method === 'POST') {
      this.calls.introspection++;
      this.introspectionRequests.push({ authorization: init.headers?.authorization, body: init.body ?? '' });
      const token = new URLSearchParams(init.body).get('token') ?? '';
      const answer = this.introspect(token);
      return reply(answer.status ?? 200, answer.body);
    }
    return reply(404, { error: 'not_found' });
  };
}

function reply(status: number, body: unknown, cacheControl?: string) {
  const text = JSON.stringify(body);
  const headers = new Map<string, string>([['content-type', 'application/json']]);
  if (cacheControl !== undefined) headers.set('cache-control', cacheControl);
  return { status, headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null }, text: async () => text };
}

/** A mutable frozen clock. */
export function clock(start = NOW) {
  const c = { ms: start, now: () => c.ms };
  return c;
}

export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` }, method: 'GET', url: '/v1/reports' });

/** The GuardError `guard.check(request)` refuses with; fails the test when the request is accepted. */
export async function refusalOf(guard: Guard, request: RequestLike): Promise<GuardError> {
  try {
    await guard.check(request);
  } catch (error) {
    if (error instanceof GuardError) return error;
    throw error;
  }
  throw new Error('request was accepted');
}
