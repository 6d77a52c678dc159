import { describe, expect, it } from 'vitest';
import {
  diskEncryption,
  jailbreakDetection,
  managedDevice,
  osVersionAtLeast,
  passcodeCompliance,
  type Check,
  type CheckResult,
  type DeviceSignals,
} from '../src/index.js';

const now = new Date('2026-11-26T06:00:00Z');
const device = (over: Partial<DeviceSignals>): DeviceSignals => ({ deviceId: 'd1', platform: 'ios', ...over });

type Row = [description: string, check: Check, signals: Partial<DeviceSignals>, result: CheckResult, reason: string | undefined];

const osFloor = osVersionAtLeast({ ios: '17', android: '13', macos: '14', windows: '10.0.19045' });

const rows: Row[] = [
  ['disk encryption passes when encrypted', diskEncryption, { diskEncrypted: true }, 'pass', undefined],
  ['disk encryption fails when not encrypted', diskEncryption, { diskEncrypted: false }, 'fail', 'disk_not_encrypted'],
  ['disk encryption is unknown when not reported', diskEncryption, {}, 'unknown', 'disk_encryption_unknown'],
  ['disk encryption does not coerce the string "true"', diskEncryption, { diskEncrypted: 'true' as unknown as boolean }, 'unknown', 'disk_encryption_unknown'],
  ['passcode passes when compliant', passcodeCompliance, { passcodeCompliant: true }, 'pass', undefined],
  ['passcode fails when not compliant', passcodeCompliance, { passcodeCompliant: false }, 'fail', 'passcode_not_compliant'],
  ['passcode is unknown when not reported', passcodeCompliance, { passcodeCompliant: undefined }, 'unknown', 'passcode_unknown'],
  ['jailbreak passes on an intact iPhone', jailbreakDetection, { jailbroken: false }, 'pass', undefined],
  ['jailbreak fails on a jailbroken iPhone', jailbreakDetection, { jailbroken: true }, 'fail', 'device_jailbroken'],
  ['jailbreak fails on a rooted Android', jailbreakDetection, { platform: 'android', jailbroken: true }, 'fail', 'device_jailbroken'],
  ['jailbreak is unknown on an iPad that did not report', jailbreakDetection, { platform: 'ipados' }, 'unknown', 'jailbreak_status_unknown'],
  ['jailbreak does not apply to macOS', jailbreakDetection, { platform: 'macos', jailbroken: true }, 'not_applicable', undefined],
  ['jailbreak does not apply to Windows', jailbreakDetection, { platform: 'windows' }, 'not_applicable', undefined],
  ['managed passes when enrolled', managedDevice, { managed: true }, 'pass', undefined],
  ['managed fails when unenrolled', managedDevice, { managed: false }, 'fail', 'device_unmanaged'],
  ['managed is unknown when not reported', managedDevice, {}, 'unknown', 'management_unknown'],
  ['OS floor passes at exactly the minimum', osFloor, { osVersion: '17' }, 'pass', undefined],
  ['OS floor passes above the minimum', osFloor, { osVersion: '17.4' }, 'pass', undefined],
  ['OS floor fails below the minimum', osFloor, { osVersion: '16.7.10' }, 'fail', 'os_outdated'],
  ['OS floor passes Windows 11 against a Windows 10 22H2 floor', osFloor, { platform: 'windows', osVersion: '10.0.22631' }, 'pass', undefined],
  ['OS floor passes Windows 10 22H2 with a revision', osFloor, { platform: 'windows', osVersion: '10.0.19045.3803' }, 'pass', undefined],
  ['OS floor fails Windows 10 21H2', osFloor, { platform: 'windows', osVersion: '10.0.19044' }, 'fail', 'os_outdated'],
  ['OS floor passes macOS 14.2.1', osFloor, { platform: 'macos', osVersion: '14.2.1' }, 'pass', undefined],
  ['OS floor fails macOS 13.6', osFloor, { platform: 'macos', osVersion: '13.6' }, 'fail', 'os_outdated'],
  ['OS floor passes Android 13', osFloor, { platform: 'android', osVersion: '13' }, 'pass', undefined],
  ['OS floor passes an Apple RSR on a supported base', osFloor, { osVersion: '17.5.1 (a)' }, 'pass', undefined],
  ['OS floor fails a malformed version with a reason', osFloor, { osVersion: '17.4-beta' }, 'fail', 'os_version_malformed'],
  ['OS floor fails an empty version with a reason', osFloor, { osVersion: '' }, 'fail', 'os_version_malformed'],
  ['OS floor fails a non-string version with a reason', osFloor, { osVersion: 17 as unknown as string }, 'fail', 'os_version_malformed'],
  ['OS floor is unknown when no version was reported', osFloor, {}, 'unknown', 'os_version_unknown'],
  ['OS floor does not apply to a platform without a minimum', osFloor, { platform: 'linux', osVersion: '6.8' }, 'not_applicable', undefined],
];

describe('compliance checks', () => {
  it.each(rows)('%s', (_description, check, signals, result, reason) => {
    const verdict = check.evaluate(device(signals), { now });
    expect(verdict.result).toBe(result);
    expect(verdict.reason).toBe(reason);
  });

  it('names the required version in the OS remediation', () => {
    expect(osFloor.evaluate(device({ osVersion: '16.0' }), { now }).remediation).toBe('Update to 17 or later.');
  });

  it('refuses a malformed minimum version at configuration time', () => {
    expect(() => osVersionAtLeast({ ios: 'seventeen' })).toThrow(/minimum OS version for ios/);
  });
});
