import { DenyList, type DenyEntry } from './deny-list.js';
import { discover, type ServerMetadata } from './discovery.js';
import type { VerifiedDpopProof } from '@tessera/token';
import { DpopChecker } from './dpop.js';
import { buildChallenge, GuardError, type ChallengeSchemes } from './errors.js';
import { extractCredentials, type Credentials, type RequestLike } from './extract.js';
import { UpstreamError } from './http.js';
import { checkIntrospected } from './introspected-claims.js';
import { IntrospectionClient } from './introspection.js';
import { JwksCache } from './jwks-cache.js';
import { JwtVerifier, NEEDS_KEYS, UNKNOWN_KID } from './jwt-verifier.js';
import { resolveOptions, type GuardOptions, type ResolvedOptions } from './options.js';
import { SsfReceiver } from './ssf/receiver.js';
import { combineChecks, compileRequirements, type RequirementCheck, type Requirements } from './requirements.js';
import { toResult, type AuthResult } from './result.js';

/** A configured resource-server guard. Create one per process with {@link createGuard} and share it. */
export interface Guard {
  /** The `realm` used in challenges. */
  readonly realm: string;
  /**
   * Validate a request: extract the token (`Bearer`, RFC 6750 §2.1, or `DPoP` with its proof, RFC 9449
   * §7; never from the query), validate it and check `requirements`. Resolves the typed result or
   * rejects with a {@link GuardError}.
   */
  verify(request: RequestLike, requirements?: Requirements): Promise<AuthResult>;
  /**
   * The same as {@link Guard.verify}, but returns synchronously when it can (a JWT whose key is cached:
   * the hot path, with no promise allocated). Throws/rejects GuardError. Adapters use this.
   */
  check(request: RequestLike, requirements?: Requirements): AuthResult | Promise<AuthResult>;
  /** Validate a bare token (no request, hence no DPoP proof: bound tokens are refused); always a promise. */
  verifyToken(token: string, requirements?: Requirements): Promise<AuthResult>;
  /** Validate a bare token; sync when possible, like {@link Guard.check} (the benchmark's entry point). */
  checkToken(token: string, requirements?: Requirements): AuthResult | Promise<AuthResult>;
  /**
   * Validate route requirements now (TypeError on a bad one, STYLE A11) and compile them once; pass
   * the same object to check/verify afterwards. Adapters call it at route registration.
   */
  prepare(requirements: Requirements): Requirements;
  /** Remember a revocation (by jti, session, subject or device) until `until` (s). See DenyEntry. */
  deny(entry: DenyEntry): void;
  /** The WWW-Authenticate value for an error, or the bare challenge (no credentials). */
  challenge(error?: GuardError): string;
  /**
   * The current DPoP nonce when `dpop.nonce` is on (RFC 9449 §9), else undefined. Adapters send it as
   * `DPoP-Nonce` on responses to DPoP requests, so clients renew it without a `use_dpop_nonce` round trip.
   */
  dpopNonce(): string | undefined;
  /** Discover metadata and load keys now (e.g. at startup) instead of on the first request. */
  ready(): Promise<void>;
  /**
   * The Shared Signals receiver (CAEP over RFC 8935 push / RFC 8936 poll, plus Tessera's catch-up feed):
   * verified events land in this guard's deny list. See the README, "Revocation events".
   */
  readonly ssf: SsfReceiver;
}

/**
 * Create a guard. Options are validated now (TypeError on a bad one); the network is touched lazily
 * (first request or {@link Guard.ready}).
 *
 * @example
 * const guard = createGuard({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' });
 * const auth = await guard.verify({ headers: req.headers, method: req.method, url: req.url }, { scopes: ['reports:read'] });
 */
export function createGuard(options: GuardOptions): Guard {
  const o = resolveOptions(options);
  const metadata = lazyMetadata(o);
  const keys = new JwksCache({
    jwksUri: async () => o.jwksUri ?? (await metadata()).jwks_uri ?? Promise.reject(new UpstreamError('metadata has no jwks_uri')),
    fetch: o.fetch, timeoutMs: o.timeoutMs, algorithms: o.algorithms, now: o.now, log: o.log, ...o.jwks,
  });
  const jwt = new JwtVerifier(o, keys);
  const introspection = o.introspection && new IntrospectionClient({
    endpoint: async () => o.introspectionEndpoint ?? (await metadata()).introspection_endpoint
      ?? Promise.reject(new UpstreamError('metadata has no introspection_endpoint')),
    ...o.introspection, fetch: o.fetch, timeoutMs: o.timeoutMs, now: o.now,
  });
  const revocationCheck = o.introspection?.checkJwts === true ? introspection : undefined;
  const denyList = new DenyList(o.denyList.maxEntries, o.denyList.deviceIdClaim, () => Math.floor(o.now() / 1000), o.log);
  const { baseCheck } = o;
  const ssf = new SsfReceiver({
    issuer: o.issuer, audience: o.audience, keys, fetch: o.fetch, timeoutMs: o.timeoutMs, clockTolerance: o.clockTolerance, now: o.now, log: o.log,
    deny(entry) {
      try {
        guard.deny(entry);
      } catch (error) {
        o.log('ssf_deny_refused', { message: (error as Error).message });
      }
    },
  }, o.ssf ?? { maxStaleness: 0 });
  /** With `ssf`, a stale stream means revocations may have been missed (README "Missed events"). */
  const staleRule = o.ssf === undefined || o.ssf.maxStaleness === 0 ? undefined : o.ssf.onStale;
  const dpop = o.dpop && new DpopChecker(o.dpop, o.now, o.log);
  const schemes: ChallengeSchemes = { bearer: o.dpop?.required !== true, dpopAlgs: o.dpop?.algorithms.join(' ') };
  const compiled = new WeakMap<Requirements, RequirementCheck | undefined>();

  function routeCheck(requirements: Requirements | undefined): RequirementCheck | undefined {
    if (requirements === undefined) return baseCheck;
    if (!compiled.has(requirements)) compiled.set(requirements, combineChecks(baseCheck, compileRequirements(requirements, 'requirements')));
    return compiled.get(requirements);
  }

  /**
   * Sender constraint (RFC 9449 §7.1, §7.2), deny list and requirements: re-run on every request,
   * cached or not. A bound token needs a proof by its key; an unbound one may not pose as DPoP.
   * `nowMs` is the clock reading the token was verified at (one read per check: a read costs about as
   * much as a claim check, and one instant for every time rule is also the consistent choice).
   */
  function accept(result: AuthResult, check: RequirementCheck | undefined, proof: VerifiedDpopProof | undefined, nowMs: number): AuthResult {
    const jkt = result.binding?.jkt;
    if (proof === undefined) {
      if (jkt !== undefined) throw new GuardError('invalid_token', 'DPoP-bound token sent as Bearer');
      if (!schemes.bearer) throw new GuardError('invalid_token', 'Bearer tokens are refused (dpop.required)');
    } else if (jkt === undefined) {
      throw new GuardError('invalid_token', 'token is not DPoP-bound but came with the DPoP scheme');
    } else if (jkt !== proof.jkt) {
      throw new GuardError('invalid_dpop_proof', 'dpop: key_mismatch (proof key is not cnf.jkt)');
    }
    const nowSeconds = Math.floor(nowMs / 1000);
    const denied = denyList.check(result.claims, nowSeconds);
    if (denied !== undefined) throw new GuardError('invalid_token', denied);
    check?.(result, nowSeconds);
    return result;
  }

  function refused(error: unknown, scheme: Credentials['scheme'] = 'bearer'): never {
    if (error instanceof GuardError) o.log('refused', { status: error.status, error: error.code ?? null, reason: error.reason, scheme });
    else o.log('guard_failure', { message: (error as Error)?.message });
    if (error instanceof GuardError) throw scheme === 'dpop' ? error.inDpopScheme() : error;
    // Anything unexpected must not leak as a 500 with a stack: it becomes a 503 the operator sees in the log.
    throw new GuardError('temporarily_unavailable', 'internal');
  }

  async function slowJwt(token: string, check: RequirementCheck | undefined, why: typeof NEEDS_KEYS | typeof UNKNOWN_KID, proof: VerifiedDpopProof | undefined): Promise<AuthResult> {
    try {
      if (why === NEEDS_KEYS) await keys.ensureLoaded();
      else if (!(await keys.refreshForUnknownKid())) throw new GuardError('invalid_token', 'unknown_kid (refetch rate-limited)');
    } catch (error) {
      if (error instanceof GuardError) throw error;
      throw new GuardError('temporarily_unavailable', `jwks: ${(error as Error).message}`);
    }
    const nowMs = o.now();
    const result = jwt.verify(token, nowMs);
    if (result === NEEDS_KEYS) throw new GuardError('temporarily_unavailable', 'jwks not loaded');
    if (result === UNKNOWN_KID) throw new GuardError('invalid_token', 'unknown_kid (after refetch)');
    return mustAskServer() ? stillActive(token, result, check, proof, nowMs) : accept(result, check, proof, nowMs);
  }

  /** `introspection.checkJwts`: a locally valid JWT must also be active at the server (cached answer when fresh). */
  function stillActive(token: string, result: AuthResult, check: RequirementCheck | undefined, proof: VerifiedDpopProof | undefined, nowMs: number): AuthResult | Promise<AuthResult> {
    const checker = revocationCheck ?? introspection!;
    const cached = checker.peek(token);
    if (cached === true) return accept(result, check, proof, nowMs);
    if (cached === false) throw new GuardError('invalid_token', 'introspection: inactive');
    // The server answered later: requirements (auth_time max age) are judged at that time.
    return checker.introspect(token).then(() => accept(result, check, proof, o.now()));
  }

  /** JWTs need the server's word when configured so, or when the SSF stream went stale. */
  function mustAskServer(): boolean {
    if (revocationCheck !== undefined) return true;
    if (staleRule === undefined || !ssf.isStale()) return false;
    ssf.heal();
    if (staleRule === 'refuse') throw new GuardError('temporarily_unavailable', 'ssf stream stale: revocations may have been missed');
    return true;
  }

  async function opaque(token: string, check: RequirementCheck | undefined, proof: VerifiedDpopProof | undefined): Promise<AuthResult> {
    if (introspection === undefined) throw new GuardError('invalid_token', 'opaque token and no introspection configured');
    if (!o.introspection!.prefixes.some((prefix) => token.startsWith(prefix))) throw new GuardError('invalid_token', 'opaque token without a known prefix');
    const claims = await introspection.introspect(token);
    const nowMs = o.now();
    checkIntrospected(claims, o.issuer, o.audience, Math.floor(nowMs / 1000), o.clockTolerance);
    return accept(toResult('introspection', claims, o.denyList.deviceIdClaim), check, proof, nowMs);
  }

  function authenticateWith(token: string, check: RequirementCheck | undefined, proof?: VerifiedDpopProof): AuthResult | Promise<AuthResult> {
    try {
      if (token.length > o.maxTokenLength) throw new GuardError('invalid_token', 'too_large');
      if (token.includes('.')) {
        const nowMs = o.now();
        const result = jwt.verify(token, nowMs);
        if (result === NEEDS_KEYS || result === UNKNOWN_KID) return slowJwt(token, check, result, proof).catch(failing(proof));
        if (mustAskServer()) {
          const active = stillActive(token, result, check, proof, nowMs);
          return active instanceof Promise ? active.catch(failing(proof)) : active;
        }
        return accept(result, check, proof, nowMs);
      }
      return opaque(token, check, proof).catch(failing(proof));
    } catch (error) {
      return refused(error, proof === undefined ? 'bearer' : 'dpop');
    }
  }

  /** The rejection handler of an asynchronous path (made only there: the sync path allocates no closure). */
  function failing(proof: VerifiedDpopProof | undefined): (error: unknown) => never {
    return (error) => refused(error, proof === undefined ? 'bearer' : 'dpop');
  }

  const guard: Guard = {
    realm: o.realm,
    check(request, requirements) {
      let credentials: Credentials | undefined;
      let proof: VerifiedDpopProof | undefined;
      try {
        credentials = extractCredentials(request, o.maxTokenLength, dpop !== undefined);
        if (credentials.scheme === 'dpop') {
          const verified = dpop!.verify(request, credentials.token);
          if (verified instanceof Promise) {
            const { token } = credentials;
            return verified.then((p) => authenticateWith(token, routeCheck(requirements), p), (error: unknown) => refused(error, 'dpop'));
          }
          proof = verified;
        }
      } catch (error) {
        return refused(error, credentials?.scheme);
      }
      return authenticateWith(credentials.token, routeCheck(requirements), proof);
    },
    async verify(request, requirements) {
      return guard.check(request, requirements);
    },
    async verifyToken(token, requirements) {
      return authenticateWith(token, routeCheck(requirements));
    },
    checkToken(token, requirements) {
      return authenticateWith(token, routeCheck(requirements));
    },
    prepare(requirements) {
      routeCheck(requirements);
      return requirements;
    },
    deny(entry) {
      denyList.add(entry);
      o.log('denied', { jti: entry.jti !== undefined, sid: entry.sid !== undefined, sub: entry.sub !== undefined, deviceId: entry.deviceId !== undefined, until: entry.until });
    },
    challenge(error) {
      return buildChallenge(o.realm, error, schemes);
    },
    dpopNonce() {
      return dpop?.nonce();
    },
    ssf,
    async ready() {
      if (o.jwksUri === undefined && o.introspectionEndpoint === undefined) await metadata();
      if (o.jwksUri !== undefined || (await metadata()).jwks_uri !== undefined) await keys.ensureLoaded();
    },
  };
  return guard;
}

/** Discovery, once, shared; a failure is retried no sooner than a second later. */
function lazyMetadata(o: ResolvedOptions): () => Promise<ServerMetadata> {
  let pending: Promise<ServerMetadata> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  let failure = '';
  return () => {
    if (pending !== undefined) return pending;
    if (o.now() - failedAt < 1000) return Promise.reject(new UpstreamError(`metadata unavailable (recent failure: ${failure})`));
    pending = discover(o.issuer, o.fetch, o.timeoutMs);
    pending.catch((error: unknown) => {
      pending = undefined;
      failedAt = o.now();
      failure = error instanceof Error ? error.message : String(error);
    });
    return pending;
  };
}
