import type { ClientRecord } from '@tessera/store';

/** `prompt` values we implement (OIDC Core §3.1.2.1); `select_account` is not offered. */
export type Prompt = 'none' | 'login' | 'consent';

export type ResponseMode = 'query' | 'form_post';

/**
 * A validated authorization request: what /authorize accepted, kept (sealed) in the interaction
 * while the person signs in and consents, and turned into an authorization code at the end.
 */
export interface AuthorizationRequest {
  readonly clientId: string;
  /** Where the response goes: the `redirect_uri` exactly as sent, or the client's only registered one. */
  readonly redirectUri: string;
  /** Whether `redirect_uri` was in the request (RFC 6749 §4.1.3: then the token request must repeat it). */
  readonly redirectUriSent: boolean;
  readonly responseMode: ResponseMode;
  readonly state?: string;
  readonly scope: readonly string[];
  /** RFC 8707 resource indicators, in request order, without repeats. */
  readonly resources: readonly string[];
  /** RFC 7636 S256 challenge (43 base64url characters). */
  readonly codeChallenge: string;
  readonly nonce?: string;
  readonly prompt: readonly Prompt[];
  /** OIDC `max_age` in seconds. */
  readonly maxAge?: number;
  readonly acrValues: readonly string[];
  readonly loginHint?: string;
  /** RFC 9449 §10 `dpop_jkt`. */
  readonly dpopJkt?: string;
}

/** Where an authorization response (success or error) goes, once the redirect URI is trusted. */
export interface ResponseTarget {
  readonly redirectUri: string;
  readonly responseMode: ResponseMode;
  readonly state?: string;
}

/** The display name of a client for pages: its registered name, never anything from the request. */
export function clientDisplayName(client: ClientRecord): string {
  return client.name || client.clientId;
}

/** `acr_values` that ask for multi-factor authentication (RFC 8176 `mfa`, and the PAPE multi-factor policy URI). */
export const MFA_ACRS: ReadonlySet<string> = new Set(['mfa', 'http://schemas.openid.net/pape/policies/2007/06/multi-factor']);

/** The `acr` a session reports: `mfa` after password + TOTP, `pwd` after a password alone. */
export function acrFor(amr: readonly string[]): string {
  return amr.includes('mfa') ? 'mfa' : 'pwd';
}
