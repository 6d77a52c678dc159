import { GuardError } from '../errors.js';
import type { Guard } from '../guard.js';

/** What an adapter sends when the guard refuses a request. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { error?: string; error_description?: string };
}

/**
 * RFC 6750 §3: 401/403/400 with `WWW-Authenticate`; the body mirrors the challenge and never carries
 * the operator reason. Anything that is not a GuardError (should not happen) becomes a 503, never a 500
 * with a stack.
 */
export function errorResponse(guard: Guard, error: unknown): ErrorResponse {
  const refusal = error instanceof GuardError ? error : new GuardError('temporarily_unavailable', 'internal');
  const headers: Record<string, string> = {
    'www-authenticate': guard.challenge(refusal),
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  };
  if (refusal.status === 503) headers['retry-after'] = '5';
  if (refusal.params.nonce !== undefined) headers['dpop-nonce'] = refusal.params.nonce;
  return { status: refusal.status, headers, body: refusal.toJSON() };
}
