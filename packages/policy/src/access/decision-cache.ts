import type { AccessDecision } from './engine.js';

/**
 * A bounded least-recently-used map from the exact Cedar call (serialized) to its decision. Cedar
 * evaluation is deterministic: the same policy set and the same call always give the same answer,
 * and nothing time-dependent enters it (report freshness is judged before, by the compliance engine,
 * and arrives as `compliant`/`reasons`). Keys include the policy set's cache key and the cache is
 * emptied on every swap, so an entry can never outlive the policies that produced it.
 */
export class DecisionCache {
  readonly #entries = new Map<string, AccessDecision>();

  constructor(readonly capacity: number) {}

  get(key: string): AccessDecision | undefined {
    const hit = this.#entries.get(key);
    if (hit === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, hit);
    return hit;
  }

  set(key: string, decision: AccessDecision): void {
    if (this.capacity <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, decision);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
