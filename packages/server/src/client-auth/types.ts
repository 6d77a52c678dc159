import type { ClientAuthMethod, ClientRecord } from '@tessera/store';
import type { FormParams } from '../http/form.js';

/** What client authentication reads from a request. */
export interface ClientAuthInput {
  /** The raw `Authorization` header, if any. */
  authorization: string | undefined;
  /** The form body. */
  params: FormParams;
}

/** Credentials found in a request, before the client is known. */
export interface PresentedCredentials {
  method: ClientAuthMethod;
  clientId: string;
  /** The secret or the client assertion to verify (empty for `none`). Never logged. */
  proof: string;
  /** True when they came in the Authorization header: failures then carry `WWW-Authenticate` (RFC 6749 §5.2). */
  viaHeader: boolean;
}

/**
 * One client authentication method (RFC 6749 §2.3, RFC 7591 §2 `token_endpoint_auth_method`).
 * Built in: `client_secret_basic`, `client_secret_post`, `private_key_jwt` (RFC 7523), `none` (public clients).
 */
export interface ClientAuthenticator {
  readonly method: ClientAuthMethod;
  /**
   * The credentials of this method carried by the request, or `undefined` when it carries none.
   * Throws `invalid_client` (or `invalid_request`) when they are present but malformed.
   */
  read(input: ClientAuthInput): PresentedCredentials | undefined;
  /**
   * Whether the presented proof is valid for this (known, enabled) client. May instead throw
   * `authenticationFailed(detail)` so the operator log says which check failed.
   */
  verify(client: ClientRecord, presented: PresentedCredentials): boolean | Promise<boolean>;
}
