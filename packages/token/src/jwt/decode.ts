import { TokenError } from '../errors.js';
import { DEFAULT_MAX_JWT_LENGTH } from './verify.js';
import { decodeJsonSegment, decodeSegment, splitCompact } from './segments.js';

/** What {@link decodeJwtUnverified} returns: nothing in it has been verified. */
export interface UnverifiedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** Length of the decoded signature in bytes. */
  signatureBytes: number;
}

/**
 * Decode a JWT WITHOUT verifying anything but its syntax, for `tessera token decode` and debugging.
 * Never base an access decision on the result; use `verifyJwt` + `validateClaims`.
 */
export function decodeJwtUnverified(token: string): UnverifiedJwt {
  if (typeof token !== 'string') throw new TokenError('malformed', 'JWT must be a string');
  if (token.length > DEFAULT_MAX_JWT_LENGTH) throw new TokenError('too_large', 'JWT is longer than allowed');
  const [header, payload, signature] = splitCompact(token.trim());
  return {
    header: decodeJsonSegment(header, 'header'),
    payload: decodeJsonSegment(payload, 'payload'),
    signatureBytes: decodeSegment(signature, 'JWT signature').length,
  };
}
