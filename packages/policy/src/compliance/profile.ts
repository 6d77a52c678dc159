import type { Check } from './check.js';
import type { Platform } from './signals.js';

/**
 * How a check that answers `unknown` (its signal was not reported) is judged. Default
 * `'non_compliant'`: fail closed, because an attacker who can suppress a signal must not gain access
 * by it. `'compliant'` is for signals a fleet's UEM genuinely cannot report (e.g. passcode on Linux).
 */
export type UnknownVerdict = 'non_compliant' | 'compliant';

/** Options of a {@link ComplianceProfile}. */
export interface ComplianceProfileOptions {
  /** How `unknown` is judged for checks added without their own setting. Default `'non_compliant'`. */
  readonly unknown?: UnknownVerdict;
}

/** One check in a profile, with how its `unknown` is judged. */
export interface ProfileEntry {
  readonly check: Check;
  readonly unknown: UnknownVerdict;
}

/**
 * The checks one platform must pass, in order, editable by check id (node-oidc-provider
 * `interaction_policy` `get/add/remove` style): operators start from the defaults and adjust.
 *
 * @example
 * const ios = defaultProfiles().ios;
 * ios.remove('device.managed');
 * ios.add(myCustomCheck, { before: 'device.report_freshness' });
 */
export class ComplianceProfile {
  readonly #entries: ProfileEntry[] = [];
  readonly #unknown: UnknownVerdict;

  constructor(
    readonly platform: Platform,
    checks: readonly Check[] = [],
    options: ComplianceProfileOptions = {},
  ) {
    this.#unknown = options.unknown ?? 'non_compliant';
    for (const check of checks) this.add(check);
  }

  /** The check ids, in evaluation order. */
  get ids(): string[] {
    return this.#entries.map((entry) => entry.check.id);
  }

  /** The entries, in evaluation order (a copy; edit through add/remove). */
  entries(): readonly ProfileEntry[] {
    return [...this.#entries];
  }

  get(id: string): Check | undefined {
    return this.#entries.find((entry) => entry.check.id === id)?.check;
  }

  has(id: string): boolean {
    return this.#entries.some((entry) => entry.check.id === id);
  }

  /**
   * Adds a check at the end, or before the check with id `before`. Throws if a check with the same id
   * is already present (replace = remove + add, so an edit is never silent) or `before` is unknown.
   */
  add(check: Check, options: { before?: string; unknown?: UnknownVerdict } = {}): this {
    if (this.has(check.id)) throw new Error(`profile ${this.platform} already has check ${check.id}`);
    const entry: ProfileEntry = { check, unknown: options.unknown ?? this.#unknown };
    if (options.before === undefined) {
      this.#entries.push(entry);
      return this;
    }
    const index = this.#entries.findIndex((existing) => existing.check.id === options.before);
    if (index < 0) throw new Error(`profile ${this.platform} has no check ${options.before}`);
    this.#entries.splice(index, 0, entry);
    return this;
  }

  /** Removes the check with this id; returns whether it was present. */
  remove(id: string): boolean {
    const index = this.#entries.findIndex((entry) => entry.check.id === id);
    if (index < 0) return false;
    this.#entries.splice(index, 1);
    return true;
  }
}

/** One profile per platform; a platform without a profile is never compliant. */
export type ComplianceProfiles = Partial<Record<Platform, ComplianceProfile>>;
