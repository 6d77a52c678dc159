import { randomUUID } from 'node:crypto';
import { ConflictError, type UserRecord, type UserStore } from '@tessera/store';
import type { PasswordHasher } from './passwords.js';
import { openSecret } from './secret-box.js';
import { TOTP_DEFAULTS, verifyTotp, type TotpParams } from './totp.js';
import { canonicalUsername, checkPasswordPolicy, isEmailShaped, isGroupName, type PasswordPolicy, DEFAULT_PASSWORD_POLICY } from './users.js';

/** What the account service needs; nothing is reached through globals. */
export interface AccountServiceDeps {
  readonly users: UserStore;
  readonly passwords: PasswordHasher;
  /** 32-byte key that seals TOTP secrets at rest. */
  readonly masterKey: Buffer;
  readonly now: () => Date;
  readonly newId?: () => string;
  readonly passwordPolicy?: PasswordPolicy;
  readonly totp?: TotpParams;
}

export interface CreateUserInput {
  readonly username: unknown;
  readonly password: unknown;
  readonly email?: unknown;
  readonly emailVerified?: boolean;
  readonly groups?: unknown;
}

export type FieldErrorCode =
  | 'invalid_username'
  | 'username_taken'
  | 'invalid_email'
  | 'invalid_groups'
  | 'password_required'
  | 'password_too_short'
  | 'password_too_long'
  | 'password_equals_username';

export interface FieldError {
  readonly field: 'username' | 'password' | 'email' | 'groups';
  readonly code: FieldErrorCode;
}

export type CreateUserResult = { readonly ok: true; readonly user: UserRecord } | { readonly ok: false; readonly errors: readonly FieldError[] };

/**
 * Why a sign-in failed. `invalid_credentials` covers both "no such user" and "wrong password" so the
 * page cannot be used to discover usernames; `account_disabled` is only said after a correct password.
 */
export type AuthFailure = 'invalid_credentials' | 'account_disabled' | 'totp_required' | 'totp_invalid' | 'totp_replayed';

export type AuthResult =
  | { readonly ok: true; readonly user: UserRecord; /** RFC 8176 values. */ readonly amr: readonly string[] }
  | { readonly ok: false; readonly reason: AuthFailure; /** Set for `totp_required`: whose second factor to ask for. */ readonly userId?: string };

/** What the caller must revoke after {@link AccountService.disableUser}: every session and refresh token of the user. */
export interface RevocationOrder {
  readonly sessionsOfUser: string;
  readonly tokensOfSubject: string;
}

export interface AccountService {
  createUser(input: CreateUserInput): Promise<CreateUserResult>;
  /**
   * Password (and TOTP when the user has a confirmed factor) in one call. Without `totp` a user with
   * TOTP gets `totp_required` (the password was right): show the TOTP page, then call {@link verifySecondFactor}.
   * A correct password stored under old argon2 parameters is re-hashed on the way (upgrade on login).
   */
  authenticate(username: unknown, password: unknown, totp?: unknown): Promise<AuthResult>;
  /** Second step of a two-page login: the user already passed the password step in this interaction. */
  verifySecondFactor(userId: string, code: unknown): Promise<AuthResult>;
  /** Set status `disabled`; returns what the caller must revoke, or `undefined` for an unknown user. */
  disableUser(userId: string): Promise<{ readonly user: UserRecord; readonly revoke: RevocationOrder } | undefined>;
}

export function createAccountService(deps: AccountServiceDeps): AccountService {
  if (!Buffer.isBuffer(deps.masterKey) || deps.masterKey.length !== 32) throw new RangeError('masterKey must be 32 bytes');
  const { users, passwords, now } = deps;
  const newId = deps.newId ?? randomUUID;
  const policy = deps.passwordPolicy ?? DEFAULT_PASSWORD_POLICY;
  const totpParams = deps.totp ?? TOTP_DEFAULTS;

  function validate(input: CreateUserInput): { errors: FieldError[]; username?: string; groups: string[] } {
    const errors: FieldError[] = [];
    const username = canonicalUsername(input.username);
    if (username === undefined) errors.push({ field: 'username', code: 'invalid_username' });
    if (input.email !== undefined && input.email !== null && !isEmailShaped(input.email)) errors.push({ field: 'email', code: 'invalid_email' });
    const groups = input.groups ?? [];
    const groupsOk = Array.isArray(groups) && groups.length <= 100 && groups.every(isGroupName);
    if (!groupsOk) errors.push({ field: 'groups', code: 'invalid_groups' });
    if (typeof input.password !== 'string' || input.password.length === 0) {
      errors.push({ field: 'password', code: 'password_required' });
    } else {
      for (const v of checkPasswordPolicy(input.password, username ?? String(input.username ?? ''), policy)) {
        errors.push({ field: 'password', code: `password_${v}` });
      }
    }
    return { errors, ...(username !== undefined && { username }), groups: groupsOk ? [...new Set(groups as string[])] : [] };
  }

  async function secondFactor(user: UserRecord, code: unknown): Promise<AuthResult> {
    const totp = user.totp;
    if (totp === null || totp.confirmedAt === null) return { ok: true, user, amr: ['pwd'] };
    const secret = openSecret(totp.secret, deps.masterKey, `totp:${user.id}`);
    const result = verifyTotp({ secret, code, now: now(), lastUsedStep: totp.lastUsedStep }, totpParams);
    if (!result.ok) return { ok: false, reason: result.reason === 'replayed' ? 'totp_replayed' : 'totp_invalid', userId: user.id };
    // Compare-and-set: of two concurrent requests with the same code only one may win (RFC 6238 §5.2).
    if (!(await users.useTotpStep(user.id, result.step, now()))) return { ok: false, reason: 'totp_replayed', userId: user.id };
    return { ok: true, user, amr: ['pwd', 'otp', 'mfa'] };
  }

  return {
    async createUser(input) {
      const { errors, username, groups } = validate(input);
      if (errors.length > 0 || username === undefined) return { ok: false, errors };
      const at = now();
      const user: UserRecord = {
        v: 1,
        id: newId(),
        username,
        email: typeof input.email === 'string' ? input.email : null,
        emailVerified: input.emailVerified === true && typeof input.email === 'string',
        passwordHash: await passwords.hash(input.password as string),
        totp: null,
        status: 'active',
        groups,
        createdAt: at,
        updatedAt: at,
      };
      try {
        await users.create(user);
      } catch (error) {
        if (error instanceof ConflictError) return { ok: false, errors: [{ field: 'username', code: 'username_taken' }] };
        throw error;
      }
      return { ok: true, user };
    },

    async authenticate(username, password, totp) {
      const key = canonicalUsername(username);
      const user = key === undefined ? undefined : await users.findByUsername(key);
      const pw = typeof password === 'string' ? password : '';
      if (user === undefined) {
        await passwords.verifyDummy(pw);
        return { ok: false, reason: 'invalid_credentials' };
      }
      const verdict = await passwords.verify(user.passwordHash, pw);
      if (!verdict.ok) return { ok: false, reason: 'invalid_credentials' };
      if (user.status !== 'active') return { ok: false, reason: 'account_disabled' };
      if (verdict.needsRehash) await users.update(user.id, { passwordHash: await passwords.hash(pw) }, now());
      const mfa = user.totp !== null && user.totp.confirmedAt !== null;
      if (mfa && (totp === undefined || totp === null || totp === '')) return { ok: false, reason: 'totp_required', userId: user.id };
      return secondFactor(user, totp);
    },

    async verifySecondFactor(userId, code) {
      const user = await users.get(userId);
      if (user === undefined) return { ok: false, reason: 'invalid_credentials' };
      if (user.status !== 'active') return { ok: false, reason: 'account_disabled' };
      return secondFactor(user, code);
    },

    async disableUser(userId) {
      const user = await users.update(userId, { status: 'disabled' }, now());
      if (user === undefined) return undefined;
      return { user, revoke: { sessionsOfUser: user.id, tokensOfSubject: user.id } };
    },
  };
}
