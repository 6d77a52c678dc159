import type { CheckResult, CheckVerdict } from './check.js';
import { ComplianceProfile, type ComplianceProfiles, type ProfileEntry } from './profile.js';
import { reason, type Reason } from './reasons.js';
import type { DeviceSignals } from './signals.js';

/** What one check concluded, with the reason when it has one. */
export interface CheckOutcome {
  readonly check: string;
  readonly result: CheckResult;
  readonly reason?: Reason;
  /** Whether this outcome makes the device non-compliant (a fail, or an unknown judged so). */
  readonly blocking: boolean;
}

/** The compliance verdict for one device at one instant. */
export interface ComplianceResult {
  readonly compliant: boolean;
  /** The reasons of the blocking outcomes, in profile order; empty when compliant. */
  readonly reasons: readonly Reason[];
  readonly checks: readonly CheckOutcome[];
  readonly evaluatedAt: Date;
}

/**
 * Evaluates a device's signals against its platform's profile at `now`.
 *
 * Compliant means: no check failed and no `unknown` judged `non_compliant`. Pure and total: it never
 * throws on bad signals (a throwing custom check is failed with `check_error`), and a device whose
 * platform has no profile is non-compliant with `platform_unsupported`.
 *
 * @param profile the platform's profile, or the map of profiles per platform.
 * @param now the decision time; injected so tests and replays are deterministic.
 */
export function evaluateCompliance(
  signals: DeviceSignals,
  profile: ComplianceProfile | ComplianceProfiles,
  now: Date,
): ComplianceResult {
  if (typeof signals !== 'object' || signals === null) return refused('compliance.signals', 'check_error', now);
  const selected = profile instanceof ComplianceProfile ? profile : profile[signals.platform];
  if (!selected || selected.platform !== signals.platform) return refused('compliance.platform', 'platform_unsupported', now);
  const checks = selected.entries().map((entry) => runCheck(entry, signals, now));
  const reasons = checks.flatMap((outcome) => (outcome.blocking && outcome.reason ? [outcome.reason] : []));
  return { compliant: !checks.some((outcome) => outcome.blocking), reasons, checks, evaluatedAt: now };
}

function refused(check: string, code: 'check_error' | 'platform_unsupported', now: Date): ComplianceResult {
  const why = reason(check, code);
  return { compliant: false, reasons: [why], checks: [{ check, result: 'fail', reason: why, blocking: true }], evaluatedAt: now };
}

const RESULTS = new Set<unknown>(['pass', 'fail', 'not_applicable', 'unknown'] satisfies CheckResult[]);

function runCheck(entry: ProfileEntry, signals: DeviceSignals, now: Date): CheckOutcome {
  const id = entry.check.id;
  let verdict: CheckVerdict;
  try {
    verdict = entry.check.evaluate(signals, { now });
    if (!RESULTS.has(verdict?.result)) verdict = { result: 'fail', reason: 'check_error' };
  } catch {
    // A check is pure code over reported data; if it throws, the data is something it did not expect.
    // Fail closed rather than let one bad report crash the decision.
    verdict = { result: 'fail', reason: 'check_error' };
  }
  const blocking = verdict.result === 'fail' || (verdict.result === 'unknown' && entry.unknown === 'non_compliant');
  if (verdict.result === 'pass' || verdict.result === 'not_applicable') return { check: id, result: verdict.result, blocking };
  const why = reason(id, verdict.reason ?? (verdict.result === 'fail' ? 'check_failed' : 'signal_unknown'), verdict);
  return { check: id, result: verdict.result, reason: why, blocking };
}
