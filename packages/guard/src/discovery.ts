import { fetchJson, isPlainObject, UpstreamError, type FetchLike } from './http.js';

/** The members of RFC 8414 metadata the guard uses. */
export interface ServerMetadata {
  issuer: string;
  jwks_uri?: string;
  introspection_endpoint?: string;
}

/**
 * RFC 8414 §3: the well-known suffix is inserted between host and path
 * (`https://as/t1` → `https://as/.well-known/oauth-authorization-server/t1`). Many servers (Tessera
 * included) also answer at `<issuer>/.well-known/…`; that form is tried second for issuers with a path.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const inserted = `${url.origin}/.well-known/oauth-authorization-server${path}`;
  const appended = `${issuer.replace(/\/$/, '')}/.well-known/oauth-authorization-server`;
  return inserted === appended ? [inserted] : [inserted, appended];
}

/**
 * Fetch and validate the authorization server metadata. RFC 8414 §3.3: the `issuer` in the document
 * MUST be identical to the issuer the guard was configured with, else the document is not used
 * (defends against a mix-up where one server impersonates another).
 */
export async function discover(issuer: string, fetchImpl: FetchLike, timeoutMs: number): Promise<ServerMetadata> {
  let lastError: UpstreamError | undefined;
  for (const url of metadataUrls(issuer)) {
    const res = await fetchJson(fetchImpl, url, {}, timeoutMs);
    if (res.status === 404) {
      lastError = new UpstreamError(`${url}: 404`, 404);
      continue;
    }
    if (res.status !== 200 || !isPlainObject(res.body)) throw new UpstreamError(`${url}: answered ${res.status}`, res.status);
    const doc = res.body;
    if (doc.issuer !== issuer) {
      // Both values are public; quoted as JSON so a hostile document cannot forge log lines. The usual
      // cause is a spelling difference (http://localhost:3000 vs http://127.0.0.1:3000, a trailing slash).
      const found = typeof doc.issuer === 'string' ? JSON.stringify(doc.issuer.slice(0, 200)) : 'none';
      throw new UpstreamError(`${url}: metadata issuer ${found} differs from the configured issuer ${JSON.stringify(issuer)} (RFC 8414 §3.3: must be identical)`);
    }
    const metadata: ServerMetadata = { issuer };
    if (doc.jwks_uri !== undefined) metadata.jwks_uri = checkedUrl(doc.jwks_uri, 'jwks_uri', issuer);
    if (doc.introspection_endpoint !== undefined) {
      metadata.introspection_endpoint = checkedUrl(doc.introspection_endpoint, 'introspection_endpoint', issuer);
    }
    return metadata;
  }
  throw lastError ?? new UpstreamError(`no metadata for ${issuer}`);
}

/** Endpoints must be absolute URLs with the same security as the issuer (https unless a loopback issuer). */
export function checkedUrl(value: unknown, name: string, issuer: string): string {
  if (typeof value !== 'string') throw new UpstreamError(`metadata ${name} is not a string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UpstreamError(`metadata ${name} is not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(new URL(issuer)) && isLoopback(url))) {
    throw new UpstreamError(`metadata ${name} must use https`);
  }
  return url.href;
}

export function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
}
