import { hash, verify } from 'node:crypto';
import { TokenError } from '../errors.js';
import { decodeJsonSegment, decodeSegmentInto, scratchFor, splitCompact } from '../jwt/segments.js';
import { DPOP_ALGORITHMS, isDpopAlg, type DpopAlg } from './algorithms.js';
import { DpopError } from './errors.js';
import { normalizeHtu } from './htu.js';
import { importProofKey, type ProofKey } from './jwk.js';
import { rememberLast } from '../memo.js';

/** Options of {@link verifyDpopProof}. Times in seconds. */
export interface VerifyDpopProofOptions {
  /** The request's method (RFC 9110 §9.1; case-sensitive, e.g. `POST`). */
  htm: string;
  /** The request's target URI as this server is reached publicly; query and fragment are ignored. */
  htu: string;
  /** Current time in seconds since the epoch. Default: the system clock. */
  now?: number;
  /** How old `iat` may be. Default 60 s (RFC 9449 §11.1: "relatively short time"). */
  maxAge?: number;
  /** How far `iat` may be in the future (client clock skew). Default 5 s. */
  maxFuture?: number;
  /** Allowed algorithms; a subset of {@link DPOP_ALGORITHMS} (the default). */
  algorithms?: readonly DpopAlg[];
  /** At a resource server: the access token the proof accompanies; `ath` must be its hash (RFC 9449 §4.3 check 12). */
  accessToken?: string;
  /** The thumbprint the token is bound to (`cnf.jkt`); the proof key must have it (RFC 9449 §4.3 check 12, §7.1). */
  jkt?: string;
  /**
   * When the server demands nonces (RFC 9449 §8, §9): called with the proof's `nonce` (undefined when
   * absent); `false` makes the proof fail with `nonce_missing` / `nonce_invalid` (→ `use_dpop_nonce`).
   */
  nonce?: (nonce: string | undefined) => boolean;
  /** Refuse longer proofs before any work. Default 8192 characters. */
  maxLength?: number;
  /** Longest `jti` accepted (RFC 9449 §11.1: refuse large ones). Default 256 characters. */
  maxJtiLength?: number;
}

/** A proof that passed every check. Record {@link VerifiedDpopProof.replayKey} to refuse replays. */
export interface VerifiedDpopProof {
  /** RFC 7638 thumbprint of the proof key: `cnf.jkt` of tokens bound to it. */
  jkt: string;
  jti: string;
  iat: number;
  htm: string;
  /** The normalised `htu` (no query or fragment). */
  htu: string;
  alg: DpopAlg;
  /** The public key's defining members. */
  jwk: Readonly<Record<string, string>>;
  nonce: string | undefined;
  /**
   * What the caller records as used (RFC 9449 §11.1): SHA-256 over `jti` and `htu`, base64url, so a
   * long `jti` costs fixed space and one jti used at two URIs stays distinct.
   */
  replayKey: string;
  /** Until when (seconds) the replay record must be kept: afterwards the proof is too old anyway. */
  replayUntil: number;
}

export const DEFAULT_DPOP_MAX_AGE = 60;
export const DEFAULT_DPOP_MAX_FUTURE = 5;

const FORBIDDEN_HEADERS = ['jku', 'x5u', 'x5c', 'crit'] as const;
const HEADER_CACHE_MAX = 1024;

interface CheckedHeader {
  alg: DpopAlg;
  key: ProofKey;
}

/**
 * One client signs many proofs with one key, so the header segment (alg, typ, jwk) repeats: it is
 * remembered with the imported key after a signature verified with it (forged proofs never enter),
 * and the cache is cleared when full.
 */
const headerCache = new Map<string, CheckedHeader>();

function checkHeader(segment: string): CheckedHeader {
  const header = decodeJson(segment, 'header');
  const typ = header.typ;
  if (typeof typ !== 'string' || !['dpop+jwt', 'application/dpop+jwt'].includes(typ.toLowerCase())) {
    throw new DpopError('wrong_typ', 'DPoP proof "typ" is not dpop+jwt');
  }
  const alg = header.alg;
  if (typeof alg !== 'string') throw new DpopError('malformed', 'DPoP proof header has no "alg"');
  if (!isDpopAlg(alg)) throw new DpopError('alg_not_allowed', 'DPoP proof "alg" is not an accepted asymmetric algorithm');
  for (const name of FORBIDDEN_HEADERS) {
    if (name in header) throw new DpopError('forbidden_header', `DPoP proof header member "${name}" is refused`);
  }
  if (!('jwk' in header)) throw new DpopError('invalid_jwk', 'DPoP proof header has no "jwk"');
  return { alg, key: importProofKey(header.jwk, alg) };
}

function decodeJson(segment: string, what: 'header' | 'payload'): Record<string, unknown> {
  try {
    return decodeJsonSegment(segment, what);
  } catch (error) {
    if (error instanceof TokenError) throw new DpopError('malformed', `DPoP proof ${what}: ${error.message}`);
    throw error;
  }
}

function checkSignature(token: string, headerLength: number, payloadLength: number, signatureSegment: string, key: ProofKey): void {
  const signature = Buffer.allocUnsafe(key.signatureBytes);
  let length: number;
  try {
    if (Math.ceil((key.signatureBytes * 4) / 3) !== signatureSegment.length) throw new DpopError('bad_signature', 'DPoP proof signature has the wrong length');
    length = decodeSegmentInto(signatureSegment, signature, 0, 'DPoP proof signature');
  } catch (error) {
    if (error instanceof TokenError) throw new DpopError('malformed', error.message);
    throw error;
  }
  if (length !== key.signatureBytes) throw new DpopError('bad_signature', 'DPoP proof signature has the wrong length');
  if (key.alg === 'ES256') {
    // CVE-2022-21449: refuse r = 0 or s = 0 outright.
    let r = 0;
    let s = 0;
    for (let i = 0; i < 32; i++) {
      r |= signature[i]!;
      s |= signature[32 + i]!;
    }
    if (r === 0 || s === 0) throw new DpopError('bad_signature', 'DPoP proof ECDSA signature has a zero component');
  }
  const inputLength = headerLength + 1 + payloadLength;
  const input = scratchFor(inputLength);
  input.write(token, 0, inputLength, 'latin1');
  if (!verify(key.digest, input.subarray(0, inputLength), key.verifyKey, signature)) {
    throw new DpopError('bad_signature', 'DPoP proof signature does not verify with its "jwk"');
  }
}

function stringClaim(payload: Record<string, unknown>, name: string): string {
  const value = payload[name];
  if (value === undefined) throw new DpopError('missing_claim', `DPoP proof has no "${name}"`);
  if (typeof value !== 'string' || value === '') throw new DpopError('invalid_claim', `DPoP proof "${name}" is not a non-empty string`);
  return value;
}

/** A server passes the same expected `htu` on every call. */
const expectedHtu = rememberLast(normalizeHtu);

/** base64url(SHA-256(ASCII(access token))): the `ath` a proof for `accessToken` carries (RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return hash('sha256', Buffer.from(accessToken, 'ascii'), 'base64url');
}

/**
 * Verify a DPoP proof (RFC 9449 §4.3), synchronously. Checks, in order: size; one compact JWS with
 * canonical base64url, UTF-8 JSON header and payload without duplicate members; `typ` dpop+jwt; `alg`
 * asymmetric and allowed (never `none` nor HS*); no `jku`/`x5u`/`x5c`/`crit`; a public `jwk` (no private
 * member) fitting `alg`; the signature with that key; claims `jti` (length-capped), `htm`, `htu`, `iat`;
 * `htm` exact; `htu` equal after normalisation, ignoring query and fragment; `iat` within
 * [now − maxAge, now + maxFuture]; the nonce when demanded; `ath` when an access token is given; the key
 * thumbprint when `jkt` is given.
 *
 * Replay (check 11's "not been used before") is the caller's: record `replayKey` until `replayUntil`
 * in a store shared by every instance and refuse the proof when it is already there.
 *
 * @throws {DpopError} with a machine `reason`.
 * @example
 * const proof = verifyDpopProof(request.headers.dpop, { htm: 'POST', htu: 'https://as.example/token' });
 * if (!(await replay.use(`dpop:${proof.replayKey}`, new Date(proof.replayUntil * 1000)))) throw invalidDpopProof('replayed');
 */
export function verifyDpopProof(proof: string, options: VerifyDpopProofOptions): VerifiedDpopProof {
  if (typeof proof !== 'string' || proof === '') throw new DpopError('malformed', 'DPoP proof must be a non-empty string');
  if (proof.length > (options.maxLength ?? 8192)) throw new DpopError('too_large', 'DPoP proof is longer than allowed');
  let segments: [string, string, string];
  try {
    segments = splitCompact(proof);
  } catch {
    throw new DpopError('malformed', 'DPoP proof must be a compact JWS with three segments');
  }
  const [headerSegment, payloadSegment, signatureSegment] = segments;
  const cached = headerCache.get(headerSegment);
  const { alg, key } = cached ?? checkHeader(headerSegment);
  if (!(options.algorithms ?? DPOP_ALGORITHMS).includes(alg)) throw new DpopError('alg_not_allowed', `DPoP proof "alg" ${alg} is not allowed here`);

  const payload = decodeJson(payloadSegment, 'payload');
  const jti = stringClaim(payload, 'jti');
  const htm = stringClaim(payload, 'htm');
  const htu = stringClaim(payload, 'htu');
  const iat = payload.iat;
  if (iat === undefined) throw new DpopError('missing_claim', 'DPoP proof has no "iat"');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new DpopError('invalid_claim', 'DPoP proof "iat" is not a number');
  if (jti.length > (options.maxJtiLength ?? 256)) throw new DpopError('jti_too_long', 'DPoP proof "jti" is too long');

  checkSignature(proof, headerSegment.length, payloadSegment.length, signatureSegment, key);
  if (cached === undefined) {
    if (headerCache.size >= HEADER_CACHE_MAX) headerCache.clear();
    headerCache.set(headerSegment, { alg, key });
  }

  if (htm !== options.htm) throw new DpopError('htm_mismatch', 'DPoP proof "htm" does not match the request method');
  let normalized: string;
  try {
    normalized = normalizeHtu(htu);
  } catch {
    throw new DpopError('htu_mismatch', 'DPoP proof "htu" is not a valid http(s) URI');
  }
  if (normalized !== expectedHtu(options.htu)) throw new DpopError('htu_mismatch', 'DPoP proof "htu" does not match the request URI');

  const now = options.now ?? Math.floor(Date.now() / 1000);
  const maxAge = options.maxAge ?? DEFAULT_DPOP_MAX_AGE;
  if (iat < now - maxAge) throw new DpopError('iat_too_old', 'DPoP proof "iat" is too old');
  if (iat > now + (options.maxFuture ?? DEFAULT_DPOP_MAX_FUTURE)) throw new DpopError('iat_in_future', 'DPoP proof "iat" is in the future');

  const nonce = payload.nonce as string | undefined;
  if (nonce !== undefined && (typeof nonce !== 'string' || nonce === '')) throw new DpopError('invalid_claim', 'DPoP proof "nonce" is not a non-empty string');
  if (options.nonce !== undefined && !options.nonce(nonce)) {
    throw nonce === undefined
      ? new DpopError('nonce_missing', 'DPoP proof has no "nonce" and one is required')
      : new DpopError('nonce_invalid', 'DPoP proof "nonce" is not a current server nonce');
  }

  if (options.accessToken !== undefined) {
    const ath = payload.ath;
    if (ath === undefined) throw new DpopError('ath_missing', 'DPoP proof has no "ath" for the access token');
    if (typeof ath !== 'string' || ath !== accessTokenHash(options.accessToken)) {
      throw new DpopError('ath_mismatch', 'DPoP proof "ath" does not match the access token');
    }
  }
  if (options.jkt !== undefined && options.jkt !== key.jkt) throw new DpopError('key_mismatch', 'DPoP proof key is not the key the token is bound to');

  return {
    jkt: key.jkt,
    jti,
    iat,
    htm,
    htu: normalized,
    alg,
    jwk: key.jwk,
    nonce,
    replayKey: hash('sha256', `${jti}\n${normalized}`, 'base64url'),
    replayUntil: Math.floor(iat) + maxAge + 1,
  };
}
