import { describe, expect, it } from 'vitest';
import { reportFreshness, type DeviceSignals } from '../src/index.js';

const hour = 60 * 60 * 1000;
const now = new Date('2026-11-26T06:00:00Z');
const check = reportFreshness({ maxAgeMs: 24 * hour, clockSkewMs: 5 * 60_000 });
const reported = (reportedAt: Date | undefined): DeviceSignals => ({ deviceId: 'd1', platform: 'macos', reportedAt });

describe('report freshness (a device that stops reporting becomes non-compliant)', () => {
  const rows: [string, Date | undefined, string, string | undefined][] = [
    ['passes a report made just now', now, 'pass', undefined],
    ['passes a report exactly the maximum age old', new Date(now.getTime() - 24 * hour), 'pass', undefined],
    ['fails a report one millisecond past the maximum age', new Date(now.getTime() - 24 * hour - 1), 'fail', 'report_stale'],
    ['passes a report within the clock-skew allowance in the future', new Date(now.getTime() + 5 * 60_000), 'pass', undefined],
    ['fails a report beyond the clock-skew allowance in the future', new Date(now.getTime() + 5 * 60_000 + 1), 'fail', 'report_time_invalid'],
    ['fails an invalid date', new Date('not a date'), 'fail', 'report_time_invalid'],
    ['is unknown without a report time', undefined, 'unknown', 'report_time_unknown'],
  ];
  it.each(rows)('%s', (_d, reportedAt, result, reason) => {
    const verdict = check.evaluate(reported(reportedAt), { now });
    expect(verdict.result).toBe(result);
    expect(verdict.reason).toBe(reason);
  });

  it('turns a passing device stale as the injected clock moves on, with no new report', () => {
    const signals = reported(new Date('2026-11-25T07:00:00Z'));
    expect(check.evaluate(signals, { now }).result).toBe('pass');
    expect(check.evaluate(signals, { now: new Date('2026-11-26T07:00:00.001Z') }).result).toBe('fail');
  });

  it('fails a report time that is not a Date (a string from a connector) instead of throwing', () => {
    const signals = { deviceId: 'd1', platform: 'ios', reportedAt: '2026-11-26T06:00:00Z' } as unknown as DeviceSignals;
    expect(check.evaluate(signals, { now })).toMatchObject({ result: 'fail', reason: 'report_time_invalid' });
  });

  it('refuses a non-positive maximum age at configuration time', () => {
    expect(() => reportFreshness({ maxAgeMs: 0 })).toThrow(TypeError);
    expect(() => reportFreshness({ maxAgeMs: Number.NaN })).toThrow(TypeError);
  });
});
