import type { DeviceSignals } from './signals.js';

/** What one check concluded about one device. */
export type CheckResult = 'pass' | 'fail' | 'not_applicable' | 'unknown';

/** The evaluation context: the injected clock, so freshness never reads the wall clock itself. */
export interface CheckContext {
  readonly now: Date;
}

/**
 * What a check's `evaluate` returns. `reason` is a stable code, normally from
 * {@link COMPLIANCE_REASONS}; custom checks may use their own code and then should give `message`.
 */
export interface CheckVerdict {
  readonly result: CheckResult;
  readonly reason?: string;
  readonly message?: string;
  readonly remediation?: string;
}

/** A named compliance check (node-oidc-provider interaction-policy `Check` style). */
export interface Check {
  /** Stable id, e.g. `device.disk_encryption`; profiles add and remove checks by it. */
  readonly id: string;
  readonly description: string;
  /** Pure: no I/O, no clock other than `ctx.now`. Should not throw; if it does the engine fails it. */
  evaluate(signals: DeviceSignals, ctx: CheckContext): CheckVerdict;
}

/** Declares a check. Only validates the shape; kept as a function so checks read alike. */
export function defineCheck(check: Check): Check {
  if (!/^[a-z][a-z0-9_.-]*$/.test(check.id)) throw new TypeError(`invalid check id ${JSON.stringify(check.id)}`);
  return Object.freeze({ ...check });
}
