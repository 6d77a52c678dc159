import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Interaction state carried by the browser between the pages of one sign-in: the validated
 * authorization request and how far the person got. It is sealed with AES-256-GCM (NIST SP 800-38D)
 * under a key derived from the master key, so any node that shares the master key and the database
 * can continue the interaction — no sticky sessions, no interaction table — while the browser can
 * neither read nor alter it. The cookie name is authenticated too (AAD), and every sealed value
 * carries its own expiry.
 *
 * Format: base64url(iv ‖ ciphertext ‖ tag), 12-byte random IV, 16-byte tag.
 */
export interface Sealer {
  seal(purpose: string, value: object, expiresAtMs: number): string;
  /** The value if it opens, belongs to `purpose` and has not expired at `nowMs`; otherwise `undefined`. Never throws. */
  open<T>(purpose: string, sealed: string | undefined, nowMs: number): T | undefined;
}

/**
 * Longest sealed value accepted. Browsers keep about 4 KiB per cookie, and a browser may hold several
 * interactions (see authorize/interaction.ts, at most 4): 4 × 3000 stays well inside Node's 16 KiB
 * request-header limit.
 */
export const MAX_SEALED_LENGTH = 3000;

/** Derive a purpose-bound 32-byte key from the master key (RFC 5869 HKDF-SHA256). */
export function deriveKey(masterKey: Buffer, info: string): Buffer {
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== 32) throw new RangeError('master key must be 32 bytes');
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `tessera/${info}`, 32));
}

export function createSealer(key: Buffer): Sealer {
  if (!Buffer.isBuffer(key) || key.length !== 32) throw new RangeError('sealing key must be 32 bytes');
  const aad = (purpose: string) => Buffer.from(`tessera/sealed/v1/${purpose}`, 'utf8');
  return {
    seal(purpose, value, expiresAtMs) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
      cipher.setAAD(aad(purpose));
      const plaintext = Buffer.from(JSON.stringify({ exp: expiresAtMs, value }), 'utf8');
      return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).toString('base64url');
    },
    open<T>(purpose: string, sealed: string | undefined, nowMs: number): T | undefined {
      if (typeof sealed !== 'string' || sealed.length > MAX_SEALED_LENGTH || !/^[A-Za-z0-9_-]+$/.test(sealed)) return undefined;
      const bytes = Buffer.from(sealed, 'base64url');
      if (bytes.length < 12 + 16 + 2) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12), { authTagLength: 16 });
        decipher.setAAD(aad(purpose));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        const plaintext = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
        const parsed = JSON.parse(plaintext.toString('utf8')) as { exp?: unknown; value?: unknown };
        if (typeof parsed.exp !== 'number' || parsed.exp <= nowMs || typeof parsed.value !== 'object' || parsed.value === null) return undefined;
        return parsed.value as T;
      } catch {
        return undefined;
      }
    },
  };
}
