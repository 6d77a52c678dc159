import { defineCheck, type Check } from '../check.js';

/**
 * The last report is recent: a device that stops reporting (switched off, UEM agent removed, network
 * blocked) must not stay compliant forever on its last good report. Evaluated against the injected
 * `ctx.now`, so the result changes over time without any new report; callers re-evaluate at decision
 * time rather than caching the verdict.
 *
 * A report exactly `maxAgeMs` old still passes. A report from the future beyond `clockSkewMs` fails
 * (`report_time_invalid`): we cannot tell how old it really is, and accepting it would let a wrong
 * clock extend compliance indefinitely.
 */
export function reportFreshness(options: { maxAgeMs: number; clockSkewMs?: number }): Check {
  const { maxAgeMs, clockSkewMs = 5 * 60_000 } = options;
  if (!Number.isFinite(maxAgeMs) || maxAgeMs <= 0) throw new TypeError('maxAgeMs must be a positive number');
  if (!Number.isFinite(clockSkewMs) || clockSkewMs < 0) throw new TypeError('clockSkewMs must be a non-negative number');
  return defineCheck({
    id: 'device.report_freshness',
    description: `Device reported within the last ${Math.round(maxAgeMs / 60_000)} minutes`,
    evaluate(signals, ctx) {
      const reportedAt: unknown = signals.reportedAt;
      if (reportedAt === undefined) return { result: 'unknown', reason: 'report_time_unknown' };
      if (!(reportedAt instanceof Date) || Number.isNaN(reportedAt.getTime())) {
        return { result: 'fail', reason: 'report_time_invalid' };
      }
      const age = ctx.now.getTime() - reportedAt.getTime();
      // An invalid injected clock is a caller bug; judge it closed rather than compare against NaN.
      if (Number.isNaN(age)) return { result: 'fail', reason: 'report_time_invalid' };
      if (age < -clockSkewMs) return { result: 'fail', reason: 'report_time_invalid' };
      return age <= maxAgeMs ? { result: 'pass' } : { result: 'fail', reason: 'report_stale' };
    },
  });
}
