/**
 * What the pages say for each reason code. One place, so wording stays consistent and can be
 * translated later. Messages never reveal whether a username exists.
 */
export type InteractionError =
  | 'invalid_credentials'
  | 'account_disabled'
  | 'totp_invalid'
  | 'totp_replayed'
  | 'throttled'
  | 'csrf'
  | 'user_code_invalid'
  | 'user_code_expired';

export function messageFor(error: InteractionError, retryAfterSeconds = 0): string {
  switch (error) {
    case 'invalid_credentials':
      return 'The username or password is incorrect.';
    case 'account_disabled':
      return 'This account is disabled. Contact your administrator.';
    case 'totp_invalid':
      return 'That code is not correct. Enter the current 6-digit code from your authenticator app.';
    case 'totp_replayed':
      return 'That code was already used. Wait for the next code, then try again.';
    case 'throttled':
      return `Too many attempts. Try again in ${waitText(retryAfterSeconds)}.`;
    case 'csrf':
      return 'This form expired or was sent from another page. Please try again.';
    case 'user_code_invalid':
      return 'That code is not valid. Check the code shown on your device and try again.';
    case 'user_code_expired':
      return 'That code has expired. Start again on your device to get a new code.';
  }
}

function waitText(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.ceil(seconds))} second${seconds <= 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** Status for a page re-rendered with an error: 429 for throttling (with `Retry-After`), 400 otherwise. */
export function statusFor(error: InteractionError | undefined): number {
  if (error === undefined) return 200;
  return error === 'throttled' ? 429 : 400;
}
