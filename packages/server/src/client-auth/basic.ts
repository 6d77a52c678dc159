import { isUtf8 } from 'node:buffer';
import { decodeFormComponent } from '../http/form.js';

/** Client id and secret from an HTTP Basic header, or `undefined` when the header is malformed. */
export interface BasicCredentials {
  clientId: string;
  clientSecret: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parse `Authorization: Basic …` for OAuth (RFC 6749 §2.3.1): the client id and secret are
 * form-urlencoded BEFORE being joined with ":" and base64-encoded (RFC 7617 §2), so both are decoded
 * again here; a secret containing ":" or "%" only survives this way. Returns `undefined` for anything
 * malformed: bad base64, non-UTF-8, no ":", empty id or secret, broken percent-encoding.
 */
export function parseBasicCredentials(token: string): BasicCredentials | undefined {
  if (token.length === 0 || token.length > 4096 || token.length % 4 !== 0 || !BASE64.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64');
  if (!isUtf8(bytes)) return undefined;
  const text = bytes.toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) return undefined;
  try {
    const clientId = decodeFormComponent(text.slice(0, colon));
    const clientSecret = decodeFormComponent(text.slice(colon + 1));
    return clientId && clientSecret ? { clientId, clientSecret } : undefined;
  } catch {
    return undefined;
  }
}

/** Split an Authorization header into scheme (lower-cased) and credentials (RFC 9110 §11.4). */
export function splitAuthorization(header: string): { scheme: string; credentials: string } {
  const space = header.indexOf(' ');
  if (space === -1) return { scheme: header.toLowerCase(), credentials: '' };
  return { scheme: header.slice(0, space).toLowerCase(), credentials: header.slice(space + 1).trim() };
}
