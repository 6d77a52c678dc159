import { defineCheck, type Check } from '../check.js';
import { compareOsVersions, parseOsVersion } from '../os-version.js';
import type { Platform } from '../signals.js';

/**
 * OS version at or above a per-platform minimum. A platform without a minimum is `not_applicable`;
 * a version that cannot be read fails with `os_version_malformed` (never a throw: the value comes
 * from a connector and may be anything).
 *
 * @param minimums minimum version per platform, validated here so a typo fails at startup.
 */
export function osVersionAtLeast(minimums: Partial<Record<Platform, string>>): Check {
  const parsed = new Map<Platform, readonly number[]>();
  for (const [platform, text] of Object.entries(minimums) as [Platform, string | undefined][]) {
    if (text === undefined) continue;
    const version = parseOsVersion(text);
    if (!version) throw new TypeError(`minimum OS version for ${platform} is not a version: ${JSON.stringify(text)}`);
    parsed.set(platform, version);
  }
  return defineCheck({
    id: 'device.os_version',
    description: 'Device OS is at or above the minimum supported version',
    evaluate(signals) {
      const required = parsed.get(signals.platform);
      if (!required) return { result: 'not_applicable' };
      const reported: unknown = signals.osVersion;
      if (reported === undefined) return { result: 'unknown', reason: 'os_version_unknown' };
      const version = typeof reported === 'string' ? parseOsVersion(reported) : undefined;
      if (!version) return { result: 'fail', reason: 'os_version_malformed' };
      return compareOsVersions(version, required) >= 0
        ? { result: 'pass' }
        : { result: 'fail', reason: 'os_outdated', remediation: `Update to ${minimums[signals.platform]} or later.` };
    },
  });
}
