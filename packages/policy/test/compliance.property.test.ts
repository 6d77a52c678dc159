import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PLATFORMS, defaultProfiles, evaluateCompliance, type DeviceSignals } from '../src/index.js';

const now = new Date('2026-11-26T06:00:00Z');
const day = 24 * 3600_000;
const profiles = defaultProfiles();

const signalsArb: fc.Arbitrary<DeviceSignals> = fc.record({
  deviceId: fc.constant('d1'),
  platform: fc.constantFrom(...PLATFORMS),
  osVersion: fc.option(fc.oneof(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 4 }).map((v) => v.join('.')), fc.string()), { nil: undefined }),
  diskEncrypted: fc.option(fc.boolean(), { nil: undefined }),
  passcodeCompliant: fc.option(fc.boolean(), { nil: undefined }),
  jailbroken: fc.option(fc.boolean(), { nil: undefined }),
  managed: fc.option(fc.boolean(), { nil: undefined }),
  reportedAt: fc.option(fc.integer({ min: -3 * day, max: day }).map((offset) => new Date(now.getTime() + offset)), { nil: undefined }),
  source: fc.constant('uem'),
});

describe('compliance properties over arbitrary signals (default profiles)', () => {
  it('never throws, and is compliant exactly when there are no reasons', () => {
    fc.assert(
      fc.property(signalsArb, (signals) => {
        const result = evaluateCompliance(signals, profiles, now);
        expect(result.compliant).toBe(result.reasons.length === 0);
      }),
    );
  });

  it('calls a device compliant only if every required signal was reported and good', () => {
    fc.assert(
      fc.property(signalsArb, (signals) => {
        if (!evaluateCompliance(signals, profiles, now).compliant) return;
        expect(signals.diskEncrypted).toBe(true);
        expect(signals.passcodeCompliant).toBe(true);
        expect(signals.managed).toBe(true);
        if (['ios', 'ipados', 'android'].includes(signals.platform)) expect(signals.jailbroken).toBe(false);
        expect(signals.reportedAt).toBeDefined();
        expect(now.getTime() - signals.reportedAt!.getTime()).toBeLessThanOrEqual(day);
      }),
    );
  });

  it('makes a compliant device non-compliant when any one signal degrades or goes missing', () => {
    const degradations: ((s: DeviceSignals) => DeviceSignals)[] = [
      (s) => ({ ...s, diskEncrypted: false }),
      (s) => ({ ...s, diskEncrypted: undefined }),
      (s) => ({ ...s, passcodeCompliant: false }),
      (s) => ({ ...s, managed: false }),
      (s) => (['ios', 'ipados', 'android'].includes(s.platform) ? { ...s, jailbroken: true } : { ...s, passcodeCompliant: undefined }),
      (s) => (['ios', 'ipados', 'android'].includes(s.platform) ? { ...s, jailbroken: undefined } : { ...s, managed: undefined }),
      (s) => ({ ...s, reportedAt: new Date(now.getTime() - day - 1) }),
      (s) => ({ ...s, reportedAt: undefined }),
      // Linux has no OS floor by default, so its version is not judged.
      (s) => (s.platform === 'linux' ? { ...s, diskEncrypted: false } : { ...s, osVersion: 'garbage' }),
      (s) => (s.platform === 'linux' ? { ...s, managed: undefined } : { ...s, osVersion: '1.0' }),
    ];
    // Healthy devices: every signal good, OS at or above the floor, reported within the window.
    const floors: Record<string, number> = { ios: 17, ipados: 17, android: 13, macos: 14, windows: 10, linux: 0 };
    const healthyArb = fc
      .record({
        platform: fc.constantFrom(...PLATFORMS),
        bump: fc.integer({ min: 0, max: 5 }),
        minor: fc.array(fc.integer({ min: 0, max: 99999 }), { maxLength: 2 }),
        age: fc.integer({ min: 0, max: day }),
      })
      .map(({ platform, bump, minor, age }): DeviceSignals => ({
        deviceId: 'd1',
        platform,
        osVersion: platform === 'windows' ? `10.0.${19045 + bump * 1000}` : [floors[platform]! + bump, ...minor].join('.'),
        diskEncrypted: true,
        passcodeCompliant: true,
        jailbroken: false,
        managed: true,
        reportedAt: new Date(now.getTime() - age),
      }));
    fc.assert(
      fc.property(healthyArb, fc.constantFrom(...degradations), (signals, degrade) => {
        expect(evaluateCompliance(signals, profiles, now).compliant).toBe(true);
        expect(evaluateCompliance(degrade(signals), profiles, now).compliant).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
