import type { KeyState, KeyStore, SigningKeyRecord } from '@tessera/store';
import {
  generateSigningKey,
  isSigningAlg,
  planDecommission,
  planRotation,
  preferredCurrent,
  type JwtSigner,
  type RotationPolicy,
  type SigningAlg,
  type SigningKey,
  type VerificationKey,
} from '@tessera/token';
import { applyActions, newKeyRecord, type ApplyContext } from './apply.js';
import { rotationPolicyFor, type RotationTimes } from './policy.js';
import { buildSnapshot, type KeyCaches, type KeySnapshot } from './snapshot.js';

/** pino-compatible logger subset. Nothing secret is ever passed to it. */
export interface KeyManagerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** Options of {@link KeyManager}. */
export interface KeyManagerOptions {
  store: KeyStore;
  /** 32-byte AES-256-GCM key sealing private keys at rest (`parseMasterKey` of @tessera/token). */
  masterKey: Buffer;
  /** Algorithms to keep a current key for; default `['EdDSA']`. */
  algs?: readonly SigningAlg[];
  /** Rotation timing for every algorithm (seconds); defaults in `DEFAULT_ROTATION`. */
  policy?: Partial<RotationTimes>;
  /** Per-algorithm overrides of `policy`. */
  policies?: Partial<Record<SigningAlg, Partial<RotationTimes>>>;
  /** Clock in epoch ms; inject a frozen one in tests. */
  now?: () => number;
  log?: KeyManagerLog;
  /** Key generation (tests inject pre-generated keys; RSA generation is slow). */
  generate?: (alg: SigningAlg) => Promise<SigningKey>;
}

/** One row of `tessera keys list`: no key material. */
export interface KeyListing {
  kid: string;
  alg: SigningAlg;
  state: KeyState;
  published: boolean;
  createdAt: Date;
  activatesAt: Date;
  retiredAt: Date | null;
  removeAfter: Date | null;
}

const silent: KeyManagerLog = { info() {}, warn() {} };

/**
 * The server's signing keys: loads them from the store, rotates them with the pure planner of
 * @tessera/token (next → current → retired → deleted), and serves the hot path synchronously from an
 * immutable snapshot: `signer(alg)` for issuance, `verificationKey(kid)` for introspection, `jwks()`
 * for the JWKS endpoint. Several nodes may share one store: every step is a compare-and-set, and each
 * `tick()` reloads what other nodes (or `tessera keys rotate`) did.
 */
export class KeyManager {
  private readonly store: KeyStore;
  private readonly masterKey: Buffer;
  private readonly algs: readonly SigningAlg[];
  private readonly policies: ReadonlyMap<SigningAlg, RotationPolicy>;
  private readonly clock: () => number;
  /** Retention for keys of algorithms no longer configured: the longest configured retention. */
  private readonly decommissionRetention: number;
  private readonly log: KeyManagerLog;
  private readonly ctx: ApplyContext;
  private readonly caches: KeyCaches = { signers: new Map(), publicKeys: new Map() };
  private snapshot: KeySnapshot | undefined;
  private running: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: KeyManagerOptions) {
    if (!Buffer.isBuffer(options.masterKey) || options.masterKey.length !== 32) {
      throw new RangeError('keys: masterKey must be 32 bytes');
    }
    this.store = options.store;
    this.masterKey = options.masterKey;
    this.algs = [...new Set<SigningAlg>(options.algs ?? ['EdDSA'])];
    if (this.algs.length === 0) throw new RangeError('keys: at least one signing algorithm is required');
    for (const alg of this.algs) if (!isSigningAlg(alg)) throw new RangeError(`keys: unsupported algorithm ${String(alg)}`);
    this.policies = new Map(this.algs.map((alg) => [alg, rotationPolicyFor(alg, options.policy, options.policies)]));
    this.decommissionRetention = Math.max(...[...this.policies.values()].map((p) => p.retainAfterRetire));
    this.clock = options.now ?? Date.now;
    this.log = options.log ?? silent;
    this.ctx = {
      store: this.store,
      masterKey: this.masterKey,
      generate: options.generate ?? ((alg) => generateSigningKey(alg)),
      info: (fields, message) => this.log.info(fields, message),
    };
  }

  /** Load the keys, bootstrapping an empty store (a current key at once, the next one scheduled). */
  async init(): Promise<void> {
    await this.tick();
  }

  /**
   * Run the planner at `now()` for every algorithm, apply its actions, and reload. Concurrent calls
   * share one run. Throws (keeping the previous snapshot) if the store fails or a key cannot be
   * decrypted.
   */
  tick(): Promise<void> {
    this.running ??= this.runTick().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runTick(): Promise<void> {
    // A second pass repairs what racing nodes left (two currents after a simultaneous bootstrap).
    for (let pass = 0; pass < 3; pass++) {
      const now = new Date(this.clock());
      const records = await this.store.list();
      const actions = this.algs.flatMap((alg) => planRotation(records, now, this.policies.get(alg)!));
      // Keys of an algorithm removed from the configuration retire and, in time, leave.
      for (const alg of new Set(records.map((r) => r.alg))) {
        if (!this.policies.has(alg)) actions.push(...planDecommission(records, now, alg, this.decommissionRetention));
      }
      if (actions.length === 0) {
        this.install(records);
        return;
      }
      await applyActions(this.ctx, actions, now);
    }
    await this.reload();
  }

  /** Reload from the store without planning (e.g. for `tessera keys list`). */
  async reload(): Promise<void> {
    this.install(await this.store.list());
  }

  private install(records: SigningKeyRecord[]): void {
    this.snapshot = buildSnapshot({
      records,
      algs: this.algs,
      masterKey: this.masterKey,
      now: this.clock(),
      caches: this.caches,
      warn: (fields, message) => this.log.warn(fields, message),
    });
  }

  private view(): KeySnapshot {
    const snapshot = this.snapshot;
    if (snapshot === undefined) throw new Error('keys: KeyManager.init() has not completed');
    // A retired key leaving the JWKS between ticks: rebuild from the records we have (no I/O).
    if (this.clock() >= snapshot.expiresAt) this.install([...snapshot.records]);
    return this.snapshot!;
  }

  /** The current signer for `alg`. Synchronous, no I/O: the issuance hot path. */
  signer(alg: SigningAlg): JwtSigner {
    const signer = this.snapshot?.signers.get(alg);
    if (signer === undefined) throw new Error(`keys: no signer for ${alg} (not configured, or init() not run)`);
    return signer;
  }

  /**
   * A published key (next, current or retired within retention) by `kid`, for verifying JWTs this
   * server issued (introspection). `verifyJwt` refuses it if its algorithm differs from the token's.
   */
  verificationKey(kid: string | undefined, _alg?: string): VerificationKey | undefined {
    return kid === undefined ? undefined : this.view().verification.get(kid);
  }

  /** The JWK Set of all published keys (RFC 7517 §5); the same frozen object until the set changes. */
  jwks(): { readonly keys: readonly Record<string, unknown>[] } {
    return this.view().jwks;
  }

  /** Strong ETag of {@link jwks}, for `ETag` / `If-None-Match` on the JWKS endpoint. */
  get jwksEtag(): string {
    return this.view().etag;
  }

  /** All stored keys as last loaded, without key material. */
  list(): KeyListing[] {
    const now = new Date(this.clock());
    return this.view().records.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      state: r.state,
      published: r.state !== 'retired' || (r.removeAfter !== null && r.removeAfter > now),
      createdAt: r.createdAt,
      activatesAt: r.activatesAt,
      retiredAt: r.retiredAt,
      removeAfter: r.removeAfter,
    }));
  }

  /**
   * Forced rotation (`tessera keys rotate`), for `alg` or every configured algorithm.
   * - default: a next key activates as soon as it has been published for `publishAhead` (an existing
   *   next key is brought forward, else one is created now). Verifiers see it before it signs.
   * - `immediate` (key compromise): a new key becomes current at once and the old one retires. Verifiers
   *   with a cached JWKS do not know the new kid yet and may reject new tokens until they refetch
   *   (the guard refetches on an unknown kid). With `purge`, the old key also leaves the JWKS at once,
   *   so every token it signed stops verifying.
   */
  async rotate(options: { immediate?: boolean; purge?: boolean; alg?: SigningAlg } = {}): Promise<KeyListing[]> {
    const algs = options.alg === undefined ? this.algs : [options.alg];
    for (const alg of algs) {
      const policy = this.policies.get(alg);
      if (policy === undefined) throw new RangeError(`keys: ${alg} is not configured`);
      const now = new Date(this.clock());
      const records = (await this.store.list()).filter((r) => r.alg === alg);
      const next = records.find((r) => r.state === 'next');
      if (options.immediate) {
        const old = records.filter((r) => r.state === 'current');
        await this.store.insert(await newKeyRecord(this.ctx, alg, 'current', now, now));
        for (const key of old) {
          const removeAfter = options.purge ? now : new Date(now.getTime() + policy.retainAfterRetire * 1000);
          await this.store.transition(key.kid, 'current', { state: 'retired', retiredAt: now, removeAfter });
        }
        if (next !== undefined) {
          await this.store.transition(next.kid, 'next', { activatesAt: new Date(now.getTime() + policy.rotationPeriod * 1000) });
        }
        this.log.warn({ alg, retired: old.map((k) => k.kid), purge: options.purge === true }, 'keys: immediate rotation');
      } else if (next !== undefined) {
        const due = new Date(Math.max(next.createdAt.getTime() + policy.publishAhead * 1000, now.getTime()));
        if (next.activatesAt > due) await this.store.transition(next.kid, 'next', { activatesAt: due });
        this.log.info({ alg, kid: next.kid, activatesAt: due }, 'keys: rotation scheduled');
      } else {
        const activatesAt = new Date(now.getTime() + policy.publishAhead * 1000);
        const record = await newKeyRecord(this.ctx, alg, 'next', now, activatesAt);
        await this.store.insert(record);
        this.log.info({ alg, kid: record.kid, activatesAt }, 'keys: rotation scheduled');
      }
    }
    await this.tick();
    return this.list();
  }

  /** Call {@link tick} every `intervalMs` (default 30 s) on an unref'd timer; failures are logged. */
  startTimer(intervalMs = 30_000): void {
    this.stop();
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) => this.log.warn({ err: error }, 'keys: rotation tick failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The current key per algorithm as last loaded (for health output). */
  currentKids(): Partial<Record<SigningAlg, string>> {
    const records = this.view().records;
    return Object.fromEntries(this.algs.map((alg) => [alg, preferredCurrent(records, alg)?.kid]));
  }
}
