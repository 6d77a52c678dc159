import type { DenyEntry } from '../deny-list.js';
import { randomBytes } from 'node:crypto';
import { fetchJson, isPlainObject, UpstreamError, type FetchLike } from '../http.js';
import type { JwksCache } from '../jwks-cache.js';
import type { GuardLogger } from '../options.js';
import { applySet } from './apply.js';
import { SetError, verifySet, type VerifiedSet } from './verify-set.js';
import { SET_MEDIA_TYPE } from './vocabulary.js';

/** Options of the guard's Shared Signals receiver (`createGuard({ ssf })`). Times in seconds. */
export interface SsfReceiverOptions {
  /** The `aud` SETs must carry: this receiver's audience at the transmitter's stream. Default: the guard's audience. */
  audience?: string;
  /** How long a denial lasts past its event: at least the longest access-token lifetime of the server. Default 86 400. */
  maxTokenLifetime?: number;
  /**
   * The stream-health bound: when nothing was heard from the transmitter (a verified SET, a poll
   * answer, a catch-up from the feed) for this long, revocations may have been missed and JWTs are no
   * longer trusted on their own (see `onStale`). Default 120; 0 turns the rule off.
   */
  maxStaleness?: number;
  /**
   * What a stale stream means for JWT access tokens: `introspect` (ask the server, which knows every
   * revocation; needs `introspection`) or `refuse` (503 until the stream is back). Default: `introspect`
   * when introspection is configured, else `refuse`.
   */
  onStale?: 'introspect' | 'refuse';
  /** Tessera's catch-up feed of cut-offs and revoked jtis. Default `<issuer>/ssf/feed`. */
  feedUrl?: string;
  /** Access token (for the transmitter's `ssf` audience, scope `ssf`) for polling and the feed. */
  getAccessToken?: () => Promise<string>;
  /** How many SET jtis are remembered to ignore duplicates. Default 10 000. */
  dedupeSize?: number;
}

/**
 * The answer to a pushed SET (RFC 8935 §2.2, §2.3): 202, 400 with `{err, description}`, or 503 when the
 * SET could not be checked for now (the transmitter's keys are unreachable) so that it is pushed again.
 */
export interface SsfPushResponse {
  status: 202 | 400 | 503;
  headers: Record<string, string>;
  body?: { err: string; description: string };
}

/** Stream health as the guard sees it. */
export interface SsfHealth {
  /** Last contact with the transmitter, ms since the epoch; undefined before the first. */
  lastContact: number | undefined;
  stale: boolean;
}

export interface Poller {
  /** Stop after the request in flight (a long poll is aborted). */
  stop(): Promise<void>;
}

interface Deps {
  issuer: string;
  audience: string;
  keys: JwksCache;
  deny: (entry: DenyEntry) => void;
  fetch: FetchLike;
  timeoutMs: number;
  clockTolerance: number;
  now: () => number;
  log: GuardLogger;
}

/**
 * The guard as an OpenID Shared Signals receiver: SETs by push (RFC 8935) or poll (RFC 8936), verified
 * against the transmitter's JWKS (the server's `jwks_uri`, the same keys as access tokens), turned into
 * deny-list entries; plus the catch-up feed and the stream-health rule that keep a guard that was
 * offline from honouring revoked JWTs silently (README "Missed events").
 */
export class SsfReceiver {
  private readonly seen = new Set<string>();
  private lastContact: number | undefined;
  private streamActive = true;
  private feedCursor = '0';
  private readonly maxStalenessMs: number;
  private readonly maxTokenLifetime: number;
  private readonly dedupeSize: number;
  readonly feedUrl: string;

  constructor(private readonly deps: Deps, private readonly options: SsfReceiverOptions) {
    this.maxStalenessMs = (options.maxStaleness ?? 120) * 1000;
    this.maxTokenLifetime = options.maxTokenLifetime ?? 86_400;
    this.dedupeSize = options.dedupeSize ?? 10_000;
    this.feedUrl = options.feedUrl ?? `${deps.issuer.replace(/\/$/, '')}/ssf/feed`;
  }

  get health(): SsfHealth {
    return { lastContact: this.lastContact, stale: this.isStale() };
  }

  /** True when revocations may have been missed: no contact within `maxStaleness`, or the stream is paused/disabled. */
  isStale(): boolean {
    if (this.maxStalenessMs === 0) return false;
    return !this.streamActive || this.lastContact === undefined || this.deps.now() - this.lastContact > this.maxStalenessMs;
  }

  private contact(): void {
    this.lastContact = this.deps.now();
  }

  private catchingUp: Promise<unknown> | undefined;
  private lastKick = Number.NEGATIVE_INFINITY;

  /**
   * Called by the guard when it meets a stale stream: start one background catch-up from the feed
   * (single-flight, at most one every 5 s), so a guard heals itself as soon as the server is reachable.
   * Never awaited on a request path; does nothing without `getAccessToken` or on a paused stream.
   */
  heal(): void {
    if (this.options.getAccessToken === undefined || this.catchingUp !== undefined || !this.streamActive) return;
    const now = this.deps.now();
    if (now - this.lastKick < 5000) return;
    this.lastKick = now;
    this.catchingUp = this.catchUp()
      .catch((error: unknown) => this.deps.log('ssf_catch_up_failed', { message: (error as Error).message }))
      .finally(() => {
        this.catchingUp = undefined;
      });
  }

  /** Verify one SET (refreshing the JWKS once for an unknown kid, rate-limited by the cache). */
  private async verify(set: string): Promise<VerifiedSet> {
    const { deps } = this;
    const options = { issuer: deps.issuer, audience: this.options.audience ?? deps.audience, getKey: deps.keys.getKey, clockTolerance: deps.clockTolerance, now: 0 };
    try {
      await deps.keys.ensureLoaded();
    } catch {
      throw new SetError('invalid_key', 'transmitter JWKS unavailable', true);
    }
    options.now = Math.floor(deps.now() / 1000);
    try {
      return verifySet(set, options);
    } catch (error) {
      if (!(error instanceof SetError) || error.reason !== 'unknown_kid' || !(await deps.keys.refreshForUnknownKid().catch(() => false))) throw error;
      return verifySet(set, options);
    }
  }

  /** Verify and apply one SET; returns its jti. Duplicates (by jti) are accepted and not applied again. */
  async receive(set: string): Promise<string> {
    const verified = await this.verify(set);
    this.contact();
    if (this.seen.has(verified.jti)) {
      this.deps.log('ssf_duplicate', { jti: verified.jti });
      return verified.jti;
    }
    if (this.seen.size >= this.dedupeSize) this.seen.delete(this.seen.values().next().value!);
    this.seen.add(verified.jti);
    const outcome = applySet(verified, this.deps.issuer, this.maxTokenLifetime);
    if (outcome.kind === 'denied') for (const entry of outcome.entries) this.deps.deny(entry);
    if (outcome.kind === 'stream_updated') this.streamActive = outcome.status === undefined || outcome.status === 'enabled';
    this.deps.log('ssf_event', { jti: verified.jti, outcome: outcome.kind, ...(outcome.kind === 'ignored' ? { why: outcome.why } : {}) });
    return verified.jti;
  }

  /**
   * Handle a pushed SET (RFC 8935 §2): the raw request body and its Content-Type. Usable from any
   * framework; answer with the returned status, headers and body.
   *
   * @example
   * app.post('/ssf/events', async (req, reply) => {
   *   const { status, headers, body } = await guard.ssf.handlePush(req.body as string, req.headers['content-type']);
   *   return reply.code(status).headers(headers).send(body);
   * });
   */
  async handlePush(body: unknown, contentType?: string): Promise<SsfPushResponse> {
    const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
    const refuse = (error: SetError): SsfPushResponse => {
      this.deps.log('ssf_refused', { err: error.err, reason: error.reason });
      if (error.retryable && error.reason !== 'unknown_kid') return { status: 503, headers: { 'content-type': 'application/json', 'retry-after': '5' }, body: error.toJSON() };
      return { status: 400, headers: { 'content-type': 'application/json' }, body: error.toJSON() };
    };
    if (type !== SET_MEDIA_TYPE) return refuse(new SetError('invalid_request', `Content-Type must be ${SET_MEDIA_TYPE}`));
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
    if (typeof text !== 'string') return refuse(new SetError('invalid_request', 'body must be the SET text'));
    try {
      await this.receive(text.trim());
      return { status: 202, headers: {} };
    } catch (error) {
      if (error instanceof SetError) return refuse(error);
      throw error;
    }
  }

  /**
   * Poll a stream (RFC 8936 §2.4) in a loop: long polls (`returnImmediately: false`) acknowledge the
   * SETs processed by the previous answer (`ack`) and report bad ones (`setErrs`), so the transmitter
   * redelivers nothing it need not. Network errors back off `retryMs` and are logged; they leave the
   * stream to go stale, which the health rule turns into fail-safe behaviour.
   */
  startPolling(options: { endpoint: string; getAccessToken?: () => Promise<string>; maxEvents?: number; retryMs?: number; requestTimeoutMs?: number }): Poller {
    const getAccessToken = options.getAccessToken ?? this.options.getAccessToken;
    if (getAccessToken === undefined) throw new TypeError('startPolling: getAccessToken is required');
    const retryMs = options.retryMs ?? 2000;
    let stopped = false;
    let wake: (() => void) | undefined;
    const abort = new AbortController();
    let ack: string[] = [];
    let setErrs: Record<string, { err: string; description: string }> = {};
    const pause = () => new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, retryMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const loop = async () => {
      while (!stopped) {
        let retryLater = false;
        try {
          const token = await getAccessToken();
          const body = JSON.stringify({ maxEvents: options.maxEvents ?? 100, returnImmediately: false, ack, setErrs });
          const res = await fetchJson(this.deps.fetch, options.endpoint, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body,
          }, options.requestTimeoutMs ?? 60_000, abort.signal);
          if (res.status !== 200 || !isPlainObject(res.body) || !isPlainObject(res.body.sets)) throw new Error(`poll answered ${res.status}`);
          ack = [];
          setErrs = {};
          this.contact();
          for (const [jti, set] of Object.entries(res.body.sets)) {
            try {
              if (typeof set !== 'string') throw new SetError('invalid_request', 'SET is not a string');
              await this.receive(set);
              ack.push(jti);
            } catch (error) {
              if (!(error instanceof SetError)) throw error;
              this.deps.log('ssf_refused', { jti, err: error.err, reason: error.reason });
              // A key we could not fetch may come back: leave the SET pending rather than reject it, and
              // wait before the next poll, which would hand it back at once.
              if (error.retryable) retryLater = true;
              else setErrs[jti] = error.toJSON();
            }
          }
        } catch (error) {
          if (stopped) break;
          this.deps.log('ssf_poll_failed', { message: (error as Error).message });
          retryLater = true;
        }
        if (retryLater && !stopped) await pause();
      }
    };
    const running = loop();
    return {
      async stop() {
        stopped = true;
        abort.abort();
        wake?.();
        await running;
      },
    };
  }

  /**
   * Catch up from the transmitter's feed (Tessera `GET /ssf/feed?since=<cursor>`): every cut-off
   * (device / session / subject, with its instant) and every revoked JWT `jti` since the last call,
   * applied to the deny list. The first call reads from the beginning, which covers every token still
   * alive. Counts as contact.
   */
  async catchUp(): Promise<{ cutoffs: number; revoked: number }> {
    const getAccessToken = this.options.getAccessToken;
    if (getAccessToken === undefined) throw new TypeError('catchUp: ssf.getAccessToken is required');
    let cutoffs = 0;
    let revoked = 0;
    for (let page = 0; page < 100; page++) {
      const url = `${this.feedUrl}?since=${encodeURIComponent(this.feedCursor)}&limit=500`;
      const res = await fetchJson(this.deps.fetch, url, { headers: { authorization: `Bearer ${await getAccessToken()}` } }, this.deps.timeoutMs);
      if (res.status !== 200 || !isPlainObject(res.body)) throw new Error(`feed answered ${res.status}`);
      const body = res.body;
      for (const item of Array.isArray(body.cutoffs) ? body.cutoffs : []) {
        const entry = cutoffEntry(item);
        if (entry !== undefined) {
          this.deps.deny(entry);
          cutoffs++;
        }
      }
      for (const item of Array.isArray(body.revoked) ? body.revoked : []) {
        if (isPlainObject(item) && typeof item.jti === 'string' && item.jti !== '' && typeof item.expires_at === 'number') {
          this.deps.deny({ jti: item.jti, until: item.expires_at });
          revoked++;
        }
      }
      if (typeof body.next === 'string' && /^\d{1,15}$/.test(body.next)) this.feedCursor = body.next;
      if (body.more !== true) break;
    }
    this.contact();
    this.deps.log('ssf_caught_up', { cutoffs, revoked });
    return { cutoffs, revoked };
  }

  /**
   * Ask the transmitter for a verification event (SSF 1.0 §8.1.4): `POST <verification_endpoint>
   * {stream_id, state}`. The verification SET then arrives by the stream's own delivery (push or poll)
   * and counts as contact — the standard heartbeat of a push stream. The endpoint is read from the
   * issuer's `/.well-known/ssf-configuration` unless given.
   */
  async requestVerification(options: { streamId: string; verificationEndpoint?: string }): Promise<void> {
    const getAccessToken = this.options.getAccessToken;
    if (getAccessToken === undefined) throw new TypeError('requestVerification: ssf.getAccessToken is required');
    const endpoint = options.verificationEndpoint ?? (await this.ssfMetadata()).verification_endpoint;
    if (typeof endpoint !== 'string') throw new Error('the transmitter has no verification_endpoint');
    const state = randomBytes(12).toString('base64url');
    const res = await fetchJson(this.deps.fetch, endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${await getAccessToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ stream_id: options.streamId, state }),
    }, this.deps.timeoutMs).catch((error: unknown) => {
      // 204 has no body: fetchJson reports it as "not JSON" with the status; anything else is a failure.
      if (error instanceof UpstreamError && (error.status === 204 || error.status === 200)) return undefined;
      throw error;
    });
    if (res !== undefined && res.status !== 204 && res.status !== 200) throw new Error(`verification answered ${res.status}`);
  }

  /** Request a verification event now and every `intervalMs` (default: a third of `maxStaleness`). */
  startHeartbeat(options: { streamId: string; verificationEndpoint?: string; intervalMs?: number }): Poller {
    return this.every(options.intervalMs, () => this.requestVerification(options), 'ssf_verification_failed');
  }

  private metadata: Promise<Record<string, unknown>> | undefined;

  /** The transmitter's configuration (SSF 1.0 §7.2), once; its `issuer` must be the guard's issuer. */
  private ssfMetadata(): Promise<Record<string, unknown>> {
    this.metadata ??= (async () => {
      const url = new URL(this.deps.issuer);
      const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
      const res = await fetchJson(this.deps.fetch, `${url.origin}/.well-known/ssf-configuration${path}`, {}, this.deps.timeoutMs);
      if (res.status !== 200 || !isPlainObject(res.body) || res.body.issuer !== this.deps.issuer) {
        throw new Error('SSF configuration unavailable or for another issuer');
      }
      return res.body;
    })();
    this.metadata.catch(() => {
      this.metadata = undefined;
    });
    return this.metadata;
  }

  /** Catch up now and then every `intervalMs` (default: a third of `maxStaleness`, so one failure does not make the stream stale). */
  startCatchUp(options: { intervalMs?: number } = {}): Poller {
    return this.every(options.intervalMs, () => this.catchUp(), 'ssf_catch_up_failed');
  }

  /** Run `task` now and then every `intervalMs` after each run ends; failures are logged, never thrown. */
  private every(intervalMs: number | undefined, task: () => Promise<unknown>, failure: string): Poller {
    const interval = intervalMs ?? Math.max(1000, Math.floor((this.maxStalenessMs || 120_000) / 3));
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    const tick = () => {
      running = task()
        .catch((error: unknown) => this.deps.log(failure, { message: (error as Error).message }))
        .finally(() => {
          if (!stopped) timer = setTimeout(tick, interval);
        });
    };
    tick();
    return {
      async stop() {
        stopped = true;
        clearTimeout(timer);
        await running;
      },
    };
  }
}

function cutoffEntry(item: unknown): DenyEntry | undefined {
  if (!isPlainObject(item)) return undefined;
  const { kind, id, at, expires_at: until } = item;
  if (typeof id !== 'string' || id === '' || typeof at !== 'number' || typeof until !== 'number') return undefined;
  if (kind === 'device') return { deviceId: id, until, issuedBefore: at };
  if (kind === 'session') return { sid: id, until, issuedBefore: at };
  if (kind === 'subject') return { sub: id, until, issuedBefore: at };
  return undefined;
}
