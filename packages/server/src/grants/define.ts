import type { ClientRecord, ResourceRecord } from '@tessera/store';
import type { FormParams } from '../http/form.js';
import type { IssueAccessToken } from '../tokens/access-token.js';
import type { UserGrantServices } from './user-services.js';

/** The successful token response (RFC 6749 §5.1), in wire form. */
export interface TokenResponse {
  access_token: string;
  /** `DPoP` when the access token is bound to a DPoP key (RFC 9449 §5). */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
}

/** What a grant handler receives about the request. */
export interface GrantRequest {
  params: FormParams;
  /** The authenticated client. */
  client: ClientRecord;
  /** The key a valid DPoP proof on this request proved (RFC 9449), or `null` without a proof. */
  binding: SenderBinding | null;
}

/** RFC 9449: the key a DPoP proof at /token proved possession of; set by the DPoP step before the grant runs. */
export interface SenderBinding {
  /** RFC 7638 thumbprint of the proof's public key; it becomes `cnf.jkt` in the tokens issued. */
  readonly jkt: string;
  /** The registered device this key belongs to, if any; the tokens then carry the device id. */
  readonly deviceId: string | null;
}

/**
 * One access question, asked before any token is issued and at the authorization endpoint: may this
 * user (or the client itself), through this client, have these scopes for these audiences, from this
 * device? Answered by the access policy (Cedar); the default allows everything.
 */
export interface AccessQuestion {
  readonly action: 'authorize' | 'token';
  readonly grantType: string;
  readonly client: ClientRecord;
  /** The resource owner; `null` for client_credentials, where the client is the principal. */
  readonly userId: string | null;
  readonly audience: readonly string[];
  readonly scope: readonly string[];
  /** `acr` of the sign-in the grant stems from, if any. */
  readonly acr: string | null;
  readonly binding: SenderBinding | null;
}

/** Returns when access is allowed; throws an `access_denied` OAuthError carrying a stable reason code when not. */
export type CheckAccess = (question: AccessQuestion) => void | Promise<void>;

/** The access check of a server without an access policy. */
export const allowAllAccess: CheckAccess = () => undefined;

/** Resolves a resource (RFC 8707) by its identifier; synchronous on a cache hit. */
export type ResourceLookup = (id: string) => ResourceRecord | undefined | Promise<ResourceRecord | undefined>;

/**
 * The services a grant may use — deliberately narrow (STYLE V3): no config object, no storage handle
 * beyond what issuing needs.
 */
export interface GrantDeps {
  lookupResource: ResourceLookup;
  issueAccessToken: IssueAccessToken;
  /** Asked by every grant before it issues anything. */
  checkAccess: CheckAccess;
  /** Services of the grants a user stands behind (authorization_code, refresh_token, device_code). */
  user?: UserGrantServices;
}

/** A grant type: a registered unit with a fixed shape (STYLE A2). */
export interface Grant {
  /** The `grant_type` value (RFC 6749 §4, or an absolute URI for extensions). */
  readonly grantType: string;
  /** Parameters the grant reads; documentation, and the set of names it may see repeated. */
  readonly parameters: readonly string[];
  /** Parameters that may appear more than once (e.g. `resource`, RFC 8707 §2). */
  readonly repeatable?: readonly string[];
  handle(request: GrantRequest, deps: GrantDeps): TokenResponse | Promise<TokenResponse>;
}

/** Declare a grant; an identity function that gives the object its type and freezes it. */
export function defineGrant<G extends Grant>(grant: G): Readonly<G> {
  return Object.freeze(grant);
}
