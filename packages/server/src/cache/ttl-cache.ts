/**
 * A small read-through cache for records that change rarely but may change while the server runs (the
 * CLI adds clients and resources against the same database). Hits are synchronous, so the token hot
 * path costs one Map lookup; concurrent misses for one key share a single load.
 *
 * Misses are cached only briefly (`negativeTtlMs`) so a client created a moment ago is found quickly,
 * and the number of entries is bounded so that scanning random ids cannot grow memory without limit.
 */
export interface TtlCacheOptions<V> {
  load(key: string): Promise<V | undefined>;
  ttlMs: number;
  negativeTtlMs: number;
  maxEntries?: number;
  now: () => number;
}

interface Entry<V> {
  value: V | undefined;
  expiresAt: number;
}

export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly inflight = new Map<string, Promise<V | undefined>>();
  private readonly maxEntries: number;

  constructor(private readonly options: TtlCacheOptions<V>) {
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** The cached value (synchronously) when fresh, otherwise a promise of the loaded value. */
  get(key: string): V | undefined | Promise<V | undefined> {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expiresAt > this.options.now()) return entry.value;
    return this.loadInto(key);
  }

  /** Forget one key (after an admin change in this process) or everything. */
  invalidate(key?: string): void {
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }

  private loadInto(key: string): Promise<V | undefined> {
    const pending = this.inflight.get(key);
    if (pending !== undefined) return pending;
    const promise = this.options.load(key).then(
      (value) => {
        this.inflight.delete(key);
        const ttl = value === undefined ? this.options.negativeTtlMs : this.options.ttlMs;
        if (ttl > 0) {
          if (this.entries.size >= this.maxEntries) this.evictExpired();
          if (this.entries.size < this.maxEntries) this.entries.set(key, { value, expiresAt: this.options.now() + ttl });
        }
        return value;
      },
      (error: unknown) => {
        this.inflight.delete(key);
        throw error;
      },
    );
    this.inflight.set(key, promise);
    return promise;
  }

  private evictExpired(): void {
    const now = this.options.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    // Still full of live entries: start over rather than grow (a flood of distinct ids).
    if (this.entries.size >= this.maxEntries) this.entries.clear();
  }
}
