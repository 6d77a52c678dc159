import type { DeviceRecord } from '@tessera/store';
import type { DevicePosture } from '@tessera/policy';

const BOOLEAN_SIGNALS = ['managed', 'jailbroken', 'diskEncrypted', 'passcodeCompliant'] as const;

/**
 * The device as the access policy sees it (`context.device`), from its stored record:
 * - `compliant`/`reasons` are the verdict the device service stored when the last report (or the
 *   freshness sweep) was evaluated; a device never evaluated is not compliant (`not_evaluated`);
 * - `bound` is true when the request's DPoP key is one of the device's registered keys and the device
 *   is not another user's (a device with an owner counts as bound only for its owner; a shared device,
 *   without owner, for anyone; client_credentials has no user). Posture and compliance are reported
 *   either way, so "jailbroken devices get nothing" still applies to a borrowed device;
 * - raw signals are copied only when the report carried them with the right type: a missing or
 *   malformed signal is unknown (absent), never false.
 */
export function postureOf(device: DeviceRecord, jkt: string | null, userId: string | null): DevicePosture {
  const signals = device.posture?.signals ?? {};
  const compliance = device.compliance;
  const posture: { -readonly [K in keyof DevicePosture]: DevicePosture[K] } = {
    id: device.id,
    platform: device.platform,
    compliant: compliance?.compliant === true,
    bound: jkt !== null && device.keys.some((key) => key.jkt === jkt) && (device.userId === null || userId === null || device.userId === userId),
    reasons: compliance === null ? ['not_evaluated'] : [...compliance.reasons],
  };
  for (const name of BOOLEAN_SIGNALS) {
    const value = signals[name];
    if (typeof value === 'boolean') posture[name] = value;
  }
  const osVersion = typeof signals.osVersion === 'string' ? signals.osVersion : device.osVersion;
  if (osVersion !== '') posture.osVersion = osVersion;
  return posture;
}
