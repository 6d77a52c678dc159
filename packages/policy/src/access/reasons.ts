/**
 * Stable access-decision reason codes with the text the login page shows. Codes from the shipped
 * policies' `@reason` annotations are listed; operators may add their own codes in their policies,
 * which {@link describeAccessReason} answers with generic text.
 */
export const ACCESS_REASONS = {
  not_permitted: { message: 'No policy allows this request.', remediation: 'Ask your administrator for access.' },
  forbidden_by_policy: { message: 'An access policy forbids this request.', remediation: 'Ask your administrator for access.' },
  policy_error: {
    message: 'An access policy could not be evaluated, so access is refused.',
    remediation: 'Contact your administrator; the policy needs fixing.',
  },
  policy_request_invalid: {
    message: 'The access request could not be checked against the policy.',
    remediation: 'Contact your administrator.',
  },
  device_required: {
    message: 'This application can only be used from a registered device.',
    remediation: 'Sign in from a device managed by your organisation.',
  },
  device_not_compliant: {
    message: 'Your device does not meet the security requirements.',
    remediation: 'Fix the device issues listed, wait for your device management app to report, then try again.',
  },
  device_not_bound: {
    message: 'The sign-in is not tied to your registered device.',
    remediation: 'Use your organisation\'s app on your registered device.',
  },
  device_jailbroken: {
    message: 'Jailbroken or rooted devices cannot be used.',
    remediation: 'Restore the device to its original operating system.',
  },
} as const satisfies Record<string, { message: string; remediation: string }>;

/** A reason code of {@link ACCESS_REASONS}. */
export type AccessReasonCode = keyof typeof ACCESS_REASONS;

/** Human text for an access reason code, with a generic fallback for operator-defined codes. */
export function describeAccessReason(code: string): { message: string; remediation: string } {
  return Object.hasOwn(ACCESS_REASONS, code)
    ? ACCESS_REASONS[code as AccessReasonCode]
    : { message: 'An access policy forbids this request.', remediation: 'Ask your administrator for access.' };
}
