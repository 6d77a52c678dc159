import { GuardError } from './errors.js';

/** Request headers as Node (`IncomingMessage.headers`) or the Fetch API (`Headers`) carry them. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>> | { get(name: string): string | null };

/** What the guard needs to know about a request; every adapter reduces its framework's request to this. */
export interface RequestLike {
  /** Request headers; `authorization` and, for DPoP, `dpop` and `host` are read. */
  headers: HeaderBag;
  /** The HTTP method (DPoP `htm`, RFC 9449 §4.3). */
  method?: string;
  /** Path and query (`/v1/reports?x=1`) or an absolute URL: the query is checked for tokens; DPoP's `htu` is built from it. */
  url?: string;
  /** `http` or `https` as the client reached this server (adapters pass the framework's value); for DPoP `htu`. */
  protocol?: string;
  /**
   * Node's `req.rawHeaders`, when `headers` is Node's `req.headers`: Node keeps only the first of
   * repeated `Authorization` headers there, so without this a request with two credentials is judged
   * by the first instead of being refused (RFC 6750 §3.1). When given, `Authorization` is read from it.
   */
  rawHeaders?: readonly string[];
}

/** The credential of a request: the token and the scheme it came with. */
export interface Credentials {
  scheme: 'bearer' | 'dpop';
  token: string;
}

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

function headerOf(headers: HeaderBag, name: string, capitalised: string): string | readonly string[] | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const bag = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  return bag[name] ?? bag[capitalised];
}

function authorizationHeader(headers: HeaderBag): string | readonly string[] | undefined {
  return headerOf(headers, 'authorization', 'Authorization');
}

/**
 * Node merges repeated headers, and drops repeated `Authorization` ones: count them in rawHeaders so
 * two credentials are refused (RFC 6750 §3.1) rather than one silently chosen.
 */
export function authorizationHeaders(rawHeaders: readonly string[] | undefined, parsed: string | undefined): string | string[] | undefined {
  if (rawHeaders === undefined) return parsed;
  let values: string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') (values ??= []).push(rawHeaders[i + 1]!);
  }
  return values === undefined ? undefined : values.length === 1 ? values[0] : values;
}

/**
 * The `DPoP` header values. Fetch's Headers and Node join repeated fields with ", ": a compact JWS has
 * no comma, so a comma means several headers, which RFC 9449 §4.3 check 1 refuses.
 */
export function dpopProofs(headers: HeaderBag): readonly string[] {
  const value = headerOf(headers, 'dpop', 'DPoP');
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : value;
  return list.flatMap((v) => v.split(',')).map((v) => v.trim());
}

/** The `Host` header (for DPoP `htu` when no public base URL is configured). */
export function hostOf(headers: HeaderBag): string | undefined {
  const value = headerOf(headers, 'host', 'Host');
  return typeof value === 'string' ? value : undefined;
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
  return extractCredentials(request, maxLength, false).token;
}

/**
 * Like {@link extractBearer}, and with `dpop` also the `DPoP` scheme (RFC 9449 §7.1: same token68
 * syntax). Which scheme came is returned; the proof header is the caller's to check.
 */
export function extractCredentials(request: RequestLike, maxLength: number, dpop: boolean): Credentials {
  if (queryCarriesToken(request.url)) throw new GuardError('invalid_request', 'access_token in the query string');
  const header = request.rawHeaders === undefined ? authorizationHeader(request.headers) : authorizationHeaders(request.rawHeaders, undefined);
  if (header === undefined || header === '') throw new GuardError(undefined, 'no Authorization header');
  if (typeof header !== 'string') {
    if (header.length !== 1) throw new GuardError('invalid_request', 'several Authorization headers');
    return parseCredential(header[0]!, maxLength, dpop);
  }
  return parseCredential(header, maxLength, dpop);
}

function parseCredential(header: string, maxLength: number, dpop: boolean): Credentials {
  const space = header.indexOf(' ');
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  if (scheme !== 'bearer' && !(dpop && scheme === 'dpop')) {
    throw new GuardError(undefined, `unsupported scheme ${scheme.slice(0, 16)}`);
  }
  const name = scheme === 'dpop' ? 'DPoP' : 'Bearer';
  let start = space + 1;
  if (space === -1) throw new GuardError('invalid_request', `${name} without a token`);
  while (header.charCodeAt(start) === 32) start++;
  const token = header.slice(start);
  if (token.length > maxLength) throw new GuardError('invalid_token', `token longer than ${maxLength}`);
  if (token === '') throw new GuardError('invalid_request', `${name} without a token`);
  if (!B64TOKEN.test(token)) {
    // A comma means a second credential in the same header (RFC 7235 §4.2 list syntax).
    throw new GuardError('invalid_request', token.includes(',') ? 'several credentials' : 'token is not a b64token');
  }
  return { scheme: scheme as Credentials['scheme'], token };
}
