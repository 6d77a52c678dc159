import { hash, timingSafeEqual } from 'node:crypto';
import type { ClientRecord } from '@tessera/store';
import { invalidClient, invalidRequest } from '../errors.js';
import { parseBasicCredentials, splitAuthorization } from './basic.js';
import { challenge } from './challenge.js';
import type { ClientAuthenticator, PresentedCredentials } from './types.js';

/** Decoded stored digests, per cached client record (the record object is replaced when reloaded). */
const storedDigests = new WeakMap<ClientRecord, Buffer>();

/**
 * Client secrets are server-generated 256-bit values stored only as SHA-256 (`hashSecret` of
 * @tessera/token; DESIGN.md "Client secrets"). The presented secret is hashed once and compared in
 * constant time with the stored digest: both are 32 bytes, so nothing about either leaks.
 */
function verifySecret(client: ClientRecord, presented: PresentedCredentials): boolean {
  if (client.secretHash === null) return false;
  let stored = storedDigests.get(client);
  if (stored === undefined) {
    stored = Buffer.from(client.secretHash, 'base64url');
    storedDigests.set(client, stored);
  }
  // One-shot hash: no Hash object per request (measurable on the client_credentials hot path).
  const digest = hash('sha256', presented.proof, 'buffer') as unknown as Buffer;
  return stored.length === digest.length && timingSafeEqual(stored, digest);
}

/** `client_secret_basic`: HTTP Basic with form-urlencoded id and secret (RFC 6749 §2.3.1). */
export const clientSecretBasic: ClientAuthenticator = {
  method: 'client_secret_basic',
  read({ authorization }) {
    if (authorization === undefined) return undefined;
    const { scheme, credentials } = splitAuthorization(authorization);
    if (scheme !== 'basic') return undefined;
    const parsed = parseBasicCredentials(credentials);
    if (parsed === undefined) {
      throw invalidClient('malformed Basic authorization header', { headers: challenge });
    }
    return { method: 'client_secret_basic', clientId: parsed.clientId, proof: parsed.clientSecret, viaHeader: true };
  },
  verify: verifySecret,
};

/** `client_secret_post`: `client_id` and `client_secret` in the form body (RFC 6749 §2.3.1). */
export const clientSecretPost: ClientAuthenticator = {
  method: 'client_secret_post',
  read({ params }) {
    const secret = params.get('client_secret');
    if (secret === undefined) return undefined;
    const clientId = params.get('client_id');
    if (clientId === undefined) throw invalidRequest('client_secret requires client_id');
    return { method: 'client_secret_post', clientId, proof: secret, viaHeader: false };
  },
  verify: verifySecret,
};
