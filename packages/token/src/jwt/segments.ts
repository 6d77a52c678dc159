import { isUtf8 } from 'node:buffer';
import { TokenError } from '../errors.js';
import { sliceBase64url, sliceUtf8, writeBase64url } from './fast-buffer.js';

/**
 * Strict decoding of compact-serialisation segments (RFC 7515 §2, §7.1): base64url without padding,
 * canonical (unused trailing bits zero, so one byte string has exactly one spelling and a signature
 * cannot be "mutated" into an equal one), UTF-8 only (RFC 8725 §3.7), JSON objects without duplicate
 * member names (RFC 7515 §4, C-44).
 *
 * Canonical base64url is checked by re-encoding: unpadded base64url is a bijection between byte strings
 * and its canonical spellings, so `encode(decode(s)) === s` holds exactly when `s` uses only the
 * alphabet, has no padding, a valid length and zero trailing bits, whatever the decoder did with
 * anything else (Node's skips unknown characters, accepts `+/=` and truncates non-Latin-1 ones). One
 * decode and one encode cost less than a regular-expression pass plus the decode.
 */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Scratch space the verify hot path decodes into: a `Buffer.from` per segment costs more than the
 * decoding itself (pool bookkeeping, a new view, garbage). Each write is consumed synchronously
 * (copied into a string, or read by a synchronous `crypto.verify`) before the next one, and no caller
 * code runs in between. Sized for the UTF-8 spelling of a default maximum token (≤ 3 bytes per UTF-16
 * unit: verifyJwt writes the whole token as UTF-8 to check it is ASCII); a larger one gets a one-off buffer.
 */
const scratch = Buffer.allocUnsafe(3 * 16 * 1024);

/** A buffer with room for `bytes`: the shared scratch, or a fresh one when the token is unusually long. */
export function scratchFor(bytes: number): Buffer {
  return bytes <= scratch.length ? scratch : Buffer.allocUnsafe(bytes);
}

/** Bytes a canonical segment of `length` characters decodes to (its last 2 or 3 characters carry 1 or 2). */
function decodedLength(length: number): number {
  return (length >> 2) * 3 + ((length & 3) === 0 ? 0 : (length & 3) - 1);
}

/** Characters of the canonical spelling of `bytes` bytes (RFC 7515 §2: no padding). */
export function encodedLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

function notBase64url(segment: string, what: string): TokenError {
  return BASE64URL.test(segment)
    ? new TokenError('malformed', `${what} is not canonical base64url`)
    : new TokenError('malformed', `${what} is not base64url`);
}

/**
 * Decode a canonical base64url segment into `target` at `offset` (which must have room for it) and
 * return the number of bytes written, or throw `malformed`.
 */
export function decodeSegmentInto(segment: string, target: Buffer, offset: number, what: string): number {
  const length = segment.length;
  if (length === 0 || (length & 3) === 1) throw notBase64url(segment, what);
  if (!(offset >= 0 && offset <= target.length)) throw new RangeError(`offset out of range decoding ${what}`);
  // As Buffer#write does: at most what fits (a segment too long for the target then fails the check below).
  const written = writeBase64url(target, segment, offset, Math.min(decodedLength(length), target.length - offset));
  if (sliceBase64url(target, offset, offset + written) !== segment) throw notBase64url(segment, what);
  return written;
}

/** 6-bit value of each base64url character (RFC 4648 §5), -1 for every other ASCII character. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)] = i;

/**
 * {@link decodeSegmentInto} without the re-encoding, for a segment of a token its caller has checked
 * (or will check before trusting anything decoded from it) to be ASCII without '+' and '/': verifyJwt
 * does so once for the whole token, which costs less than re-encoding two segments.
 *
 * Canonical then follows from three facts. Node's decoder reads exactly 64 of the remaining ASCII
 * characters as values (the alphabet); it skips every other one, or stops at '=', so a segment holding
 * one decodes to fewer bytes than its length implies (pinned for all 128 characters at every position
 * by the strictness tests). And the unused bits of the last character must be zero (RFC 4648 §3.5).
 */
export function decodeAsciiSegmentInto(segment: string, target: Buffer, offset: number, what: string): number {
  const length = segment.length;
  if (length === 0 || (length & 3) === 1) throw notBase64url(segment, what);
  if (!(offset >= 0 && offset <= target.length)) throw new RangeError(`offset out of range decoding ${what}`);
  const expected = decodedLength(length);
  const written = writeBase64url(target, segment, offset, Math.min(expected, target.length - offset));
  if (written !== expected || !zeroTail(segment)) throw notBase64url(segment, what);
  return written;
}

/** The last character of an unpadded segment carries 2 or 4 unused bits, which a canonical one leaves 0. */
function zeroTail(segment: string): boolean {
  const rest = segment.length & 3;
  if (rest === 0) return true;
  const code = segment.charCodeAt(segment.length - 1);
  const value = code < 128 ? VALUE[code]! : -1;
  return value >= 0 && (value & (rest === 2 ? 15 : 3)) === 0;
}

/** Decode a canonical base64url segment into a new Buffer, or throw `malformed`. */
export function decodeSegment(segment: string, what: string): Buffer {
  const bytes = Buffer.allocUnsafe(decodedLength(segment.length));
  return bytes.subarray(0, decodeSegmentInto(segment, bytes, 0, what));
}

/**
 * Number of member names in valid JSON text: every ':' outside a string separates one name from its
 * value. Only called when a cheaper bound (name-separator candidates) is inconclusive.
 */
function countMembers(text: string): number {
  let count = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash escapes the next character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 58) count++;
  }
  return count;
}

/** Keys of every object in a parsed JSON value (iterative: a 16 KiB token can nest thousands deep). */
function countKeys(root: object): number {
  let count = 0;
  // Most claim sets are flat: the stack is allocated only when a nested object or array appears.
  let stack: unknown[] | undefined;
  for (let value: unknown = root; value !== undefined; value = stack?.pop()) {
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const item of value) if (item !== null && typeof item === 'object') (stack ??= []).push(item);
    } else {
      for (const key in value) {
        count++;
        const item = (value as Record<string, unknown>)[key];
        if (item !== null && typeof item === 'object') (stack ??= []).push(item);
      }
    }
  }
  return count;
}

/**
 * An upper bound on the member names in JSON text: colons right after a '"' or JSON whitespace. A name
 * separator is always one (RFC 8259 §4: `member = string ws ':' ws value`); a colon inside a string
 * mostly is not (`https://…`, `reports:read`), so the bound is usually exact.
 */
function countSeparatorCandidates(text: string): number {
  let count = 0;
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) {
    const before = text.charCodeAt(i - 1);
    if (before === 34 || before === 32 || before === 10 || before === 13 || before === 9) count++;
  }
  return count;
}

/**
 * JSON.parse keeps the last of duplicate names silently. Names in the text ≥ keys after parsing, with
 * equality exactly when no name repeats; the candidate count bounds names from above, so the common
 * case costs one indexOf loop and the character scan runs only when a string holds a `":` or ` :`.
 */
function hasDuplicateMembers(text: string, parsed: object): boolean {
  const keys = countKeys(parsed);
  if (countSeparatorCandidates(text) === keys) return false;
  return countMembers(text) !== keys;
}

/** Decode a header or payload segment into a JSON object, or throw a {@link TokenError}. */
export function decodeJsonSegment(segment: string, what: 'header' | 'payload'): Record<string, unknown> {
  const buffer = scratchFor(segment.length);
  return parseJsonObject(buffer, decodeSegmentInto(segment, buffer, 0, what === 'header' ? 'JWT header' : 'JWT payload'), what);
}

/**
 * {@link decodeJsonSegment} for a segment of a token checked as {@link decodeAsciiSegmentInto} requires.
 * A refused segment is re-checked the strict way first, so one that is not canonical base64url (a
 * non-ASCII character not yet caught) is reported as `malformed`, as decodeJsonSegment would.
 */
export function decodeAsciiJsonSegment(segment: string, what: 'header' | 'payload'): Record<string, unknown> {
  const buffer = scratchFor(segment.length);
  const length = decodeAsciiSegmentInto(segment, buffer, 0, what === 'header' ? 'JWT header' : 'JWT payload');
  try {
    return parseJsonObject(buffer, length, what);
  } catch (error) {
    decodeSegmentInto(segment, buffer, 0, what === 'header' ? 'JWT header' : 'JWT payload');
    throw error;
  }
}

/** The UTF-8 JSON object without repeated member names in `buffer[0, length)`, or a {@link TokenError}. */
function parseJsonObject(buffer: Buffer, length: number, what: 'header' | 'payload'): Record<string, unknown> {
  const text = sliceUtf8(buffer, 0, length);
  // Decoding replaces every ill-formed sequence with U+FFFD (WHATWG Encoding §4.1, Node's documented
  // behaviour), so a text without one came from valid UTF-8; only one with it needs the byte check.
  if (text.includes('\uFFFD') && !isUtf8(buffer.subarray(0, length))) {
    throw new TokenError('invalid_utf8', `JWT ${what} is not valid UTF-8`);
  }
  let value: unknown;
  try {
    // JSON.parse is the largest single cost of a verify (~0.7 µs of ~2 µs without the signature, for an
    // 8-claim access token: ~80 ns a member). A hand parser for the flat common case measured no faster
    // (each member name still has to be internalised) and would be a second JSON parser on the trust
    // path, where any disagreement with JSON.parse is a claim-confusion bug; so it stays.
    value = JSON.parse(text);
  } catch {
    throw new TokenError('malformed', `JWT ${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TokenError('malformed', `JWT ${what} is not a JSON object`);
  }
  if (hasDuplicateMembers(text, value)) {
    throw new TokenError('duplicate_member', `JWT ${what} repeats a member name`);
  }
  return value as Record<string, unknown>;
}

/** Split a compact JWS into its three segments, or throw `malformed`. */
export function splitCompact(token: string): [string, string, string] {
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  if (second === -1 || token.indexOf('.', second + 1) !== -1) {
    throw new TokenError('malformed', 'JWT must have exactly three segments');
  }
  return [token.slice(0, first), token.slice(first + 1, second), token.slice(second + 1)];
}
