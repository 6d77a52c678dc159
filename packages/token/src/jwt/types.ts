import type { KeyObject } from 'node:crypto';
import type { SigningAlg } from '../keys/algorithms.js';

/** A verified JOSE header. Only members we accept can appear (see `verifyJwt`). */
export interface JwtHeader {
  alg: SigningAlg;
  typ: string;
  kid?: string;
  [member: string]: unknown;
}

/** JWT claims (RFC 7519 §4.1) plus whatever the issuer added; types are checked by `validateClaims`. */
export interface JwtPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

/** A public (or private) key pinned to exactly one algorithm (RFC 8725 §3.1). */
export interface VerificationKey {
  kid: string;
  alg: SigningAlg;
  key: KeyObject;
}
