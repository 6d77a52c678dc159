import { GuardError } from './errors.js';

/** Request headers as Node (`IncomingMessage.headers`) or the Fetch API (`Headers`) carry them. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>> | { get(name: string): string | null };

/** What the guard needs to know about a request; every adapter reduces its framework's request to this. */
export interface RequestLike {
  headers: HeaderBag;
  method?: string;
  /** Path and query (`/v1/reports?x=1`) or an absolute URL; only the query is looked at. */
  url?: string;
}

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

function authorizationHeader(headers: HeaderBag): string | readonly string[] | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get('authorization') ?? undefined;
  }
  const bag = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  return bag.authorization ?? bag.Authorization;
}

function queryCarriesToken(url: string | undefined): boolean {
  if (url === undefined) return false;
  const q = url.indexOf('?');
  if (q === -1) return false;
  const hash = url.indexOf('#', q);
  return new URLSearchParams(url.slice(q + 1, hash === -1 ? undefined : hash)).has('access_token');
}

/**
 * Extract the bearer token (RFC 6750 §2). Returns the token, or throws:
 * - no `Authorization` header, or another scheme → 401 with a bare challenge (RFC 6750 §3.1: no error
 *   code when the request has no authentication information);
 * - `access_token` in the query (RFC 9700 §4.3.2, RFC 6750 §5.3; C-24), several Authorization headers,
 *   or a malformed Bearer credential → 400 `invalid_request`.
 * `maxLength` bounds the token before any parsing (huge tokens → 401 `invalid_token`).
 */
export function extractBearer(request: RequestLike, maxLength: number): string {
  if (queryCarriesToken(request.url)) throw new GuardError('invalid_request', 'access_token in the query string');
  const header = authorizationHeader(request.headers);
  if (header === undefined || header === '') throw new GuardError(undefined, 'no Authorization header');
  if (typeof header !== 'string') {
    if (header.length !== 1) throw new GuardError('invalid_request', 'several Authorization headers');
    return parseCredential(header[0]!, maxLength);
  }
  return parseCredential(header, maxLength);
}

function parseCredential(header: string, maxLength: number): string {
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    // Seam for RFC 9449: the DPoP scheme is handled by the device-trust work; until then it is
    // treated like any other unsupported scheme.
    throw new GuardError(undefined, `unsupported scheme ${scheme.slice(0, 16)}`);
  }
  let start = space + 1;
  if (space === -1) throw new GuardError('invalid_request', 'Bearer without a token');
  while (header.charCodeAt(start) === 32) start++;
  const token = header.slice(start);
  if (token.length > maxLength) throw new GuardError('invalid_token', `token longer than ${maxLength}`);
  if (token === '') throw new GuardError('invalid_request', 'Bearer without a token');
  if (!B64TOKEN.test(token)) {
    // A comma means a second credential in the same header (RFC 7235 §4.2 list syntax).
    throw new GuardError('invalid_request', token.includes(',') ? 'several credentials' : 'token is not a b64token');
  }
  return token;
}
