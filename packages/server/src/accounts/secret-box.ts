import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Small secrets at rest (TOTP seeds): `v1.<iv>.<ciphertext>.<tag>`, AES-256-GCM under the 32-byte
 * master key with a random 96-bit IV (NIST SP 800-38D §8.2.2). `context` (e.g. `totp:<userId>`) is
 * authenticated, so a sealed value copied onto another user's row does not open.
 *
 * `@tessera/token` seals private keys the same way but only for `KeyObject`s, hence this helper.
 */
const VERSION = 'v1';
const PART = /^[A-Za-z0-9_-]+$/;

function aad(context: string): Buffer {
  return Buffer.from(`tessera/secret/${VERSION}/${context}`, 'utf8');
}

function checkKey(masterKey: Buffer): void {
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== 32) throw new RangeError('master key must be 32 bytes');
}

export function sealSecret(plaintext: string, masterKey: Buffer, context: string): string {
  checkKey(masterKey);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv, { authTagLength: 16 });
  cipher.setAAD(aad(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, ciphertext, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** Open a value from {@link sealSecret}; throws `SecretBoxError` if the key, context or bytes are wrong. */
export function openSecret(sealed: string, masterKey: Buffer, context: string): string {
  checkKey(masterKey);
  const parts = typeof sealed === 'string' ? sealed.split('.') : [];
  if (parts.length !== 4 || parts[0] !== VERSION || !parts.slice(1).every((p) => PART.test(p) || p === '')) {
    throw new SecretBoxError('sealed secret is not a v1 envelope');
  }
  const [iv, ciphertext, tag] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
  if (iv.length !== 12 || tag.length !== 16) throw new SecretBoxError('sealed secret has a bad IV or tag length');
  try {
    const decipher = createDecipheriv('aes-256-gcm', masterKey, iv, { authTagLength: 16 });
    decipher.setAAD(aad(context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch (cause) {
    throw new SecretBoxError('cannot open sealed secret: wrong master key, wrong context or altered bytes', { cause });
  }
}

export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}
