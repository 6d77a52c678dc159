import { createHash } from 'node:crypto';
import type { ClientRecord, ReplayStore } from '@tessera/store';
import { decodeJwtUnverified, isTokenError, validateClaims, verifyJwt, type JwtPayload } from '@tessera/token';
import { invalidRequest, temporarilyUnavailable } from '../errors.js';
import { authenticationFailed } from './challenge.js';
import { clientKeys, selectKey } from './client-jwks.js';
import type { ClientAuthenticator, PresentedCredentials } from './types.js';

/** The only `client_assertion_type` we accept (RFC 7523 §2.2). */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The explicit type rfc7523bis (§4, work in progress) gives client assertions. */
const CLIENT_AUTH_TYP = 'client-authentication+jwt';

/** Options of {@link privateKeyJwt}. */
export interface PrivateKeyJwtOptions {
  /** Our issuer identifier: the only audience accepted (see {@link privateKeyJwt}). */
  issuer: string;
  /** Single-use `jti` markers. */
  replay: Pick<ReplayStore, 'use'>;
  /** Clock, epoch ms. */
  now: () => number;
  /** Refuse assertions whose `exp` is further ahead than this, seconds; default 300. */
  maxLifetime?: number;
  /** Clock skew allowed on `exp`, `nbf`, `iat`, seconds; default 10 (FAPI 2.0 SP §5.3.2.1 accepts 10 s ahead). */
  clockTolerance?: number;
}

/** Longest `jti` accepted; it is hashed before it reaches storage anyway. */
const MAX_JTI_LENGTH = 256;

/**
 * `private_key_jwt` (RFC 7523 §2.2, §3; OpenID Connect Core §9): the client proves possession of a
 * registered private key by signing a short-lived JWT. Checks, in order:
 * 1. `client_assertion_type` is jwt-bearer, with a `client_assertion` (read);
 * 2. the client is found by the assertion's `sub`; a `client_id` in the body must match it (RFC 7521 §4.2);
 * 3. signature by one of the client's registered keys, each pinned to its algorithm; `alg` never `none`
 *    or HMAC; `typ` absent, `JWT` or `client-authentication+jwt` — never `at+jwt`, `dpop+jwt` or any
 *    other kind (RFC 8725 §3.12, checklist C-42);
 * 4. `iss` = `sub` = client_id (RFC 7523 §3 items 1, 2.B);
 * 5. `aud` is our issuer identifier, alone (a string or a one-element array). The token endpoint URL is
 *    refused on purpose: an assertion addressed to an endpoint URL is what the audience-injection attack
 *    (CVE-2025-27370/27371) replays from another server, and rfc7523bis makes the issuer the audience.
 *    An array naming any other server is refused too (checklist C-59);
 * 6. `exp` required and at most `maxLifetime` ahead; `nbf`/`iat` not in the future (RFC 7523 §3 items 4–6);
 * 7. `jti` required (OpenID Connect Core §9) and single-use until `exp` (RFC 7523 §3 item 7).
 * Every failure is the same 401 `invalid_client` (RFC 7521 §4.2.1); the reason is logged as `detail`.
 */
export function privateKeyJwt(options: PrivateKeyJwtOptions): ClientAuthenticator {
  const { issuer, replay, now } = options;
  const maxLifetime = options.maxLifetime ?? 300;
  const tolerance = options.clockTolerance ?? 10;
  const acceptTyp = (typ: string | undefined) => typ === undefined || typ === 'jwt';

  function claims(client: ClientRecord, assertion: string): JwtPayload {
    const keys = clientKeys(client);
    if (keys.length === 0) throw authenticationFailed('client has no usable registered key');
    let payload: JwtPayload;
    try {
      payload = verifyJwt(assertion, { typ: CLIENT_AUTH_TYP, acceptTyp, getKey: (kid, alg) => selectKey(keys, kid, alg) }).payload;
      validateClaims(payload, { issuer: client.clientId, now: Math.floor(now() / 1000), clockTolerance: tolerance, required: ['sub', 'aud', 'jti'] });
    } catch (error) {
      if (isTokenError(error)) throw authenticationFailed(`client assertion refused: ${error.code}: ${error.message}`);
      throw error;
    }
    if (payload.sub !== client.clientId) throw authenticationFailed('client assertion "sub" is not the client_id');
    const aud = payload.aud;
    if (!(aud === issuer || (Array.isArray(aud) && aud.length === 1 && aud[0] === issuer))) {
      throw authenticationFailed('client assertion "aud" is not (only) our issuer identifier');
    }
    if (payload.exp! > now() / 1000 + maxLifetime + tolerance) {
      throw authenticationFailed(`client assertion "exp" is more than ${maxLifetime}s ahead`);
    }
    if (payload.jti!.length === 0 || payload.jti!.length > MAX_JTI_LENGTH) throw authenticationFailed('client assertion "jti" is empty or too long');
    return payload;
  }

  return {
    method: 'private_key_jwt',
    read({ params }) {
      const type = params.get('client_assertion_type');
      const assertion = params.get('client_assertion');
      if (type === undefined && assertion === undefined) return undefined;
      if (type === undefined) throw invalidRequest('client_assertion requires client_assertion_type (RFC 7521 §4.2)');
      if (assertion === undefined) throw invalidRequest('client_assertion_type requires client_assertion (RFC 7521 §4.2)');
      // An assertion type we do not support is an "unsupported authentication method" (RFC 6749 §5.2).
      if (type !== JWT_BEARER_ASSERTION) throw authenticationFailed('unsupported client_assertion_type');
      let sub: unknown;
      try {
        sub = decodeJwtUnverified(assertion).payload.sub;
      } catch {
        throw authenticationFailed('client assertion is not a JWT');
      }
      if (typeof sub !== 'string' || sub === '') throw authenticationFailed('client assertion has no "sub"');
      const bodyClientId = params.get('client_id');
      if (bodyClientId !== undefined && bodyClientId !== sub) {
        throw invalidRequest('client_id does not match the client assertion (RFC 7521 §4.2)');
      }
      return { method: 'private_key_jwt', clientId: sub, proof: assertion, viaHeader: false };
    },
    async verify(client, presented: PresentedCredentials) {
      const payload = claims(client, presented.proof);
      const jtiHash = createHash('sha256').update(payload.jti!, 'utf8').digest('base64url');
      const until = new Date((payload.exp! + tolerance) * 1000);
      let fresh: boolean;
      try {
        fresh = await replay.use(`assertion:${client.clientId}:${jtiHash}`, until);
      } catch (cause) {
        throw temporarilyUnavailable('client authentication could not be completed, retry later', { cause, headers: { 'retry-after': '5' } });
      }
      if (!fresh) throw authenticationFailed('client assertion "jti" was already used');
      return true;
    },
  };
}
