/**
 * Stable compliance reason codes and their human text (better-auth `error-codes.ts` style).
 *
 * The codes are a contract: they end up in decision logs, in Cedar policies
 * (`context.device.reasons.contains("os_outdated")`) and on the login page, so a code is never
 * renamed; new ones are added. `message` says what is wrong, `remediation` what the user can do.
 */
export const COMPLIANCE_REASONS = {
  disk_not_encrypted: {
    message: 'The device storage is not encrypted.',
    remediation: 'Turn on disk encryption (FileVault, BitLocker or your device\'s storage encryption) and let your device management app report again.',
  },
  disk_encryption_unknown: {
    message: 'Device management has not reported whether the storage is encrypted.',
    remediation: 'Open your device management app and sync the device.',
  },
  passcode_not_compliant: {
    message: 'The device passcode does not meet the organisation\'s passcode policy.',
    remediation: 'Set a passcode that meets your organisation\'s requirements.',
  },
  passcode_unknown: {
    message: 'Device management has not reported whether the passcode is compliant.',
    remediation: 'Open your device management app and sync the device.',
  },
  device_jailbroken: {
    message: 'The device is jailbroken or rooted.',
    remediation: 'Restore the device to its original operating system; jailbroken or rooted devices cannot be used.',
  },
  jailbreak_status_unknown: {
    message: 'Device management has not reported whether the device is jailbroken or rooted.',
    remediation: 'Open your device management app and sync the device.',
  },
  os_outdated: {
    message: 'The operating system version is below the supported minimum.',
    remediation: 'Update the operating system to the required version or later.',
  },
  os_version_malformed: {
    message: 'The reported operating system version could not be read.',
    remediation: 'Sync the device in your device management app; contact IT if this persists.',
  },
  os_version_unknown: {
    message: 'Device management has not reported the operating system version.',
    remediation: 'Open your device management app and sync the device.',
  },
  device_unmanaged: {
    message: 'The device is not managed by the organisation\'s device management.',
    remediation: 'Enrol the device in your organisation\'s device management.',
  },
  management_unknown: {
    message: 'Device management has not reported whether the device is enrolled.',
    remediation: 'Open your device management app and sync the device.',
  },
  report_stale: {
    message: 'The device has not reported its status recently.',
    remediation: 'Connect the device to the internet and open your device management app so it reports again.',
  },
  report_time_unknown: {
    message: 'The device status report carries no time.',
    remediation: 'Sync the device in your device management app; contact IT if this persists.',
  },
  report_time_invalid: {
    message: 'The device status report has an invalid or future time.',
    remediation: 'Check the device clock and sync it in your device management app.',
  },
  platform_unsupported: {
    message: 'This device platform has no compliance profile.',
    remediation: 'Use a supported device, or ask IT to add a profile for this platform.',
  },
  check_error: {
    message: 'A compliance check could not be evaluated.',
    remediation: 'Contact IT; the check failed on the data reported for this device.',
  },
} as const satisfies Record<string, { message: string; remediation: string }>;

/** A stable compliance reason code (a key of {@link COMPLIANCE_REASONS}). */
export type ComplianceReasonCode = keyof typeof COMPLIANCE_REASONS;

/** Why a device is not compliant: which check said so, the stable code and the human text. */
export interface Reason {
  readonly check: string;
  /** A {@link ComplianceReasonCode} for the built-in checks; custom checks may bring their own. */
  readonly code: string;
  readonly message: string;
  readonly remediation: string;
}

/** True when `code` is one of the built-in codes of {@link COMPLIANCE_REASONS}. */
export function isComplianceReasonCode(code: string): code is ComplianceReasonCode {
  return Object.hasOwn(COMPLIANCE_REASONS, code);
}

/**
 * Builds a {@link Reason}: text from the code table, unless the check gave its own (a custom code, or
 * a more specific remediation such as the exact version to install).
 */
export function reason(check: string, code: string, text: { message?: string; remediation?: string } = {}): Reason {
  const entry = isComplianceReasonCode(code) ? COMPLIANCE_REASONS[code] : undefined;
  return {
    check,
    code,
    message: text.message ?? entry?.message ?? `Compliance check ${check} failed.`,
    remediation: text.remediation ?? entry?.remediation ?? 'Contact IT.',
  };
}
