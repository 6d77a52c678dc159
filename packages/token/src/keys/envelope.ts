import { createCipheriv, createDecipheriv, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { TokenError } from '../errors.js';
import { MASTER_KEY_BYTES } from './master-key.js';

/**
 * Private keys at rest: `v1.<iv>.<ciphertext>.<tag>` (base64url parts), AES-256-GCM over the PKCS#8 DER
 * of the key with a random 96-bit IV (NIST SP 800-38D §8.2.2). The `kid` is bound as additional
 * authenticated data, so an envelope copied onto another key's row fails to decrypt instead of
 * silently signing under the wrong `kid`.
 */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function aad(kid: string): Buffer {
  return Buffer.from(`tessera/signing-key/${VERSION}/${kid}`, 'utf8');
}

function checkMasterKey(masterKey: Buffer): void {
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== MASTER_KEY_BYTES) {
    throw new TokenError('invalid_master_key', `master key must be ${MASTER_KEY_BYTES} bytes`);
  }
}

/** Encrypt a private key under the master key; `kid` is authenticated but not encrypted. */
export function encryptPrivateKey(privateKey: KeyObject, masterKey: Buffer, kid: string): string {
  checkMasterKey(masterKey);
  if (privateKey.type !== 'private') throw new TokenError('invalid_key', 'only private keys are encrypted');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(kid));
  const ciphertext = Buffer.concat([cipher.update(der), cipher.final()]);
  der.fill(0);
  return [VERSION, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

const PART = /^[A-Za-z0-9_-]+$/;

/**
 * Decrypt an envelope made by {@link encryptPrivateKey}. A wrong master key, a tampered envelope or an
 * envelope belonging to another `kid` all fail with `decrypt_failed` (GCM cannot tell them apart).
 */
export function decryptPrivateKey(envelope: string, masterKey: Buffer, kid: string): KeyObject {
  checkMasterKey(masterKey);
  const parts = typeof envelope === 'string' ? envelope.split('.') : [];
  if (parts.length !== 4 || parts[0] !== VERSION || !parts.slice(1).every((p) => PART.test(p))) {
    throw new TokenError('malformed', 'private key envelope is not a v1 envelope');
  }
  const iv = Buffer.from(parts[1]!, 'base64url');
  const ciphertext = Buffer.from(parts[2]!, 'base64url');
  const tag = Buffer.from(parts[3]!, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new TokenError('malformed', 'private key envelope has a bad IV or tag length');
  }
  let der: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', masterKey, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(kid));
    decipher.setAuthTag(tag);
    der = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (cause) {
    throw new TokenError(
      'decrypt_failed',
      `cannot decrypt the private key of kid ${kid}: wrong master key, or the envelope was altered or belongs to another key`,
      { cause },
    );
  }
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new TokenError('invalid_key', `decrypted key material of kid ${kid} is not a PKCS#8 key`, { cause });
  } finally {
    der.fill(0);
  }
}
