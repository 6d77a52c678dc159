import type { UserRecord } from '@tessera/store';
import type { AccountService, AuthResult } from '../accounts/service.js';
import type { InteractionError } from './pages/messages.js';
import type { LoginAttempt, LoginThrottle } from './throttle.js';

/**
 * The login steps of an interaction, in order: throttle check → credential check → throttle
 * bookkeeping. Keeping them together guarantees the rules the throttle relies on: refused attempts
 * are never verified (no argon2 work, no password oracle while locked) and never counted; every
 * verified failure — password or TOTP — is counted; only a complete sign-in counts as success.
 */
export interface LoginDeps {
  readonly accounts: AccountService;
  readonly throttle: LoginThrottle;
}

export type LoginOutcome =
  | { readonly kind: 'signed_in'; readonly user: UserRecord; readonly amr: readonly string[] }
  /** Password was right; show the TOTP page for this user (keep `userId` in the interaction, server-side). */
  | { readonly kind: 'totp_required'; readonly userId: string }
  | { readonly kind: 'failed'; readonly error: Exclude<InteractionError, 'throttled' | 'csrf' | 'user_code_invalid' | 'user_code_expired'> }
  | { readonly kind: 'throttled'; readonly retryAfterSeconds: number };

export interface PasswordStepInput extends LoginAttempt {
  readonly password: unknown;
  /** When the form sends password and code together. */
  readonly totp?: unknown;
}

export async function passwordStep(deps: LoginDeps, input: PasswordStepInput): Promise<LoginOutcome> {
  const attempt = { username: String(input.username ?? ''), ip: input.ip, ...(input.deviceId && { deviceId: input.deviceId }) };
  const decision = await deps.throttle.check(attempt);
  if (!decision.allowed) return { kind: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };
  return settle(deps, attempt, await deps.accounts.authenticate(input.username, input.password, input.totp));
}

export interface TotpStepInput extends LoginAttempt {
  /** From the interaction (set by a `totp_required` outcome), never from the form. */
  readonly userId: string;
  readonly code: unknown;
}

export async function totpStep(deps: LoginDeps, input: TotpStepInput): Promise<LoginOutcome> {
  const attempt = { username: input.username, ip: input.ip, ...(input.deviceId && { deviceId: input.deviceId }) };
  const decision = await deps.throttle.check(attempt);
  if (!decision.allowed) return { kind: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };
  return settle(deps, attempt, await deps.accounts.verifySecondFactor(input.userId, input.code));
}

async function settle(deps: LoginDeps, attempt: LoginAttempt, result: AuthResult): Promise<LoginOutcome> {
  if (result.ok) {
    await deps.throttle.recordSuccess(attempt);
    return { kind: 'signed_in', user: result.user, amr: result.amr };
  }
  switch (result.reason) {
    case 'totp_required':
      return { kind: 'totp_required', userId: result.userId! };
    case 'account_disabled':
      // The password was right; counting it would let a disabled account lock its own IP.
      return { kind: 'failed', error: 'account_disabled' };
    default:
      await deps.throttle.recordFailure(attempt);
      return { kind: 'failed', error: result.reason };
  }
}
