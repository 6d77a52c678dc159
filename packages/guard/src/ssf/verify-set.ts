import { TokenError, validateClaims, verifyJwt, type JwtPayload, type VerificationKey } from '@tessera/token';
import type { SetErrorCode } from './vocabulary.js';
import { SET_TYP } from './vocabulary.js';

/** Why a SET was refused: the RFC 8935 §2.3 code for the transmitter, a precise reason for the log. */
export class SetError extends Error {
  override readonly name = 'SetError';
  constructor(readonly err: SetErrorCode, readonly reason: string, readonly retryable = false) {
    super(`${err} (${reason})`);
  }

  /** RFC 8935 §2.3 body; `description` is human-readable and carries nothing secret. */
  toJSON(): { err: SetErrorCode; description: string } {
    return { err: this.err, description: this.reason };
  }
}

/** A SET whose signature, typ, iss, aud, iat and jti passed. */
export interface VerifiedSet {
  jti: string;
  iat: number;
  events: Record<string, Record<string, unknown>>;
  subject: unknown;
  payload: JwtPayload;
}

const MAX_SET_LENGTH = 64 * 1024;

/**
 * Verify a Security Event Token (RFC 8417; RFC 8935 §2; SSF 1.0 §4): a compact JWS with `typ`
 * `secevent+jwt` (an access token or ID token is not a SET, RFC 8725 §3.11), signed by a key of the
 * transmitter's JWKS with its pinned algorithm, `iss` exactly the transmitter, `aud` containing this
 * receiver, `iat` not in the future, a `jti`, and an `events` object with at least one event. No `exp`
 * (RFC 8417 §2.2). Throws {@link SetError}; `unknown_kid` is reported separately so the caller may
 * refresh keys once.
 */
export function verifySet(
  set: string,
  options: { issuer: string; audience: string; getKey: (kid: string | undefined, alg: string) => VerificationKey | undefined; now: number; clockTolerance: number },
): VerifiedSet {
  let payload: JwtPayload;
  try {
    payload = verifyJwt(set, { typ: SET_TYP, getKey: options.getKey, maxLength: MAX_SET_LENGTH }).payload;
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    if (error.code === 'unknown_kid') throw new SetError('invalid_key', 'unknown_kid', true);
    if (error.code === 'bad_signature' || error.code === 'alg_not_allowed' || error.code === 'forbidden_header') throw new SetError('invalid_key', error.code);
    throw new SetError('invalid_request', error.code);
  }
  if (payload.iss !== options.issuer) throw new SetError('invalid_issuer', 'iss is not the transmitter');
  const aud = payload.aud;
  if (!(aud === options.audience || (Array.isArray(aud) && aud.includes(options.audience)))) throw new SetError('invalid_audience', 'aud does not name this receiver');
  try {
    validateClaims(payload, { now: options.now, clockTolerance: options.clockTolerance, required: ['iat', 'jti'], requireExp: false });
  } catch (error) {
    if (error instanceof TokenError) throw new SetError('invalid_request', `${error.code}${error.claim ? ` (${error.claim})` : ''}`);
    throw error;
  }
  const events = payload.events;
  if (events === null || typeof events !== 'object' || Array.isArray(events) || Object.keys(events).length === 0) {
    throw new SetError('invalid_request', 'events must be a non-empty object');
  }
  for (const value of Object.values(events)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SetError('invalid_request', 'each event payload must be an object');
  }
  return {
    jti: payload.jti as string,
    iat: payload.iat as number,
    events: events as Record<string, Record<string, unknown>>,
    subject: payload.sub_id,
    payload,
  };
}
