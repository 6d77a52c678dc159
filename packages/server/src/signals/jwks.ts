import { importPublicJwk, type SigningAlg, type VerificationKey } from '@tessera/token';
import { SignalUnavailableError } from './reply.js';

/** The largest JWKS document read; a transmitter publishes a handful of keys. */
const MAX_JWKS_BYTES = 256 * 1024;

export interface RemoteJwksOptions {
  url: string;
  /** Algorithms accepted; keys for others are skipped. */
  algorithms: readonly SigningAlg[];
  /** A fetched JWKS is used this long before it is fetched again, ms. */
  ttlMs: number;
  /** Least time between two fetches caused by an unknown `kid`, ms. */
  cooldownMs: number;
  /** Bound on one fetch, ms. */
  timeoutMs?: number;
  now: () => number;
  fetch?: typeof fetch;
}

/** The key a JWK is for: its own `alg` when present, otherwise the one algorithm its type allows here. */
function algOf(jwk: Record<string, unknown>): SigningAlg | undefined {
  if (typeof jwk.alg === 'string') return jwk.alg as SigningAlg;
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'RSA') return 'RS256';
  return undefined;
}

/**
 * A transmitter's JWKS, fetched on first use and cached for `ttlMs`. A `kid` not in the cache causes one
 * refetch, at most every `cooldownMs` (forged kids cannot make us hammer the transmitter); concurrent
 * callers share one fetch. When a refetch fails the last good keys stay in use; with no keys at all the
 * caller gets {@link SignalUnavailableError} (503: the transmitter retries later).
 */
export function createRemoteJwks(options: RemoteJwksOptions) {
  const doFetch = options.fetch ?? fetch;
  let keys: VerificationKey[] | undefined;
  let fetchedAt = 0;
  let lastUnknownKidFetch = Number.NEGATIVE_INFINITY;
  let inflight: Promise<void> | undefined;

  async function load(): Promise<void> {
    // No redirects: the configured (https) location is the only place keys come from.
    const res = await doFetch(options.url, { signal: AbortSignal.timeout(options.timeoutMs ?? 5000), headers: { accept: 'application/json' }, redirect: 'error' });
    if (!res.ok) throw new Error(`JWKS ${options.url} answered ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error(`JWKS ${options.url} is larger than ${MAX_JWKS_BYTES} bytes`);
    const doc = JSON.parse(text) as { keys?: unknown };
    if (!Array.isArray(doc.keys)) throw new Error(`JWKS ${options.url} has no "keys" array`);
    const next: VerificationKey[] = [];
    for (const jwk of doc.keys as Record<string, unknown>[]) {
      if (jwk === null || typeof jwk !== 'object' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
      const alg = algOf(jwk);
      if (alg === undefined || !options.algorithms.includes(alg)) continue;
      try {
        next.push({ kid: typeof jwk.kid === 'string' ? jwk.kid : '', alg, key: importPublicJwk(jwk, alg) });
      } catch {
        // A key we cannot use (wrong type for its alg, private members, short RSA) is skipped, not fatal.
      }
    }
    keys = next;
    fetchedAt = options.now();
  }

  async function refresh(): Promise<void> {
    inflight ??= load().finally(() => {
      inflight = undefined;
    });
    try {
      await inflight;
    } catch (error) {
      if (keys === undefined) throw new SignalUnavailableError(`the transmitter's JWKS could not be fetched`, { cause: error });
    }
  }

  function find(kid: string | undefined, alg: SigningAlg): VerificationKey | undefined {
    const candidates = (keys ?? []).filter((k) => k.alg === alg);
    if (kid !== undefined) return candidates.find((k) => k.kid === kid);
    // No kid: usable only when the choice is unambiguous.
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  return {
    /** The key for a SET header's `kid` and `alg`, refetching once (rate-limited) for an unknown kid. */
    async resolve(kid: string | undefined, alg: SigningAlg): Promise<VerificationKey | undefined> {
      const expired = keys === undefined || options.now() - fetchedAt > options.ttlMs;
      if (expired) await refresh();
      const found = find(kid, alg);
      // A fetch just made already answered for this kid.
      if (found || expired || options.now() - lastUnknownKidFetch < options.cooldownMs) return found;
      lastUnknownKidFetch = options.now();
      await refresh();
      return find(kid, alg);
    },
  };
}

export type RemoteJwks = ReturnType<typeof createRemoteJwks>;
