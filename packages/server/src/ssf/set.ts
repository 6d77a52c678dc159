import { randomUUID } from 'node:crypto';
import type { SigningAlg } from '@tessera/token';
import type { KeySource } from '../tokens/key-source.js';
import { SET_TYP, type SubjectId } from './vocabulary.js';

/** One Security Event Token before signing: who it is for, about whom, and what happened. */
export interface SecurityEvent {
  /** The stream's audience: the receiver (RFC 8417 §2.2 `aud`). */
  readonly audience: string | readonly string[];
  /** SSF 1.0 §3: the subject, as an RFC 9493 subject identifier. */
  readonly subject: SubjectId;
  /** Event type URI → event payload (RFC 8417 §2.2 `events`). SSF sends exactly one event per SET. */
  readonly events: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** RFC 8417 §2.2 `txn`: ties the SETs that stem from one change together. */
  readonly txn?: string;
}

/** A signed SET and its `jti` (the key receivers acknowledge, RFC 8936 §2.4). */
export interface SignedSet {
  readonly jti: string;
  readonly set: string;
}

export type SignSet = (event: SecurityEvent) => SignedSet;

/**
 * Signs SETs with the server's current signing key, so receivers verify them against the same
 * `jwks_uri` as access tokens. Header `typ: secevent+jwt` (RFC 8417 §2.3) keeps a SET from ever being
 * accepted as an access token and vice versa (RFC 8725 §3.11). No `exp`: RFC 8417 §2.2 leaves it out,
 * SETs describe a past fact; receivers bound freshness by `iat`.
 */
export function createSetSigner(deps: { issuer: string; alg: SigningAlg; keys: Pick<KeySource, 'signer'>; now: () => number }): SignSet {
  const { issuer, alg, keys, now } = deps;
  return function signSet(event) {
    const jti = randomUUID();
    const payload: Record<string, unknown> = {
      iss: issuer,
      aud: typeof event.audience === 'string' ? event.audience : [...event.audience],
      iat: Math.floor(now() / 1000),
      jti,
      sub_id: event.subject,
      events: event.events,
    };
    if (event.txn !== undefined) payload.txn = event.txn;
    return { jti, set: keys.signer(alg).sign(payload, SET_TYP) };
  };
}
