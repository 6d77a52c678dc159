import { verify } from 'node:crypto';
import { TokenError } from '../errors.js';
import { isSigningAlg, type SigningAlg } from '../keys/algorithms.js';
import { writeUtf8 } from './fast-buffer.js';
import { keyFacts } from './key-check.js';
import { decodeAsciiJsonSegment, decodeAsciiSegmentInto, decodeJsonSegment, decodeSegment, scratchFor } from './segments.js';
import type { JwtHeader, JwtPayload, VerificationKey } from './types.js';
import { rememberLast } from '../memo.js';

/** Options of {@link verifyJwt}. */
export interface VerifyJwtOptions {
  /**
   * The one `typ` this kind of JWT must carry (RFC 8725 §3.11, §3.12): `at+jwt` for access tokens
   * (RFC 9068 §4), `dpop+jwt`, `secevent+jwt`, …. Compared case-insensitively with an optional
   * `application/` prefix (RFC 7515 §4.1.9), so `application/at+jwt` matches `at+jwt`.
   */
  typ: string;
  /**
   * Resolve the key for a header's `kid` (possibly absent) and `alg` (already checked to be one of ours).
   * The returned key's own `alg` must equal the header's; the token never picks the algorithm.
   * `kid` is untrusted input (RFC 8725 §3.10): look it up in a map, never use it as a path or query.
   */
  getKey(kid: string | undefined, alg: SigningAlg): VerificationKey | undefined;
  /** Refuse longer tokens before any work; default 16 KiB. */
  maxLength?: number;
  /**
   * Only for JWT kinds older than explicit typing, i.e. client assertions (RFC 7523), which usually carry
   * `typ: JWT` or none: consulted when the header's `typ` (normalised as above; `undefined` if absent)
   * differs from `typ`. It must still refuse every typ of another kind (RFC 8725 §3.12). Never set it
   * for access tokens.
   */
  acceptTyp?: (typ: string | undefined) => boolean;
}

/** A JWT whose signature, header rules and typ were verified; claims still need `validateClaims`. */
export interface VerifiedJwt {
  header: JwtHeader;
  payload: JwtPayload;
  key: VerificationKey;
}

export const DEFAULT_MAX_JWT_LENGTH = 16 * 1024;

/** Headers that would let the token choose its own key (RFC 8725 §3.10; RFC 7515 §4.1.2–4.1.6). */
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice(12) : lower;
}

/** Callers pass the same `typ` on every call. */
const expectedTypOf = rememberLast(normalizeTyp);

/** A header that passed the option-independent checks, with its `typ` normalised once. */
interface CheckedHeader {
  header: JwtHeader;
  typ: string | undefined;
}

/**
 * Headers repeat (one per key and typ), so a header segment seen on a token whose signature verified
 * is remembered, skipping its decode and checks next time. Only verified headers enter, so forged
 * tokens cannot fill it; it is bounded and cleared when full.
 */
const headerCache = new Map<string, CheckedHeader>();
const HEADER_CACHE_MAX = 256;
/**
 * The last header that verified, checked first: one issuer's tokens share one header, and comparing
 * two strings is cheaper than hashing a freshly sliced one for the map.
 */
let lastHeaderSegment = '';
let lastHeader: CheckedHeader | undefined;

function knownHeader(segment: string): CheckedHeader | undefined {
  return segment === lastHeaderSegment ? lastHeader : headerCache.get(segment);
}

/**
 * Views of the scratch buffer by length, so the signing input handed to crypto.verify is not a new
 * Buffer object per token (a subarray costs an allocation and a round trip into C++). Token lengths
 * of one issuer vary little; the table is bounded and cleared when full.
 */
const inputViews = new Map<number, Buffer>();
const SHARED_SCRATCH = scratchFor(0);
const INPUT_VIEWS_MAX = 64;

/**
 * The signing input (RFC 7515 §5.2 step 8: the ASCII bytes of header.payload), the token's first
 * `length` characters, or `malformed` when the token holds any non-ASCII character. The whole token is
 * written as UTF-8 into room for any spelling of it: the byte count equals the character count exactly
 * when every character is ASCII. That one write is the ASCII check the payload and signature decodes
 * (decodeAsciiSegmentInto) rely on; it runs before crypto.verify, so nothing decoded is trusted earlier.
 */
function signingInput(token: string, length: number): Buffer {
  const scratch = scratchFor(3 * token.length);
  if (writeUtf8(scratch, token, 0, scratch.length) !== token.length) {
    // e.g. U+0141, which Node's decoder would read as the 'A' its low byte spells.
    throw new TokenError('malformed', 'JWT is not base64url (non-ASCII character)');
  }
  if (scratch !== SHARED_SCRATCH) return scratch.subarray(0, length); // an unusually long token got a buffer of its own
  let view = inputViews.get(length);
  if (view === undefined) {
    view = scratch.subarray(0, length);
    if (inputViews.size >= INPUT_VIEWS_MAX) inputViews.clear();
    inputViews.set(length, view);
  }
  return view;
}

function checkHeader(header: Record<string, unknown>): CheckedHeader {
  const alg = header.alg;
  if (typeof alg !== 'string') throw new TokenError('malformed', 'JWT header has no "alg"', { claim: 'alg' });
  if (alg.toLowerCase() === 'none') {
    throw new TokenError('alg_not_allowed', 'unsecured JWTs (alg "none") are refused', { claim: 'alg' });
  }
  if (!isSigningAlg(alg)) throw new TokenError('alg_not_allowed', 'JWT algorithm is not allowed', { claim: 'alg' });
  for (const name of FORBIDDEN_HEADERS) {
    if (name in header) {
      throw new TokenError('forbidden_header', `JWT header member "${name}" is refused`, { claim: name });
    }
  }
  // We implement no JWS extension, so any "crit" names one we do not understand (RFC 7515 §4.1.11).
  if ('crit' in header) throw new TokenError('crit_unsupported', 'JWT header "crit" is not supported', { claim: 'crit' });
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    throw new TokenError('malformed', 'JWT header "kid" is not a string', { claim: 'kid' });
  }
  return { header: Object.freeze(header) as JwtHeader, typ: typeof header.typ === 'string' ? normalizeTyp(header.typ) : undefined };
}

function checkSignatureShape(signature: Buffer, length: number, alg: SigningAlg): void {
  if (length !== signature.length) throw new TokenError('bad_signature', 'JWT signature has the wrong length');
  if (alg === 'ES256') {
    // CVE-2022-21449: r = s = 0 "verified" in some ECDSA implementations; refuse it outright.
    let r = 0;
    let s = 0;
    for (let i = 0; i < 32; i++) {
      r |= signature[i]!;
      s |= signature[32 + i]!;
    }
    if (r === 0 || s === 0) throw new TokenError('bad_signature', 'JWT ECDSA signature has a zero component');
  }
}

/**
 * Verify a compact JWS synchronously (the guard's and introspection's hot path). Checks, in order and
 * before any signature work where possible: length, three canonical base64url segments, JSON-object
 * header in UTF-8 without duplicate members, `alg` (never `none`, only EdDSA/ES256/RS256), no
 * `jku`/`x5u`/`jwk`/`x5c`, no `crit`, exact `typ`, a known key pinned to the same `alg`, signature
 * shape, signature. The payload must be a UTF-8 JSON object without duplicate members too. One part of
 * canonical base64url, "ASCII only", is checked with the signing input, right before the signature.
 *
 * Throws {@link TokenError}; claims (`iss`, `aud`, `exp`, …) are checked by `validateClaims`.
 */
export function verifyJwt(token: string, options: VerifyJwtOptions): VerifiedJwt {
  if (typeof token !== 'string') throw new TokenError('malformed', 'JWT must be a string');
  if (token.length > (options.maxLength ?? DEFAULT_MAX_JWT_LENGTH)) {
    throw new TokenError('too_large', 'JWT is longer than allowed');
  }
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  if (second === -1 || token.indexOf('.', second + 1) !== -1) {
    throw new TokenError('malformed', 'JWT must have exactly three segments');
  }
  // Node's decoder reads '+' and '/' as '-' and '_': refused here once for all segments (RFC 7515 §2),
  // the rest of canonical base64url per segment (decodeAsciiSegmentInto) and ASCII in signingInput.
  if (token.indexOf('+') !== -1 || token.indexOf('/') !== -1) {
    throw new TokenError('malformed', 'JWT is not canonical base64url (standard alphabet)');
  }
  const headerSegment = token.slice(0, first);
  const payloadSegment = token.slice(first + 1, second);
  const signatureSegment = token.slice(second + 1);
  const cached = knownHeader(headerSegment);
  const checked = cached ?? checkHeader(decodeJsonSegment(headerSegment, 'header'));
  const expectedTyp = expectedTypOf(options.typ);
  if (checked.typ !== expectedTyp && options.acceptTyp?.(checked.typ) !== true) throw new TokenError('wrong_typ', `JWT "typ" is not ${expectedTyp}`, { claim: 'typ' });
  const header = checked.header;

  // The payload is parsed before any signature work: garbage costs a parse, not a public-key operation.
  const payload = decodeAsciiJsonSegment(payloadSegment, 'payload') as JwtPayload;

  const key = options.getKey(header.kid, header.alg);
  if (key === undefined) throw new TokenError('unknown_kid', 'no key matches the JWT "kid"', { claim: 'kid' });
  if (key.alg !== header.alg) {
    throw new TokenError('alg_not_allowed', 'JWT "alg" differs from the algorithm of its key', { claim: 'alg' });
  }
  const facts = keyFacts(key.key, key.alg);

  // Signature and signing input are decoded into buffers crypto.verify reads synchronously; no caller
  // code (getKey) runs between these writes and the verify.
  if (signatureSegment.length !== facts.signatureChars) {
    decodeSegment(signatureSegment, 'JWT signature'); // garbage is `malformed` before it is the wrong length
    throw new TokenError('bad_signature', 'JWT signature has the wrong length');
  }
  const signature = facts.signature;
  checkSignatureShape(signature, decodeAsciiSegmentInto(signatureSegment, signature, 0, 'JWT signature'), key.alg);
  const input = signingInput(token, second);
  if (!verify(facts.digest, input, facts.verifyKey, signature)) {
    throw new TokenError('bad_signature', 'JWT signature does not verify');
  }
  if (cached === undefined) {
    if (headerCache.size >= HEADER_CACHE_MAX) headerCache.clear();
    headerCache.set(headerSegment, checked);
  }
  lastHeaderSegment = headerSegment;
  lastHeader = checked;

  return { header, payload, key };
}
