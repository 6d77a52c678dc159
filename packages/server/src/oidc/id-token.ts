import type { ClientRecord } from '@tessera/store';
import { isSigningAlg, type SigningAlg } from '@tessera/token';
import { unauthorizedClient } from '../errors.js';
import type { KeySource } from '../tokens/key-source.js';

/** What an ID token says about a sign-in (OpenID Connect Core §2). */
export interface IdTokenRequest {
  client: ClientRecord;
  /** The user id (`sub`, a public subject identifier). */
  subject: string;
  /** From the authorization request; never on refresh (Core §12.2 keeps the original one out). */
  nonce?: string | null;
  authTime?: Date | null;
  acr?: string | null;
  amr?: readonly string[];
  /** Public SSO session id (`sid`, OpenID Connect Front/Back-Channel Logout). */
  sessionId?: string | null;
}

export type IssueIdToken = (request: IdTokenRequest) => string;

/** The signing algorithm of a client's ID tokens: its `id_token_signed_response_alg`, RS256 by default (Core §15.1). */
export function idTokenAlgOf(client: ClientRecord, offered: readonly SigningAlg[]): SigningAlg {
  const asked = client.metadata.id_token_signed_response_alg;
  if (asked === undefined || asked === null) return 'RS256';
  if (isSigningAlg(asked) && offered.includes(asked)) return asked;
  // A registration this server cannot honour: refuse rather than sign with something the client will reject.
  throw unauthorizedClient('the client’s id_token_signed_response_alg is not offered by this server');
}

/**
 * ID tokens: JWS with `typ: JWT`, `aud` = the client id only (so no `azp`, Core §2), signed with the
 * current key of the client's algorithm. `at_hash` is left out: it is OPTIONAL for the code flow
 * (Core §3.1.3.6), where the access token comes straight from the token endpoint over TLS.
 */
export function createIdTokenIssuer(deps: {
  issuer: string;
  keys: Pick<KeySource, 'signer'>;
  /** Algorithms with signing keys (RS256 always among them). */
  algs: readonly SigningAlg[];
  ttl: number;
  now: () => number;
}): IssueIdToken {
  const { issuer, keys, algs, ttl, now } = deps;
  return function issueIdToken(request) {
    const alg = idTokenAlgOf(request.client, algs);
    const iat = Math.floor(now() / 1000);
    const payload: Record<string, unknown> = { iss: issuer, sub: request.subject, aud: request.client.clientId, exp: iat + ttl, iat };
    if (request.authTime) payload.auth_time = Math.floor(request.authTime.getTime() / 1000);
    if (request.nonce) payload.nonce = request.nonce;
    if (request.acr) payload.acr = request.acr;
    if (request.amr && request.amr.length > 0) payload.amr = [...request.amr];
    if (request.sessionId) payload.sid = request.sessionId;
    return keys.signer(alg).sign(payload, 'JWT');
  };
}
