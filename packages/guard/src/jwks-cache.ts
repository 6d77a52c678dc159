import type { JwsAlgorithm } from './algorithms.js';
import { fetchJson, isPlainObject, UpstreamError, type FetchLike } from './http.js';
import { importJwk, type KeyEntry } from './jwk-import.js';

/** Wait between background attempts after a failed JWKS fetch. */
const RETRY_MS = 5_000;

export interface JwksCacheOptions {
  /** Resolves the `jwks_uri` (from discovery or configuration). */
  jwksUri: () => Promise<string>;
  fetch: FetchLike;
  timeoutMs: number;
  algorithms: ReadonlySet<JwsAlgorithm>;
  /** Minimum time between two fetches caused by an unknown `kid` (ms). */
  cooldownMs: number;
  /** Bounds applied to the server's `Cache-Control: max-age` (ms). */
  minAgeMs: number;
  maxAgeMs: number;
  now: () => number;
  log: (event: string, detail: Record<string, unknown>) => void;
}

/**
 * The authorization server's signing keys, imported once into KeyObjects and looked up synchronously.
 *
 * - Fresh for the server's `Cache-Control: max-age`, clamped to [minAge, maxAge]; when stale, the keys
 *   stay in use while one background refresh runs (the hot path never waits on the network); if the
 *   server is unreachable the old keys stay in use and a refresh is retried every 5 s.
 * - An unknown `kid` causes at most one refetch per cooldown, shared by all concurrent callers
 *   (single-flight), so a flood of forged `kid`s costs the server one request per cooldown.
 * - Rotation: the server publishes the next key ahead of signing with it (OIDC Core §10.1.1), and an
 *   unknown `kid` refetches, so a rotation never rejects a valid token.
 */
export class JwksCache {
  private byKid = new Map<string, KeyEntry[]>();
  private loaded = false;
  private freshUntil = 0;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private lastUnknownKidRefresh = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  /** Bumped on every successful refresh, so caches of verified tokens can tell keys changed. */
  generation = 0;

  constructor(private readonly options: JwksCacheOptions) {}

  get isLoaded(): boolean {
    return this.loaded;
  }

  /**
   * The key for a token header's `kid`/`alg` (the `getKey` resolver of `verifyJwt`). Returns the
   * entry pinned to `alg` when the `kid` has one; otherwise any entry of that `kid` (verification then
   * refuses the algorithm mismatch); `undefined` for an unknown `kid`. A token without `kid` is matched
   * only when exactly one key of its algorithm exists (keys without `kid` are stored under `''`).
   */
  readonly getKey = (kid: string | undefined, alg: string): KeyEntry | undefined => {
    if (kid === undefined) {
      let found: KeyEntry | undefined;
      let count = 0;
      for (const list of this.byKid.values()) for (const entry of list) if (entry.alg === alg) { found = entry; count++; }
      return count === 1 ? found : undefined;
    }
    const list = this.byKid.get(kid);
    if (list === undefined) return undefined;
    for (const entry of list) if (entry.alg === alg) return entry;
    return list[0];
  };

  /**
   * Start a background refresh when the keys are past their max-age (never awaited on the hot path).
   * `now` lets the caller pass the clock reading it already took for this request.
   */
  refreshIfStale(now = this.options.now()): void {
    if (now < this.freshUntil || this.inflight !== undefined) return;
    this.refresh('stale').catch(() => undefined);
  }

  /**
   * Load the keys once (first use). After a failed first load, further attempts are spaced by at
   * least a second so an unreachable server is not hammered by every request.
   */
  ensureLoaded(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    if (this.inflight === undefined && this.options.now() - this.lastAttempt < 1000) {
      return Promise.reject(new UpstreamError('JWKS unavailable (last attempt failed less than 1 s ago)'));
    }
    return this.refresh('initial');
  }

  /**
   * Refetch because a token named an unknown `kid`. Resolves `true` if a fetch happened (or was already
   * in flight) and the caller should retry, `false` when the cooldown forbids it. Only refetches caused
   * by unknown kids count against the cooldown: a routine (max-age) fetch just before an emergency
   * rotation must not delay learning the new key.
   */
  async refreshForUnknownKid(): Promise<boolean> {
    if (this.inflight !== undefined) {
      await this.inflight;
      return true;
    }
    const now = this.options.now();
    if (now - this.lastUnknownKidRefresh < this.options.cooldownMs) return false;
    this.lastUnknownKidRefresh = now;
    await this.refresh('unknown kid');
    return true;
  }

  /**
   * Single-flight fetch of the JWKS; replaces the key set atomically on success. On failure the
   * current keys stay in use and the next background attempt waits RETRY_MS.
   */
  refresh(reason: string): Promise<void> {
    this.inflight ??= this.fetchKeys(reason)
      .catch((error: unknown) => {
        this.freshUntil = this.options.now() + RETRY_MS;
        this.options.log('jwks_refresh_failed', { reason, message: (error as Error).message });
        throw error;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async fetchKeys(reason: string): Promise<void> {
    const { options } = this;
    this.lastAttempt = options.now();
    const uri = await options.jwksUri();
    const res = await fetchJson(options.fetch, uri, {}, options.timeoutMs);
    if (res.status !== 200 || !isPlainObject(res.body) || !Array.isArray(res.body.keys)) {
      throw new UpstreamError(`${uri}: answered ${res.status} without a JWKS`, res.status);
    }
    const byKid = new Map<string, KeyEntry[]>();
    const skipped: string[] = [];
    for (const jwk of res.body.keys) {
      const result = importJwk(jwk, options.algorithms);
      if (!result.ok) {
        skipped.push(result.reason);
        continue;
      }
      // FAPI 2.0: kids should be unique; when not, entries of one kid are told apart by alg.
      byKid.set(result.entry.kid, [...(byKid.get(result.entry.kid) ?? []), result.entry]);
    }
    this.byKid = byKid;
    this.loaded = true;
    this.generation++;
    const maxAgeMs = res.maxAge === undefined ? options.minAgeMs : res.maxAge * 1000;
    this.freshUntil = options.now() + Math.min(options.maxAgeMs, Math.max(options.minAgeMs, maxAgeMs));
    options.log('jwks_refreshed', { reason, keys: byKid.size, skipped });
  }
}
