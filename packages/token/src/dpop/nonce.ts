import { createHmac, timingSafeEqual } from 'node:crypto';

/** Options of {@link createDpopNonces}. */
export interface DpopNonceOptions {
  /** ≥ 32 bytes of secret; every instance of one server must share it (e.g. derived from the master key). */
  secret: Buffer;
  /** Length of a nonce window in seconds; a nonce stays valid for one to two windows. Default 60. */
  windowSeconds?: number;
  /** Clock in milliseconds since the epoch. Default Date.now. */
  now?: () => number;
}

/** Server-provided DPoP nonces (RFC 9449 §8, §9): issue the current one, check a proof's. */
export interface DpopNonces {
  /** The nonce to send in `DPoP-Nonce` now. */
  current(): string;
  /** True when `nonce` is the current or the previous window's nonce. */
  check(nonce: string | undefined): boolean;
}

/**
 * Stateless nonces: HMAC-SHA-256 of the window index under a secret, truncated to 128 bits. Nothing is
 * stored, every instance sharing the secret agrees, and a nonce expires by itself after at most two
 * windows — which bounds how far ahead a client can pre-compute proofs (RFC 9449 §11.2).
 */
export function createDpopNonces(options: DpopNonceOptions): DpopNonces {
  if (!Buffer.isBuffer(options.secret) || options.secret.length < 32) throw new TypeError('createDpopNonces: secret must be at least 32 bytes');
  const windowMs = (options.windowSeconds ?? 60) * 1000;
  if (!Number.isInteger(windowMs) || windowMs < 1000) throw new TypeError('createDpopNonces: windowSeconds must be a positive integer');
  const now = options.now ?? Date.now;
  const memo = new Map<number, string>();
  const nonceOf = (window: number): string => {
    let nonce = memo.get(window);
    if (nonce === undefined) {
      nonce = createHmac('sha256', options.secret).update(`dpop-nonce:${window}`).digest().subarray(0, 16).toString('base64url');
      if (memo.size >= 4) memo.clear();
      memo.set(window, nonce);
    }
    return nonce;
  };
  const equal = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
  return {
    current: () => nonceOf(Math.floor(now() / windowMs)),
    check(nonce) {
      if (typeof nonce !== 'string' || nonce.length !== 22) return false;
      const window = Math.floor(now() / windowMs);
      return equal(nonce, nonceOf(window)) || equal(nonce, nonceOf(window - 1));
    },
  };
}
