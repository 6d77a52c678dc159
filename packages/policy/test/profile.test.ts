import { describe, expect, it } from 'vitest';
import { ComplianceProfile, defineCheck, diskEncryption, managedDevice, passcodeCompliance } from '../src/index.js';

const custom = defineCheck({
  id: 'acme.firewall',
  description: 'Firewall is on',
  evaluate: () => ({ result: 'pass' }),
});

describe('compliance profiles are editable by check id', () => {
  it('keeps checks in the order they were added', () => {
    const profile = new ComplianceProfile('ios', [diskEncryption, passcodeCompliance]);
    expect(profile.ids).toEqual(['device.disk_encryption', 'device.passcode']);
  });

  it('gets a check by id and answers undefined for an absent one', () => {
    const profile = new ComplianceProfile('ios', [diskEncryption]);
    expect(profile.get('device.disk_encryption')).toBe(diskEncryption);
    expect(profile.get('device.passcode')).toBeUndefined();
  });

  it('adds a check before a named one', () => {
    const profile = new ComplianceProfile('macos', [diskEncryption, managedDevice]);
    profile.add(custom, { before: 'device.managed' });
    expect(profile.ids).toEqual(['device.disk_encryption', 'acme.firewall', 'device.managed']);
  });

  it('removes a check by id and reports whether it was there', () => {
    const profile = new ComplianceProfile('ios', [diskEncryption, passcodeCompliance]);
    expect(profile.remove('device.passcode')).toBe(true);
    expect(profile.remove('device.passcode')).toBe(false);
    expect(profile.ids).toEqual(['device.disk_encryption']);
  });

  it('refuses a second check with the same id, so a replacement is never silent', () => {
    const profile = new ComplianceProfile('ios', [diskEncryption]);
    expect(() => profile.add(diskEncryption)).toThrow(/already has check device.disk_encryption/);
  });

  it('refuses to insert before a check that is not in the profile', () => {
    const profile = new ComplianceProfile('ios', [diskEncryption]);
    expect(() => profile.add(custom, { before: 'device.nope' })).toThrow(/has no check device.nope/);
  });

  it('records how unknown is judged per check, defaulting to the profile setting', () => {
    const profile = new ComplianceProfile('linux', [diskEncryption], { unknown: 'compliant' });
    profile.add(passcodeCompliance, { unknown: 'non_compliant' });
    expect(profile.entries().map((e) => e.unknown)).toEqual(['compliant', 'non_compliant']);
    expect(new ComplianceProfile('ios', [diskEncryption]).entries()[0]?.unknown).toBe('non_compliant');
  });

  it('refuses a check id that is not a stable identifier', () => {
    expect(() => defineCheck({ id: 'Has Spaces', description: '', evaluate: () => ({ result: 'pass' }) })).toThrow(TypeError);
  });
});
