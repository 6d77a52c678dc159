import { randomBytes } from 'node:crypto';
import { hashSecret } from '@tessera/token';

/** RFC 9126 §2.2: a URN under the `request_uri` sub-namespace of RFC 6755. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** 256 random bits, base64url: RFC 9126 §7.1 asks that the reference cannot be guessed. */
const RANDOM_BYTES = 32;
const RANDOM = /^[A-Za-z0-9_-]{43}$/;

/** A fresh `request_uri` and the only form of it that is stored: the SHA-256 of its random part. */
export function mintRequestUri(): { value: string; hash: string } {
  const random = randomBytes(RANDOM_BYTES).toString('base64url');
  return { value: REQUEST_URI_PREFIX + random, hash: hashSecret(random) };
}

/** The store key of a presented `request_uri`, or `undefined` when it cannot be one we issued. */
export function requestUriHash(requestUri: string): string | undefined {
  if (!requestUri.startsWith(REQUEST_URI_PREFIX)) return undefined;
  const random = requestUri.slice(REQUEST_URI_PREFIX.length);
  return RANDOM.test(random) ? hashSecret(random) : undefined;
}
