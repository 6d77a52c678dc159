import { isUtf8 } from 'node:buffer';
import { TokenError } from '../errors.js';

/**
 * Strict decoding of compact-serialisation segments (RFC 7515 §2, §7.1): base64url without padding,
 * canonical (unused trailing bits zero, so one byte string has exactly one spelling and a signature
 * cannot be "mutated" into an equal one), UTF-8 only (RFC 8725 §3.7), JSON objects without duplicate
 * member names (RFC 7515 §4, C-44).
 */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const SEXTET = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('').forEach((c, i) => {
  SEXTET[c.charCodeAt(0)] = i;
});

export function decodeSegment(segment: string, what: string): Buffer {
  const length = segment.length;
  if (length === 0 || length % 4 === 1 || !BASE64URL.test(segment)) {
    throw new TokenError('malformed', `${what} is not base64url`);
  }
  const rest = length % 4;
  if (rest !== 0) {
    const last = SEXTET[segment.charCodeAt(length - 1)]!;
    if ((rest === 2 && (last & 0x0f) !== 0) || (rest === 3 && (last & 0x03) !== 0)) {
      throw new TokenError('malformed', `${what} is not canonical base64url`);
    }
  }
  return Buffer.from(segment, 'base64url');
}

/**
 * Number of member names in valid JSON text: every ':' outside a string separates one name from its
 * value. Only called when a cheaper bound (all colons) is inconclusive.
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

function countColons(text: string): number {
  let count = 0;
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) count++;
  return count;
}

/**
 * JSON.parse keeps the last of duplicate names silently. Names in the text ≥ keys after parsing, with
 * equality exactly when no name repeats; colons bound names from above, so the common case costs one
 * indexOf loop and the character scan runs only when some string holds a colon (a URL in `iss`).
 */
function hasDuplicateMembers(text: string, parsed: object): boolean {
  const keys = countKeys(parsed);
  if (countColons(text) === keys) return false;
  return countMembers(text) !== keys;
}

/** Decode a header or payload segment into a JSON object, or throw a {@link TokenError}. */
export function decodeJsonSegment(segment: string, what: 'header' | 'payload'): Record<string, unknown> {
  const bytes = decodeSegment(segment, `JWT ${what}`);
  if (!isUtf8(bytes)) throw new TokenError('invalid_utf8', `JWT ${what} is not valid UTF-8`);
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
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
