/**
 * The platforms a UEM reports on. iPadOS is separate from iOS because operators commonly set
 * different floors for shared iPads; its version numbers follow iOS.
 */
export const PLATFORMS = ['ios', 'ipados', 'android', 'macos', 'windows', 'linux'] as const;

/** One of {@link PLATFORMS}. */
export type Platform = (typeof PLATFORMS)[number];

/** Narrows an untrusted string (a webhook body, a database row) to a {@link Platform}. */
export function isPlatform(value: unknown): value is Platform {
  return typeof value === 'string' && (PLATFORMS as readonly string[]).includes(value);
}

/**
 * A device's posture as last reported by its UEM (Hexnode, Intune, Jamf, …).
 *
 * Every signal is optional and `undefined` means *unknown*, never *false*: a UEM that does not report
 * disk encryption has not told us the disk is unencrypted. Checks answer `unknown` for such signals and
 * the profile decides how unknown is judged (by default: not compliant, see
 * {@link ComplianceProfileOptions.unknown}). This mirrors Intune, which marks a device "not evaluated"
 * rather than compliant when a setting is missing.
 */
export interface DeviceSignals {
  /** Tessera's device id. */
  readonly deviceId: string;
  readonly platform: Platform;
  /** As reported: "17.4", "14.2.1", "10.0.22631" (Windows build), "16.5.1 (c)" (Apple RSR). */
  readonly osVersion?: string | undefined;
  /** Full-disk / storage encryption (FileVault, BitLocker, LUKS, Android file-based encryption). */
  readonly diskEncrypted?: boolean | undefined;
  /** The device passcode / password meets the UEM's passcode policy. */
  readonly passcodeCompliant?: boolean | undefined;
  /** Jailbroken (iOS/iPadOS) or rooted (Android). */
  readonly jailbroken?: boolean | undefined;
  /** Enrolled in and managed by the UEM that reports it. */
  readonly managed?: boolean | undefined;
  /** When the UEM observed this posture (its report time, not our receive time). */
  readonly reportedAt?: Date | undefined;
  /** Which UEM connector the report came from. */
  readonly source?: string | undefined;
}
