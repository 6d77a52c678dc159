import { diskEncryption, jailbreakDetection, managedDevice, osVersionAtLeast, passcodeCompliance, reportFreshness } from './checks/index.js';
import { ComplianceProfile, type UnknownVerdict } from './profile.js';
import { PLATFORMS, type Platform } from './signals.js';

/** The plain-object configuration of the default profiles (what the CLI maps a config file onto). */
export interface ComplianceConfig {
  /** Minimum OS version per platform; a platform left out has no OS floor. */
  readonly minOsVersion: Partial<Record<Platform, string>>;
  /** A device whose last report is older than this is not compliant. */
  readonly maxReportAgeMs: number;
  /** Tolerated clock difference for reports stamped in the future. */
  readonly clockSkewMs: number;
  /** Require enrolment in the UEM. */
  readonly requireManaged: boolean;
  /** How a signal the UEM did not report is judged. */
  readonly unknown: UnknownVerdict;
}

/**
 * The defaults, and why:
 * - `ios`/`ipados` 17: Apple ships complete security fixes only for the current major release and
 *   selected fixes for older ones; 17 is a conservative floor below which fixes have stopped.
 *   iPadOS numbers follow iOS.
 * - `android` 13: Google's monthly security bulletins cover only the most recent releases; 13 is the
 *   conservative floor, and the first release that no longer offers legacy full-disk encryption (only
 *   file-based encryption), so `diskEncrypted` means the same thing on every device that passes.
 * - `macos` 14 (Sonoma): Apple patches the current macOS and the two before it.
 * - `windows` 10.0.19045: Windows 10 22H2, the final Windows 10 feature update; every older build is
 *   out of servicing. Windows 11 (10.0.22000 and later) passes.
 * - `linux`: no floor; the kernel version says little about a distribution's patch state.
 * - 24 h report age: three times Intune's 8-hour check-in cycle, so a laptop closed overnight stays
 *   compliant while one that has been dark for a day does not.
 * - 5 min clock skew: generous for NTP-synced fleets, small against the 24 h window.
 * - `requireManaged`: true; a device the UEM has retired or unenrolled reports `managed: false`.
 * - `unknown`: `'non_compliant'`; see {@link UnknownVerdict}.
 * Raise the floors on your own patch cadence; these are the lowest defensible values, not targets.
 */
export const DEFAULT_COMPLIANCE_CONFIG: ComplianceConfig = Object.freeze({
  minOsVersion: Object.freeze({ ios: '17', ipados: '17', android: '13', macos: '14', windows: '10.0.19045' }),
  maxReportAgeMs: 24 * 60 * 60 * 1000,
  clockSkewMs: 5 * 60 * 1000,
  requireManaged: true,
  unknown: 'non_compliant',
});

const MOBILE: readonly Platform[] = ['ios', 'ipados', 'android'];

/**
 * Builds one profile per platform from a configuration (missing fields take
 * {@link DEFAULT_COMPLIANCE_CONFIG}). Mobile platforms add the jailbreak/root check; every platform
 * checks disk encryption, passcode, OS floor (where one is set), management and report freshness.
 * Throws a `TypeError` at startup on a malformed minimum version or report age.
 */
export function defaultProfiles(config: Partial<ComplianceConfig> = {}): Record<Platform, ComplianceProfile> {
  const merged: ComplianceConfig = { ...DEFAULT_COMPLIANCE_CONFIG, ...config };
  const osFloor = osVersionAtLeast(merged.minOsVersion);
  const freshness = reportFreshness({ maxAgeMs: merged.maxReportAgeMs, clockSkewMs: merged.clockSkewMs });
  const build = (platform: Platform) => {
    const profile = new ComplianceProfile(platform, [], { unknown: merged.unknown });
    profile.add(diskEncryption).add(passcodeCompliance);
    if (MOBILE.includes(platform)) profile.add(jailbreakDetection);
    if (merged.minOsVersion[platform] !== undefined) profile.add(osFloor);
    if (merged.requireManaged) profile.add(managedDevice);
    return profile.add(freshness);
  };
  return Object.fromEntries(PLATFORMS.map((platform) => [platform, build(platform)])) as Record<Platform, ComplianceProfile>;
}

