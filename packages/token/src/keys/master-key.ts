import { TokenError } from '../errors.js';

/** The master key encrypts signing keys at rest (AES-256-GCM): exactly 32 bytes. */
export const MASTER_KEY_BYTES = 32;

const HEX = /^[0-9a-fA-F]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Parse a master key given as 64 hex digits, base64 or base64url (surrounding whitespace, such as the
 * newline at the end of a key file, is ignored). Anything that does not decode to exactly 32 bytes is
 * refused with `invalid_master_key`; the message never echoes the input.
 */
export function parseMasterKey(text: string): Buffer {
  if (typeof text !== 'string') throw new TokenError('invalid_master_key', 'master key must be a string');
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (HEX.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (BASE64.test(trimmed)) key = Buffer.from(trimmed, 'base64');
  else if (BASE64URL.test(trimmed)) key = Buffer.from(trimmed, 'base64url');
  if (key === undefined || key.length !== MASTER_KEY_BYTES) {
    throw new TokenError(
      'invalid_master_key',
      `master key must be ${MASTER_KEY_BYTES} bytes encoded as 64 hex digits, base64 or base64url`,
    );
  }
  return key;
}
