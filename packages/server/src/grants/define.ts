import type { ClientRecord, ResourceRecord } from '@tessera/store';
import type { FormParams } from '../http/form.js';
import type { IssueAccessToken } from '../tokens/access-token.js';

/** The successful token response (RFC 6749 §5.1), in wire form. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
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
}

/** Resolves a resource (RFC 8707) by its identifier; synchronous on a cache hit. */
export type ResourceLookup = (id: string) => ResourceRecord | undefined | Promise<ResourceRecord | undefined>;

/**
 * The services a grant may use — deliberately narrow (STYLE V3): no config object, no storage handle
 * beyond what issuing needs.
 */
export interface GrantDeps {
  lookupResource: ResourceLookup;
  issueAccessToken: IssueAccessToken;
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
