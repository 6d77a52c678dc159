import { describeAccessReason } from '@tessera/policy';
import { OAuthError } from '../errors.js';

/**
 * `access_denied` from the access policy, carrying the stable reason code so that the login page
 * (issue 5 §4) can show what to fix and the client can tell a compliance refusal from other errors.
 *
 * Status: at /token it is 400. RFC 6749 §5.2 answers every token-endpoint error with 400 "unless
 * specified otherwise", and RFC 8628 §3.5, the one RFC that defines `access_denied` for the token
 * endpoint, uses it in that 400 response. At the authorization endpoint the error travels in a
 * redirect (RFC 6749 §4.1.2.1) or on an error page, where 403 is the honest page status.
 */
export class AccessDeniedError extends OAuthError {
  /** The first (determining) reason; also the prefix of the description. */
  readonly reason: string;
  /** Every deny reason, policy reasons first, then the device's compliance reasons. */
  readonly reasons: readonly string[];
  /** Human text: what is wrong and what to do, for the login page. */
  readonly userMessage: string;
  readonly remediation: string;

  constructor(action: 'authorize' | 'token', reasons: readonly string[], detail: string) {
    const reason = reasons[0] ?? 'not_permitted';
    const text = describeAccessReason(reason);
    super('access_denied', action === 'token' ? 400 : 403, `${reason}: ${text.message}`, { detail });
    this.reason = reason;
    this.reasons = reasons;
    this.userMessage = text.message;
    this.remediation = text.remediation;
  }
}
