/** Token, introspection and error responses must not be cached (RFC 6749 §5.1, RFC 7662 §2.2). */
export const NO_STORE: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  pragma: 'no-cache',
});

/**
 * CORS for the endpoints browsers may call directly: metadata, JWKS, token, introspection, revocation
 * (RFC 9700 §2.6 / checklist C-22). Never for the authorization endpoint. No cookies are involved, so
 * `*` is safe; the Authorization header must be named explicitly in preflights.
 */
export const CORS: Readonly<Record<string, string>> = Object.freeze({ 'access-control-allow-origin': '*' });

export const NO_STORE_CORS: Readonly<Record<string, string>> = Object.freeze({ ...NO_STORE, ...CORS });

export const PREFLIGHT: Readonly<Record<string, string>> = Object.freeze({
  ...CORS,
  'access-control-allow-methods': 'POST',
  'access-control-allow-headers': 'authorization, content-type, dpop',
  'access-control-max-age': '86400',
});

/** Headers of every JSON token/introspection response: no-store, CORS and the media type (RFC 6749 §5.1). */
export const JSON_NO_STORE_CORS: Readonly<Record<string, string>> = Object.freeze({
  ...NO_STORE_CORS,
  'content-type': 'application/json; charset=utf-8',
});
