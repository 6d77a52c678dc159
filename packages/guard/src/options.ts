import { createDpopNonces, DPOP_ALGORITHMS, isDpopAlg, OPAQUE_PREFIXES, type DpopAlg, type DpopNonces } from '@tessera/token';
import { DEFAULT_ALGORITHMS, isSupportedAlgorithm, type JwsAlgorithm } from './algorithms.js';
import { checkedUrl, isLoopback } from './discovery.js';
import type { FetchLike } from './http.js';
import type { DpopReplayStore } from './dpop-replay.js';
import type { SsfReceiverOptions } from './ssf/receiver.js';
import { combineChecks, compileRequirements, type RequirementCheck, type Requirements } from './requirements.js';

/** A log hook: `event` is a stable name, `detail` never holds a token or a secret. */
export type GuardLogger = (event: string, detail: Record<string, unknown>) => void;

/** Options of {@link createGuard}. Times are in seconds unless the name says otherwise. */
export interface GuardOptions {
  /** The authorization server's issuer identifier; compared exactly (RFC 8414 §3.3, RFC 9068 §4). */
  issuer: string;
  /** This resource server's identifier; a token's `aud` must contain it (RFC 9068 §4, RFC 8707). */
  audience: string;
  /** `realm` of the WWW-Authenticate challenge. Default: the audience. */
  realm?: string;
  /** JWS algorithms accepted (allow-list, RFC 8725 §3.1): ES256, EdDSA, RS256. Default: ES256, EdDSA. */
  algorithms?: readonly JwsAlgorithm[];
  /** Leeway for exp/nbf/iat. Default 10 s (FAPI 2.0: accept iat/nbf up to 10 s in the future). Max 300. */
  clockTolerance?: number;
  /** Longest token accepted, in characters, checked before any parsing. Default 8192. */
  maxTokenLength?: number;
  /** Skip discovery by giving the endpoints (both must belong to the issuer's security level). */
  metadata?: { jwksUri?: string; introspectionEndpoint?: string };
  jwks?: {
    /** Minimum seconds between two refetches caused by unknown `kid`s. Default 30. */
    cooldown?: number;
    /** Upper bound on the server's Cache-Control max-age. Default 600. */
    maxAge?: number;
    /** Lower bound (and the default when the server sends none). Default 60. */
    minAge?: number;
  };
  /** Verified-JWT result cache (keyed by SHA-256 of the token). Claims times, deny list and requirements are re-checked on every hit. */
  jwtCache?: { maxEntries?: number; maxAge?: number } | false;
  /** RFC 7662 introspection for opaque tokens (those without a `.`). Without it opaque tokens are refused. */
  introspection?: {
    clientId: string;
    clientSecret: string;
    /** Cache active results at most this long, never past `exp`. Default 0: every request asks the server (revocation seen at once). */
    cacheMaxAge?: number;
    /** Cache inactive results this long. Default 5. */
    inactiveCacheMaxAge?: number;
    /** Bound of the result cache. Default 10 000. */
    maxEntries?: number;
    /**
     * Only tokens starting with one of these are sent to introspection; others are refused locally, so
     * random strings cannot be amplified into requests to the server. Default `['tat_']` (Tessera's
     * access-token prefix); `['']` sends every opaque token.
     */
    prefixes?: readonly string[];
    /**
     * Also introspect JWT access tokens after local validation, so a JWT revoked at the server is
     * refused within `cacheMaxAge` (instead of only at `exp` or by a deny-list event). Costs one
     * introspection per token per `cacheMaxAge`. Default false.
     */
    checkJwts?: boolean;
  };
  /**
   * DPoP (RFC 9449 §7): accepted by default next to Bearer; `false` turns the DPoP scheme off.
   * A DPoP-bound token (`cnf.jkt`) is always refused with the Bearer scheme.
   */
  dpop?: false | DpopOptions;
  /**
   * Rely on OpenID Shared Signals (CAEP) for revocation: enables the stream-health rule (a guard that
   * has not heard from the transmitter for `maxStaleness` stops trusting JWTs on their own). SETs are
   * fed through `guard.ssf` (push handler, poller, catch-up feed) either way.
   */
  ssf?: SsfReceiverOptions;
  /** Requirements applied to every request (routes add their own). */
  requiredScopes?: readonly string[];
  requirements?: Requirements;
  /** Deny list bounds. `deviceIdClaim` names the claim carrying the device id. Default `device_id`. */
  denyList?: { maxEntries?: number; deviceIdClaim?: string };
  /** HTTP timeout for discovery, JWKS and introspection, in ms. Default 5000. */
  timeoutMs?: number;
  /** Injected fetch (tests, proxies). Default: global fetch. */
  fetch?: FetchLike;
  /** Injected clock in milliseconds since the epoch (like Date.now). Default Date.now. */
  now?: () => number;
  /** Receives every refusal with its precise reason, and cache events. Default: silent. */
  onEvent?: GuardLogger;
}

/** Options of the guard's DPoP support (RFC 9449 §7). Times in seconds. */
export interface DpopOptions {
  /** Refuse Bearer tokens altogether: every token must be DPoP-bound and come with a proof. Default false. */
  required?: boolean;
  /** Proof algorithms accepted (and listed in `algs` of the challenge). Default ES256, EdDSA, RS256, PS256. */
  algorithms?: readonly DpopAlg[];
  /** How old a proof's `iat` may be. Default 60. */
  maxAge?: number;
  /** How far in the future a proof's `iat` may be. Default 5. */
  maxFuture?: number;
  /**
   * This API's public origin (and path prefix), e.g. `https://api.example.com` or
   * `https://example.com/reports`: the `htu` a proof must name is this plus the request path. Set it
   * behind a proxy or load balancer; without it the guard uses the absolute request URL when the adapter
   * has one, else the `Host` header and the adapter's protocol (which a client controls).
   */
  publicBaseUrl?: string;
  /** Bound of the in-memory jti replay cache (entries live for the iat window). Default 100 000. */
  replayCacheSize?: number;
  /**
   * A replay store shared by all instances of this API (e.g. {@link redisDpopReplayStore}), consulted
   * after the per-process cache. Without it a proof can be replayed once against each other instance
   * within `maxAge`. A store that returns a promise makes `check()` asynchronous for DPoP requests.
   */
  replayStore?: DpopReplayStore;
  /**
   * When the shared store fails (throws or rejects): `refuse` (default) answers 503
   * `temporarily_unavailable`; `local` accepts on the per-process cache alone. Either way it is logged
   * as `dpop_replay_store_failed`.
   */
  replayStoreFailure?: 'refuse' | 'local';
  /**
   * Demand server nonces (RFC 9449 §9): a proof without a current nonce gets 401 `use_dpop_nonce`
   * with a `DPoP-Nonce` header. Instances of one API must share `secret` (≥ 32 bytes).
   */
  nonce?: { secret: Buffer; windowSeconds?: number };
}

export interface ResolvedDpop {
  required: boolean;
  algorithms: readonly DpopAlg[];
  maxAge: number;
  maxFuture: number;
  publicBaseUrl: string | undefined;
  replayCacheSize: number;
  replayStore: DpopReplayStore | undefined;
  replayStoreFailure: 'refuse' | 'local';
  nonces: DpopNonces | undefined;
}

export interface ResolvedOptions {
  issuer: string;
  audience: string;
  realm: string;
  algorithms: ReadonlySet<JwsAlgorithm>;
  clockTolerance: number;
  maxTokenLength: number;
  jwksUri: string | undefined;
  introspectionEndpoint: string | undefined;
  jwks: { cooldownMs: number; maxAgeMs: number; minAgeMs: number };
  jwtCache: { maxEntries: number; maxAgeMs: number } | undefined;
  introspection: { clientId: string; clientSecret: string; cacheMaxAge: number; inactiveCacheMaxAge: number; maxEntries: number; checkJwts: boolean; prefixes: readonly string[] } | undefined;
  denyList: { maxEntries: number; deviceIdClaim: string };
  dpop: ResolvedDpop | undefined;
  ssf: (SsfReceiverOptions & { onStale: 'introspect' | 'refuse' }) | undefined;
  /** `requiredScopes` and `requirements`, compiled. */
  baseCheck: RequirementCheck | undefined;
  timeoutMs: number;
  fetch: FetchLike;
  now: () => number;
  log: GuardLogger;
}

/** Validate and default every option at construction (STYLE A11): a bad option throws TypeError now, not at the first request. */
export function resolveOptions(o: GuardOptions): ResolvedOptions {
  if (typeof o !== 'object' || o === null) throw new TypeError('createGuard: options are required');
  const issuer = issuerOf(o.issuer);
  if (typeof o.audience !== 'string' || o.audience === '') throw new TypeError('createGuard: audience must be a non-empty string');
  const algorithms = o.algorithms ?? DEFAULT_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw new TypeError('createGuard: algorithms must be a non-empty array');
  for (const alg of algorithms) {
    if (!isSupportedAlgorithm(alg)) throw new TypeError(`createGuard: algorithm ${String(alg)} is not supported (asymmetric JWS algorithms only)`);
  }
  const intro = o.introspection;
  if (intro !== undefined) {
    if (typeof intro.clientId !== 'string' || intro.clientId === '') throw new TypeError('createGuard: introspection.clientId must be a non-empty string');
    if (typeof intro.clientSecret !== 'string' || intro.clientSecret === '') throw new TypeError('createGuard: introspection.clientSecret must be a non-empty string');
  }
  const fetchImpl = o.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  if (typeof fetchImpl !== 'function') throw new TypeError('createGuard: fetch must be a function');
  if (o.now !== undefined && typeof o.now !== 'function') throw new TypeError('createGuard: now must be a function returning milliseconds');
  if (o.onEvent !== undefined && typeof o.onEvent !== 'function') throw new TypeError('createGuard: onEvent must be a function');
  const cache = o.jwtCache === false ? undefined : o.jwtCache ?? {};
  const realm = o.realm ?? o.audience;
  if (typeof realm !== 'string') throw new TypeError('createGuard: realm must be a string');
  const jwksUri = o.metadata?.jwksUri === undefined ? undefined : endpoint(o.metadata.jwksUri, 'metadata.jwksUri', issuer);
  const introspectionEndpoint = o.metadata?.introspectionEndpoint === undefined
    ? undefined
    : endpoint(o.metadata.introspectionEndpoint, 'metadata.introspectionEndpoint', issuer);
  return {
    issuer,
    audience: o.audience,
    realm,
    algorithms: new Set(algorithms),
    clockTolerance: seconds(o.clockTolerance, 'clockTolerance', 10, 0, 300),
    maxTokenLength: seconds(o.maxTokenLength, 'maxTokenLength', 8192, 64, 1 << 20),
    jwksUri,
    introspectionEndpoint,
    jwks: {
      cooldownMs: seconds(o.jwks?.cooldown, 'jwks.cooldown', 30, 0, 3600) * 1000,
      maxAgeMs: seconds(o.jwks?.maxAge, 'jwks.maxAge', 600, 0, 86_400) * 1000,
      minAgeMs: seconds(o.jwks?.minAge, 'jwks.minAge', 60, 0, 86_400) * 1000,
    },
    jwtCache: cache === undefined ? undefined : {
      maxEntries: seconds(cache.maxEntries, 'jwtCache.maxEntries', 10_000, 1, 10_000_000),
      maxAgeMs: seconds(cache.maxAge, 'jwtCache.maxAge', 60, 0, 3600) * 1000,
    },
    introspection: intro === undefined ? undefined : {
      clientId: intro.clientId,
      clientSecret: intro.clientSecret,
      cacheMaxAge: seconds(intro.cacheMaxAge, 'introspection.cacheMaxAge', 0, 0, 3600),
      inactiveCacheMaxAge: seconds(intro.inactiveCacheMaxAge, 'introspection.inactiveCacheMaxAge', 5, 0, 3600),
      maxEntries: seconds(intro.maxEntries, 'introspection.maxEntries', 10_000, 1, 10_000_000),
      checkJwts: flag(intro.checkJwts, 'introspection.checkJwts'),
      prefixes: prefixes(intro.prefixes),
    },
    denyList: {
      maxEntries: seconds(o.denyList?.maxEntries, 'denyList.maxEntries', 100_000, 1, 10_000_000),
      deviceIdClaim: nonEmpty(o.denyList?.deviceIdClaim ?? 'device_id', 'denyList.deviceIdClaim'),
    },
    dpop: resolveDpop(o.dpop, o.now ?? Date.now),
    ssf: resolveSsf(o.ssf, intro !== undefined, issuer),
    baseCheck: combineChecks(
      compileRequirements(o.requiredScopes === undefined ? undefined : { scopes: o.requiredScopes }, 'createGuard: requiredScopes'),
      compileRequirements(o.requirements, 'createGuard: requirements'),
    ),
    timeoutMs: seconds(o.timeoutMs, 'timeoutMs', 5000, 1, 120_000),
    fetch: fetchImpl,
    now: o.now ?? Date.now,
    log: o.onEvent ?? (() => undefined),
  };
}

/** RFC 8414 §2: https URL without query or fragment. Plain http is accepted only on loopback (development). */
function issuerOf(value: unknown): string {
  if (typeof value !== 'string') throw new TypeError('createGuard: issuer must be a URL string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError('createGuard: issuer must be an absolute URL');
  }
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) {
    throw new TypeError('createGuard: issuer must not have a query or fragment (RFC 8414 §2)');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    throw new TypeError('createGuard: issuer must use https (http only on localhost/127.0.0.1/[::1])');
  }
  return value;
}

function endpoint(value: string, name: string, issuer: string): string {
  try {
    return checkedUrl(value, name, issuer);
  } catch (error) {
    throw new TypeError(`createGuard: ${(error as Error).message}`, { cause: error });
  }
}

function seconds(value: number | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`createGuard: ${name} must be an integer between ${min} and ${max}`);
  }
  return value;
}

function nonEmpty(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`createGuard: ${name} must be a non-empty string`);
  return value;
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`createGuard: ${name} must be a boolean`);
  return value;
}

function prefixes(value: unknown): readonly string[] {
  if (value === undefined) return [OPAQUE_PREFIXES.access_token];
  if (!Array.isArray(value) || value.length === 0 || !value.every((p) => typeof p === 'string')) {
    throw new TypeError('createGuard: introspection.prefixes must be a non-empty array of strings');
  }
  return [...value];
}

function resolveDpop(value: GuardOptions['dpop'], now: () => number): ResolvedDpop | undefined {
  if (value === false) return undefined;
  if (value !== undefined && (typeof value !== 'object' || value === null)) throw new TypeError('createGuard: dpop must be false or an object');
  const d = value ?? {};
  const algorithms = d.algorithms ?? DPOP_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every(isDpopAlg)) {
    throw new TypeError(`createGuard: dpop.algorithms must be a non-empty subset of ${DPOP_ALGORITHMS.join(', ')}`);
  }
  let publicBaseUrl: string | undefined;
  if (d.publicBaseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(d.publicBaseUrl);
    } catch {
      throw new TypeError('createGuard: dpop.publicBaseUrl must be an absolute URL');
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
      throw new TypeError('createGuard: dpop.publicBaseUrl must be an http(s) URL without query or fragment');
    }
    publicBaseUrl = `${url.origin}${url.pathname.replace(/\/$/, '')}`;
  }
  let nonces: DpopNonces | undefined;
  if (d.nonce !== undefined) {
    try {
      nonces = createDpopNonces({ secret: d.nonce.secret, windowSeconds: d.nonce.windowSeconds, now });
    } catch (error) {
      throw new TypeError(`createGuard: dpop.nonce: ${(error as Error).message}`, { cause: error });
    }
  }
  return {
    required: flag(d.required, 'dpop.required'),
    algorithms: [...algorithms],
    maxAge: seconds(d.maxAge, 'dpop.maxAge', 60, 1, 600),
    maxFuture: seconds(d.maxFuture, 'dpop.maxFuture', 5, 0, 60),
    publicBaseUrl,
    replayCacheSize: seconds(d.replayCacheSize, 'dpop.replayCacheSize', 100_000, 1, 10_000_000),
    replayStore: replayStoreOf(d.replayStore),
    replayStoreFailure: oneOf(d.replayStoreFailure, 'dpop.replayStoreFailure', ['refuse', 'local'] as const, 'refuse'),
    nonces,
  };
}

function replayStoreOf(value: unknown): DpopReplayStore | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || typeof (value as DpopReplayStore).remember !== 'function') {
    throw new TypeError('createGuard: dpop.replayStore must have a remember(key, ttlMs) method');
  }
  return value as DpopReplayStore;
}

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new TypeError(`createGuard: ${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function resolveSsf(value: SsfReceiverOptions | undefined, hasIntrospection: boolean, issuer: string): ResolvedOptions['ssf'] {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw new TypeError('createGuard: ssf must be an object');
  if (value.audience !== undefined) nonEmpty(value.audience, 'ssf.audience');
  seconds(value.maxTokenLifetime, 'ssf.maxTokenLifetime', 86_400, 60, 366 * 86_400);
  seconds(value.maxStaleness, 'ssf.maxStaleness', 120, 0, 86_400);
  seconds(value.dedupeSize, 'ssf.dedupeSize', 10_000, 1, 10_000_000);
  if (value.getAccessToken !== undefined && typeof value.getAccessToken !== 'function') throw new TypeError('createGuard: ssf.getAccessToken must be a function');
  const onStale = value.onStale ?? (hasIntrospection ? 'introspect' : 'refuse');
  if (onStale !== 'introspect' && onStale !== 'refuse') throw new TypeError('createGuard: ssf.onStale must be "introspect" or "refuse"');
  if (onStale === 'introspect' && !hasIntrospection) throw new TypeError('createGuard: ssf.onStale "introspect" needs introspection credentials');
  const feedUrl = value.feedUrl === undefined ? undefined : endpoint(value.feedUrl, 'ssf.feedUrl', issuer);
  return { ...value, onStale, ...(feedUrl === undefined ? {} : { feedUrl }) };
}
