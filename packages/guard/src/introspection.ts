import { createHash } from 'node:crypto';
import { GuardError } from './errors.js';
import { fetchJson, isPlainObject, UpstreamError, type FetchLike } from './http.js';
import { ExpiringLru } from './lru.js';
import type { AccessTokenClaims } from './result.js';

export interface IntrospectionClientOptions {
  endpoint: () => Promise<string>;
  clientId: string;
  clientSecret: string;
  fetch: FetchLike;
  timeoutMs: number;
  /** Cache active results at most this long (s); never past the token's `exp`. 0 disables. */
  cacheMaxAge: number;
  /** Cache inactive results this long (s). */
  inactiveCacheMaxAge: number;
  maxEntries: number;
  now: () => number;
}

type Outcome = { active: true; claims: AccessTokenClaims } | { active: false };

/**
 * RFC 7662 client. The guard authenticates with client_secret_basic (RFC 6749 §2.3.1: id and secret
 * form-urlencoded before base64). Results are cached by SHA-256 of the token (the raw token is never a
 * key), bounded (LRU), and concurrent lookups of one token share one request (single-flight).
 */
export class IntrospectionClient {
  private readonly cache: ExpiringLru<Outcome>;
  private readonly inflight = new Map<string, Promise<Outcome>>();
  private readonly authorization: string;

  constructor(private readonly options: IntrospectionClientOptions) {
    this.cache = new ExpiringLru(options.maxEntries);
    const form = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
    const basic = `${form(options.clientId)}:${form(options.clientSecret)}`;
    this.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  }

  /** Introspect (or answer from cache). Returns the claims of an active token; throws GuardError otherwise. */
  async introspect(token: string): Promise<AccessTokenClaims> {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = this.options.now();
    let outcome = this.cache.get(key, now);
    if (outcome === undefined) {
      let pending = this.inflight.get(key);
      if (pending === undefined) {
        pending = this.lookup(token, key).finally(() => this.inflight.delete(key));
        this.inflight.set(key, pending);
      }
      outcome = await pending;
    }
    if (!outcome.active) throw new GuardError('invalid_token', 'introspection: inactive');
    return outcome.claims;
  }

  /** The cached answer for a token without asking the server: true (active), false, or undefined (unknown). */
  peek(token: string): boolean | undefined {
    return this.cache.get(createHash('sha256').update(token).digest('base64url'), this.options.now())?.active;
  }

  /** Forget a cached result (e.g. on a revocation event for this token). */
  forget(token: string): void {
    this.cache.delete(createHash('sha256').update(token).digest('base64url'));
  }

  private async lookup(token: string, key: string): Promise<Outcome> {
    const { options } = this;
    let endpoint: string;
    let res;
    try {
      endpoint = await options.endpoint();
      res = await fetchJson(options.fetch, endpoint, {
        method: 'POST',
        headers: { authorization: this.authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      }, options.timeoutMs);
    } catch (error) {
      throw new GuardError('temporarily_unavailable', `introspection: ${(error as Error).message}`);
    }
    if (res.status !== 200 || !isPlainObject(res.body) || typeof res.body.active !== 'boolean') {
      // 401 here means the guard's own credentials are wrong: an operator problem, not the caller's.
      throw new GuardError('temporarily_unavailable', `introspection: ${new UpstreamError(`answered ${res.status}`).message}`);
    }
    const nowMs = options.now();
    if (res.body.active !== true) {
      // RFC 7662 §2.2: inactive says nothing more. Cached briefly: an inactive token does not come back.
      const outcome: Outcome = { active: false };
      if (options.inactiveCacheMaxAge > 0) this.cache.set(key, outcome, nowMs + options.inactiveCacheMaxAge * 1000);
      return outcome;
    }
    const claims = res.body as AccessTokenClaims;
    const outcome: Outcome = { active: true, claims };
    const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : Number.POSITIVE_INFINITY;
    const until = Math.min(nowMs + options.cacheMaxAge * 1000, exp);
    if (until > nowMs) this.cache.set(key, outcome, until);
    return outcome;
  }
}
