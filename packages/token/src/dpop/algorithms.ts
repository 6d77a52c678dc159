/**
 * JWS algorithms accepted for DPoP proofs: asymmetric only (RFC 9449 §4.3 check 5: never `none`, never
 * a MAC, since the verifier would need the client's secret). PS256 joins the signing algorithms because
 * many DPoP clients (FAPI 2.0 SP §5.4) use it.
 */
export type DpopAlg = 'ES256' | 'EdDSA' | 'RS256' | 'PS256';

export const DPOP_ALGORITHMS: readonly DpopAlg[] = Object.freeze(['ES256', 'EdDSA', 'RS256', 'PS256']);

export function isDpopAlg(value: unknown): value is DpopAlg {
  return value === 'ES256' || value === 'EdDSA' || value === 'RS256' || value === 'PS256';
}
