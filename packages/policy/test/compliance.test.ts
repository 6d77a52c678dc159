import { describe, expect, it } from 'vitest';
import {
  COMPLIANCE_REASONS,
  ComplianceProfile,
  DEFAULT_COMPLIANCE_CONFIG,
  PLATFORMS,
  defaultProfiles,
  defineCheck,
  diskEncryption,
  evaluateCompliance,
  type DeviceSignals,
  type Platform,
} from '../src/index.js';

const now = new Date('2026-11-26T06:00:00Z');
const profiles = defaultProfiles();
const healthyVersion: Record<Platform, string> = { ios: '17.4', ipados: '18.1', android: '14', macos: '14.2.1', windows: '10.0.22631', linux: '6.8.0' };
const healthy = (platform: Platform, over: Partial<DeviceSignals> = {}): DeviceSignals => ({
  deviceId: `dev-${platform}`,
  platform,
  osVersion: healthyVersion[platform],
  diskEncrypted: true,
  passcodeCompliant: true,
  jailbroken: false,
  managed: true,
  reportedAt: new Date(now.getTime() - 60_000),
  source: 'uem-test',
  ...over,
});

describe('evaluateCompliance with the default profiles', () => {
  it.each(PLATFORMS)('finds a fully healthy %s device compliant with no reasons', (platform) => {
    const result = evaluateCompliance(healthy(platform), profiles, now);
    expect(result).toMatchObject({ compliant: true, reasons: [] });
    expect(result.checks.every((c) => c.result === 'pass' || c.result === 'not_applicable')).toBe(true);
  });

  const broken: [string, Platform, Partial<DeviceSignals>, string[]][] = [
    ['an unencrypted Mac', 'macos', { diskEncrypted: false }, ['disk_not_encrypted']],
    ['a jailbroken iPhone', 'ios', { jailbroken: true }, ['device_jailbroken']],
    ['a rooted Android on an old release', 'android', { jailbroken: true, osVersion: '12' }, ['device_jailbroken', 'os_outdated']],
    ['a Windows 10 21H2 PC with a weak password', 'windows', { osVersion: '10.0.19044', passcodeCompliant: false }, ['passcode_not_compliant', 'os_outdated']],
    ['an iPad with an unreadable version', 'ipados', { osVersion: 'seventeen' }, ['os_version_malformed']],
    ['an unenrolled Linux laptop', 'linux', { managed: false }, ['device_unmanaged']],
    ['a Mac that stopped reporting two days ago', 'macos', { reportedAt: new Date(now.getTime() - 48 * 3600_000) }, ['report_stale']],
    ['an iPhone whose UEM reports nothing about encryption', 'ios', { diskEncrypted: undefined }, ['disk_encryption_unknown']],
    ['an iPhone with no report time', 'ios', { reportedAt: undefined }, ['report_time_unknown']],
  ];
  it.each(broken)('finds %s non-compliant with stable reasons in profile order', (_d, platform, over, codes) => {
    const result = evaluateCompliance(healthy(platform, over), profiles, now);
    expect(result.compliant).toBe(false);
    expect(result.reasons.map((r) => r.code)).toEqual(codes);
  });

  it('gives each reason the human text and remediation from the code table', () => {
    const [first] = evaluateCompliance(healthy('macos', { diskEncrypted: false }), profiles, now).reasons;
    expect(first).toEqual({ check: 'device.disk_encryption', code: 'disk_not_encrypted', ...COMPLIANCE_REASONS.disk_not_encrypted });
  });

  it('judges an unknown signal non-compliant by default (unknown is not false, but is not trusted either)', () => {
    const result = evaluateCompliance(healthy('ios', { passcodeCompliant: undefined }), profiles, now);
    expect(result.compliant).toBe(false);
    expect(result.checks.find((c) => c.check === 'device.passcode')).toMatchObject({ result: 'unknown', blocking: true });
  });

  it('lets an operator judge unknown as compliant for one check, keeping the outcome visible', () => {
    const linux = defaultProfiles().linux;
    linux.remove('device.passcode');
    linux.add(defaultProfiles().ios.get('device.passcode')!, { unknown: 'compliant' });
    const result = evaluateCompliance(healthy('linux', { passcodeCompliant: undefined }), linux, now);
    expect(result.compliant).toBe(true);
    expect(result.checks.find((c) => c.check === 'device.passcode')).toMatchObject({ result: 'unknown', blocking: false });
  });

  it('still fails a check judged compliant-when-unknown when the signal says fail', () => {
    const profile = new ComplianceProfile('linux', [diskEncryption], { unknown: 'compliant' });
    expect(evaluateCompliance(healthy('linux', { diskEncrypted: false }), profile, now).compliant).toBe(false);
  });

  it('finds a device without a profile for its platform non-compliant', () => {
    const { ios } = defaultProfiles();
    const result = evaluateCompliance(healthy('android'), { ios }, now);
    expect(result).toMatchObject({ compliant: false, reasons: [{ code: 'platform_unsupported' }] });
  });

  it('finds a device non-compliant when given another platform\'s profile', () => {
    expect(evaluateCompliance(healthy('android'), profiles.ios, now).compliant).toBe(false);
  });

  it('finds missing signals non-compliant instead of throwing', () => {
    const result = evaluateCompliance(null as unknown as DeviceSignals, profiles, now);
    expect(result).toMatchObject({ compliant: false, reasons: [{ code: 'check_error' }] });
  });

  it('fails freshness closed when the injected clock is not a valid date', () => {
    const result = evaluateCompliance(healthy('ios'), profiles, new Date(Number.NaN));
    expect(result.compliant).toBe(false);
    expect(result.reasons.map((r) => r.code)).toEqual(['report_time_invalid']);
  });

  it('fails a check that throws with check_error instead of throwing', () => {
    const profile = new ComplianceProfile('ios', [
      defineCheck({ id: 'acme.broken', description: 'throws', evaluate: () => { throw new Error('boom'); } }),
    ]);
    const result = evaluateCompliance(healthy('ios'), profile, now);
    expect(result).toMatchObject({ compliant: false, reasons: [{ check: 'acme.broken', code: 'check_error' }] });
  });

  it('fails a check that returns an unknown result word', () => {
    const profile = new ComplianceProfile('ios', [
      defineCheck({ id: 'acme.sloppy', description: '', evaluate: () => ({ result: 'ok' as 'pass' }) }),
    ]);
    expect(evaluateCompliance(healthy('ios'), profile, now).compliant).toBe(false);
  });

  it('uses custom reason text from a custom check', () => {
    const profile = new ComplianceProfile('macos', [
      defineCheck({ id: 'acme.firewall', description: '', evaluate: () => ({ result: 'fail', reason: 'firewall_off', message: 'Firewall is off.', remediation: 'Turn it on.' }) }),
    ]);
    expect(evaluateCompliance(healthy('macos'), profile, now).reasons).toEqual([
      { check: 'acme.firewall', code: 'firewall_off', message: 'Firewall is off.', remediation: 'Turn it on.' },
    ]);
  });

  it('honours a configured report age and OS floor', () => {
    const strict = defaultProfiles({ maxReportAgeMs: 3600_000, minOsVersion: { ...DEFAULT_COMPLIANCE_CONFIG.minOsVersion, ios: '18' } });
    const result = evaluateCompliance(healthy('ios', { reportedAt: new Date(now.getTime() - 2 * 3600_000) }), strict, now);
    expect(result.reasons.map((r) => r.code)).toEqual(['os_outdated', 'report_stale']);
  });

  it('drops the management check when not required', () => {
    expect(defaultProfiles({ requireManaged: false }).ios.has('device.managed')).toBe(false);
  });

  it('checks jailbreak only on mobile platforms by default', () => {
    expect(PLATFORMS.filter((p) => profiles[p].has('device.jailbreak'))).toEqual(['ios', 'ipados', 'android']);
  });
});
