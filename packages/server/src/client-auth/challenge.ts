import { invalidClient } from '../errors.js';

/**
 * The challenge sent with every 401 `invalid_client`. RFC 6749 §5.2 requires it when the client used
 * the Authorization header, and RFC 9110 §15.5.2 requires a challenge on every 401, so it is always sent.
 */
export const challenge: Readonly<Record<string, string>> = Object.freeze({ 'www-authenticate': 'Basic realm="tessera"' });

/**
 * The one answer to every failed client authentication: the client learns nothing about which check
 * failed (nor whether the client exists); `detail` goes only to the operator log.
 */
export function authenticationFailed(detail: string) {
  return invalidClient('client authentication failed', { detail, headers: challenge });
}
