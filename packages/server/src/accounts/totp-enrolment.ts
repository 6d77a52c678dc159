import type { UserStore } from '@tessera/store';
import { openSecret, sealSecret } from './secret-box.js';
import { generateTotpSecret, otpauthUri, TOTP_DEFAULTS, verifyTotp, type TotpParams } from './totp.js';

export interface TotpEnrolmentDeps {
  readonly users: UserStore;
  readonly masterKey: Buffer;
  readonly now: () => Date;
  /** Shown in authenticator apps ("Acme SSO"). */
  readonly issuerName: string;
  readonly totp?: TotpParams;
}

export type EnrolmentStart =
  | { readonly ok: true; /** Show once, for manual entry. */ readonly secret: string; readonly otpauthUri: string }
  | { readonly ok: false; readonly reason: 'unknown_user' | 'already_enrolled' };

export type EnrolmentConfirm = { readonly ok: true } | { readonly ok: false; readonly reason: 'unknown_user' | 'not_started' | 'already_enrolled' | 'totp_invalid' | 'totp_replayed' };

/**
 * TOTP enrolment in two steps: `start` stores a sealed, unconfirmed secret and returns it for the QR
 * code; `confirm` proves the app holds it with a first code, after which login requires TOTP. An
 * unconfirmed secret is never asked for at login, so an abandoned enrolment cannot lock anyone out.
 */
export function createTotpEnrolment(deps: TotpEnrolmentDeps) {
  const params = deps.totp ?? TOTP_DEFAULTS;
  const context = (userId: string) => `totp:${userId}`;
  return {
    async start(userId: string): Promise<EnrolmentStart> {
      const user = await deps.users.get(userId);
      if (user === undefined) return { ok: false, reason: 'unknown_user' };
      if (user.totp?.confirmedAt) return { ok: false, reason: 'already_enrolled' };
      const secret = generateTotpSecret();
      const sealed = sealSecret(secret, deps.masterKey, context(userId));
      await deps.users.update(userId, { totp: { secret: sealed, lastUsedStep: null, confirmedAt: null } }, deps.now());
      return { ok: true, secret, otpauthUri: otpauthUri({ issuer: deps.issuerName, accountName: user.username, secret }, params) };
    },

    async confirm(userId: string, code: unknown): Promise<EnrolmentConfirm> {
      const user = await deps.users.get(userId);
      if (user === undefined) return { ok: false, reason: 'unknown_user' };
      if (user.totp === null) return { ok: false, reason: 'not_started' };
      if (user.totp.confirmedAt !== null) return { ok: false, reason: 'already_enrolled' };
      const secret = openSecret(user.totp.secret, deps.masterKey, context(userId));
      const result = verifyTotp({ secret, code, now: deps.now(), lastUsedStep: user.totp.lastUsedStep }, params);
      if (!result.ok) return { ok: false, reason: result.reason === 'replayed' ? 'totp_replayed' : 'totp_invalid' };
      const at = deps.now();
      await deps.users.update(userId, { totp: { ...user.totp, lastUsedStep: result.step, confirmedAt: at } }, at);
      return { ok: true };
    },

    /** Remove the factor (admin reset, or the user after re-authentication). */
    async remove(userId: string): Promise<boolean> {
      return (await deps.users.update(userId, { totp: null }, deps.now())) !== undefined;
    },
  };
}

export type TotpEnrolment = ReturnType<typeof createTotpEnrolment>;
