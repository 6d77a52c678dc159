import {
  defaultProfiles,
  evaluateCompliance,
  reason,
  type ComplianceProfile,
  type DeviceSignals,
  type Platform,
  type Reason,
} from '@tessera/policy';
import type { DeviceCompliance, DeviceRecord } from '@tessera/store';
import type { DevicesConfig } from './config.js';

/**
 * The signals key under which a posture from an SSF transmitter (a CAEP `device-compliance-change`)
 * carries that transmitter's verdict, instead of raw signals.
 */
export const TRANSMITTER_STATUS = 'caepComplianceStatus';

/** Reason codes of this module, beside the policy package's `COMPLIANCE_REASONS`. */
const LOCAL_REASONS = {
  transmitter_not_compliant: {
    message: 'The device management system reported the device as not compliant.',
    remediation: 'Open your device management app to see what it asks you to fix.',
  },
  not_evaluated: {
    message: 'The device has not reported its status yet.',
    remediation: 'Open your device management app and sync the device.',
  },
} as const;

/** Human text for a stored reason code (the store keeps codes only). */
export function describeReason(code: string): Reason {
  const local = (LOCAL_REASONS as Record<string, { message: string; remediation: string } | undefined>)[code];
  return reason('device.compliance', code, local ?? {});
}

/** Evaluates stored devices against the configured per-platform profiles. */
export interface ComplianceEvaluator {
  /** The verdict for `device` at `now` (pure; the freshness check reads `now`). */
  evaluate(device: DeviceRecord, now: Date): DeviceCompliance;
}

export function createComplianceEvaluator(config: DevicesConfig): ComplianceEvaluator {
  const profiles: Record<Platform, ComplianceProfile> = defaultProfiles({
    minOsVersion: config.minOsVersion,
    maxReportAgeMs: config.maxReportAge * 1000,
    clockSkewMs: config.clockSkew * 1000,
    requireManaged: config.requireManaged,
    unknown: config.unknownSignals,
  });
  return {
    evaluate(device, now) {
      const posture = device.posture;
      if (posture === null) return { compliant: false, reasons: ['not_evaluated'], evaluatedAt: now };
      const s = posture.signals;
      const bool = (v: unknown) => (typeof v === 'boolean' ? v : undefined);
      const transmitted = s[TRANSMITTER_STATUS];
      if (transmitted !== undefined) {
        // A transmitter's verdict replaces the signal checks, but not freshness: a verdict is as old
        // as its event, and an old "compliant" must not last forever.
        const age = now.getTime() - posture.reportedAt.getTime();
        const reasons: string[] = [];
        if (transmitted !== 'compliant') reasons.push('transmitter_not_compliant');
        if (age > config.maxReportAge * 1000) reasons.push('report_stale');
        if (age < -config.clockSkew * 1000) reasons.push('report_time_invalid');
        return { compliant: reasons.length === 0, reasons, evaluatedAt: now };
      }
      const signals: DeviceSignals = {
        deviceId: device.id,
        platform: device.platform,
        osVersion: typeof s.osVersion === 'string' ? s.osVersion : device.osVersion,
        diskEncrypted: bool(s.diskEncrypted),
        passcodeCompliant: bool(s.passcodeCompliant),
        jailbroken: bool(s.jailbroken),
        managed: bool(s.managed),
        reportedAt: posture.reportedAt,
        source: posture.source,
      };
      const result = evaluateCompliance(signals, profiles, now);
      return { compliant: result.compliant, reasons: result.reasons.map((r) => r.code), evaluatedAt: now };
    },
  };
}
