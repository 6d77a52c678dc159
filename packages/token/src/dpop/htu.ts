import { DpopError } from './errors.js';

/**
 * The comparable form of an `htu` (RFC 9449 §4.3 check 9): the URI without query and fragment, after
 * RFC 3986 §6.2.2 syntax-based and §6.2.3 scheme-based normalisation. WHATWG URL parsing does both for
 * http(s): lower-case scheme and host, default port dropped, dot segments removed, an empty path made
 * `/`, percent-encoding case unified. Only http and https target URIs exist for DPoP.
 */
export function normalizeHtu(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DpopError('invalid_claim', 'DPoP "htu" is not an absolute URI');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DpopError('invalid_claim', 'DPoP "htu" is not an http(s) URI');
  if (url.username !== '' || url.password !== '') throw new DpopError('invalid_claim', 'DPoP "htu" carries user information');
  // Percent-encoded unreserved characters mean the same (RFC 3986 §6.2.2.2): decode them.
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (escape: string, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : escape.toUpperCase();
  });
  return `${url.protocol}//${url.host}${path}`;
}
