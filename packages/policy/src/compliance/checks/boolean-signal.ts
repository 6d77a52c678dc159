import { defineCheck, type Check } from '../check.js';
import type { ComplianceReasonCode } from '../reasons.js';
import type { DeviceSignals, Platform } from '../signals.js';

type BooleanSignal = 'diskEncrypted' | 'passcodeCompliant' | 'jailbroken' | 'managed';

/**
 * The shape shared by the yes/no checks: `expected` passes, the opposite fails, `undefined` is
 * unknown. A value that is not a boolean at all (a string "true" from a sloppy connector) also counts
 * as unknown rather than being coerced: we only judge what we can read.
 */
export function booleanSignalCheck(spec: {
  id: string;
  description: string;
  signal: BooleanSignal;
  expected: boolean;
  failReason: ComplianceReasonCode;
  unknownReason: ComplianceReasonCode;
  platforms?: readonly Platform[];
}): Check {
  return defineCheck({
    id: spec.id,
    description: spec.description,
    evaluate(signals: DeviceSignals) {
      if (spec.platforms && !spec.platforms.includes(signals.platform)) return { result: 'not_applicable' };
      const value: unknown = signals[spec.signal];
      if (typeof value !== 'boolean') return { result: 'unknown', reason: spec.unknownReason };
      return value === spec.expected ? { result: 'pass' } : { result: 'fail', reason: spec.failReason };
    },
  });
}
