import { DpopError, verifyDpopProof, type VerifiedDpopProof, type VerifyDpopProofOptions } from '@tessera/token';
import { GuardError } from './errors.js';
import { dpopProofs, hostOf, type RequestLike } from './extract.js';
import type { GuardLogger, ResolvedDpop } from './options.js';

/**
 * The resource-server side of RFC 9449 §7: exactly one proof per request, made for this method and
 * URI, carrying the token's hash (`ath`), not seen before. The key binding (proof key = `cnf.jkt`) is
 * checked by the guard once the token is validated. Synchronous: the JWT fast path stays promise-free.
 */
export class DpopChecker {
  /** replayKey → expiry in ms; Map order is insertion order, which is (nearly) expiry order. */
  private readonly seen = new Map<string, number>();
  private readonly options: VerifyDpopProofOptions;
  private fullLogged = false;

  constructor(
    private readonly o: ResolvedDpop,
    private readonly now: () => number,
    private readonly log: GuardLogger,
  ) {
    this.options = { htm: '', htu: '', maxAge: o.maxAge, maxFuture: o.maxFuture, algorithms: o.algorithms };
    if (o.nonces !== undefined) this.options.nonce = o.nonces.check;
  }

  /**
   * Verify the request's proof for `token`; returns the proof (its `jkt` must equal the token's
   * `cnf.jkt`). Throws GuardError. A promise only when a shared replay store answers asynchronously.
   */
  verify(request: RequestLike, token: string): VerifiedDpopProof | Promise<VerifiedDpopProof> {
    const proofs = dpopProofs(request.headers);
    if (proofs.length !== 1) throw this.refuse(proofs.length === 0 ? 'no DPoP header' : 'more than one DPoP header');
    const nowMs = this.now();
    const options = this.options;
    options.htm = request.method ?? 'GET';
    options.htu = this.targetUri(request);
    options.now = Math.floor(nowMs / 1000);
    options.accessToken = token;
    let proof: VerifiedDpopProof;
    try {
      proof = verifyDpopProof(proofs[0]!, options);
    } catch (error) {
      if (!(error instanceof DpopError)) throw error;
      if (error.isNonceError) throw new GuardError('use_dpop_nonce', `dpop: ${error.reason}`, { dpop: true, nonce: this.o.nonces!.current() });
      throw this.refuse(error.reason);
    } finally {
      options.accessToken = undefined;
    }
    const untilMs = proof.replayUntil * 1000;
    this.remember(proof.replayKey, untilMs, nowMs);
    const shared = this.o.replayStore;
    if (shared === undefined) return proof;
    let fresh: boolean | Promise<boolean>;
    try {
      fresh = shared.remember(proof.replayKey, untilMs - nowMs);
    } catch (error) {
      return this.sharedStoreFailed(error, proof);
    }
    if (fresh instanceof Promise) return fresh.then((answer) => this.afterSharedStore(answer, proof), (error: unknown) => this.sharedStoreFailed(error, proof));
    return this.afterSharedStore(fresh, proof);
  }

  private afterSharedStore(fresh: boolean, proof: VerifiedDpopProof): VerifiedDpopProof {
    if (fresh !== true) throw this.refuse('replayed (seen by another instance)');
    return proof;
  }

  /** The per-process cache already accepted the proof; `replayStoreFailure` decides whether that suffices. */
  private sharedStoreFailed(error: unknown, proof: VerifiedDpopProof): VerifiedDpopProof {
    this.log('dpop_replay_store_failed', { message: (error as Error)?.message ?? String(error), fallback: this.o.replayStoreFailure });
    if (this.o.replayStoreFailure === 'local') return proof;
    throw new GuardError('temporarily_unavailable', 'dpop replay store unavailable');
  }

  /** A fresh nonce for responses, when nonces are on. */
  nonce(): string | undefined {
    return this.o.nonces?.current();
  }

  private refuse(reason: string): GuardError {
    return new GuardError('invalid_dpop_proof', `dpop: ${reason}`, { dpop: true, ...(this.o.nonces ? { nonce: this.o.nonces.current() } : {}) });
  }

  /**
   * RFC 9449 §11.1: a jti is accepted once per target URI while its proof could be accepted at all.
   * This cache is per process; instances behind a balancer share `dpop.replayStore` on top of it.
   */
  private remember(key: string, untilMs: number, nowMs: number): void {
    const seen = this.seen.get(key);
    if (seen !== undefined && seen > nowMs) throw this.refuse('replayed');
    if (this.seen.size >= this.o.replayCacheSize) {
      for (const [k, until] of this.seen) {
        if (until > nowMs) break;
        this.seen.delete(k);
      }
      if (this.seen.size >= this.o.replayCacheSize) {
        this.seen.delete(this.seen.keys().next().value!);
        if (!this.fullLogged) this.log('dpop_replay_cache_full', { size: this.seen.size });
        this.fullLogged = true;
      }
    }
    this.seen.set(key, untilMs);
  }

  /** The URI the proof must name (`htu`): see DpopOptions.publicBaseUrl. */
  private targetUri(request: RequestLike): string {
    const url = request.url ?? '/';
    const absolute = /^https?:\/\//i.test(url);
    const base = this.o.publicBaseUrl;
    if (base !== undefined) return base + (absolute ? url.replace(/^https?:\/\/[^/?#]*/i, '') : url).split(/[?#]/, 1)[0]!;
    if (absolute) return url;
    const host = hostOf(request.headers);
    if (host === undefined) throw this.refuse('no Host header and no dpop.publicBaseUrl to build htu');
    const protocol = request.protocol === 'http' || request.protocol === 'http:' ? 'http' : 'https';
    return `${protocol}://${host}${url.startsWith('/') ? url : `/${url}`}`;
  }
}
