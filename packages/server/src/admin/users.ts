import { randomBytes } from 'node:crypto';
import type { Storage, UserRecord } from '@tessera/store';
import {
  checkPasswordPolicy,
  createAccountService,
  createPasswordHasher,
  createTotpEnrolment,
  DEFAULT_PASSWORD_POLICY,
  OWASP_ARGON2ID,
  PasswordInputError,
  type FieldError,
  type PasswordHasher,
  type PasswordHashParams,
  type PasswordPolicy,
} from '../accounts/index.js';
import { isGroupName } from '../accounts/users.js';
import type { EventBus } from '../events/bus.js';
import { AdminError } from './errors.js';

/** What an operator may see of a user: never the password hash or the TOTP secret. */
export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly status: 'active' | 'disabled';
  readonly groups: readonly string[];
  /** `pending` after enrolment started and before a first code confirmed it (not yet asked at login). */
  readonly totp: 'none' | 'pending' | 'enrolled';
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface CreateUserAdminInput {
  readonly username: string;
  readonly password: string;
  readonly email?: string | null;
  readonly emailVerified?: boolean;
  readonly groups?: readonly string[];
}

/** What a disable or password change ended; `sids` are the public session ids told to back-channel logout. */
export interface Revoked {
  readonly sids: readonly string[];
  readonly tokens: number;
}

/** Managing the people who sign in (issue 3). Every refused input is an {@link AdminError} with one issue per field. */
export interface UserAdmin {
  /** Create through the account service (username canonicalised, argon2id, password policy). */
  create(input: CreateUserAdminInput): Promise<UserView>;
  /** By id, or else by (case-insensitive) username. */
  get(idOrUsername: string): Promise<UserView | undefined>;
  /** One page ordered by username; pass `next` back as `after` for the following page. */
  list(options?: { limit?: number; after?: string }): Promise<{ users: UserView[]; next: string | null }>;
  /**
   * Set status `disabled`, revoke every session and stored token of the user, and emit `user.disabled`
   * (back-channel logout, CAE and SSF react to it). Idempotent; `undefined` for an unknown user.
   */
  disable(id: string): Promise<{ user: UserView; revoked: Revoked } | undefined>;
  enable(id: string): Promise<UserView | undefined>;
  /**
   * Replace the password. By default every session and stored token of the user is revoked as well
   * (RFC 9700 §4.14.2 allows revoking refresh tokens on password change): an operator resets a password
   * mostly because it leaked, and whoever used it must not keep a session. `keepSessions` opts out.
   */
  setPassword(id: string, password: string, options?: { keepSessions?: boolean }): Promise<{ user: UserView; revoked: Revoked } | undefined>;
  setGroups(id: string, groups: readonly string[]): Promise<UserView | undefined>;
  readonly totp: {
    /** Start (or restart) enrolment: the secret and otpauth URI are returned here once; only a sealed copy is stored. */
    start(id: string): Promise<{ secret: string; otpauthUri: string }>;
    /** Confirm with a first code from the app; from then on login asks for TOTP. */
    confirm(id: string, code: string): Promise<UserView>;
    /** Remove the factor (lost phone); returns whether the user exists. */
    reset(id: string): Promise<boolean>;
  };
}

/** Settings of {@link createUserAdmin}; the server passes its `accounts` config. */
export interface UserAdminOptions {
  /**
   * Seals TOTP secrets. Without it, everything but the TOTP operations works (the CLI creates users
   * without reading the master key).
   */
  masterKey?: Buffer;
  /** A hasher to share; otherwise one is made (on first use) with `passwordParams`, default OWASP's argon2id. */
  passwords?: PasswordHasher;
  passwordParams?: PasswordHashParams;
  passwordPolicy?: PasswordPolicy;
  /** Name authenticator apps show (config `accounts.totpIssuer`). */
  totpIssuer?: string;
  /** Where `user.disabled` and `session.revoked` go; without it nothing is told (offline CLI use). */
  events?: Pick<EventBus, 'emit'>;
  now?: () => number;
}

const FIELD_MESSAGES: Record<FieldError['code'], string> = {
  invalid_username: 'must be 3–64 characters of a-z 0-9 . _ @ + -, starting and ending with a letter or digit',
  username_taken: 'is already taken',
  invalid_email: 'is not an e-mail address',
  invalid_groups: 'must be at most 100 names of 1–64 characters A-Z a-z 0-9 . _ : / -',
  password_required: 'is required',
  password_too_short: 'is too short',
  password_too_long: 'is too long',
  password_equals_username: 'must not equal the username',
};

function fieldError(what: string, errors: readonly FieldError[]): AdminError {
  const issues = errors.map((e) => ({ path: e.field, message: `${e.field} ${FIELD_MESSAGES[e.code]}`, code: e.code }));
  return new AdminError(`invalid ${what}: ${issues.map((i) => i.message).join('; ')}`, issues);
}

export function viewUser(user: UserRecord): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified,
    status: user.status,
    groups: [...user.groups],
    totp: user.totp === null ? 'none' : user.totp.confirmedAt === null ? 'pending' : 'enrolled',
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

const MAX_PAGE = 500;

export function createUserAdmin(
  storage: Pick<Storage, 'users' | 'sessions' | 'tokens'>,
  options: UserAdminOptions = {},
): UserAdmin {
  const clock = options.now ?? Date.now;
  const now = () => new Date(clock());
  const passwords = options.passwords ?? createPasswordHasher(options.passwordParams ?? OWASP_ARGON2ID);
  const policy = options.passwordPolicy ?? { ...DEFAULT_PASSWORD_POLICY, maxBytes: passwords.params.maxPasswordBytes };
  // createUser and disableUser never open a sealed secret; a throwaway key lets the service exist
  // when the caller has no master key, and the TOTP operations below refuse in that case.
  const accounts = createAccountService({ users: storage.users, passwords, masterKey: options.masterKey ?? randomBytes(32), now, passwordPolicy: policy });
  const enrolment =
    options.masterKey === undefined
      ? undefined
      : createTotpEnrolment({ users: storage.users, masterKey: options.masterKey, now, issuerName: options.totpIssuer ?? 'Tessera' });

  function totpOps() {
    if (enrolment === undefined) throw new AdminError('TOTP management needs the master key (it seals the TOTP secret)');
    return enrolment;
  }

  /** Sessions first, then tokens: a refresh token must not outlive the session that is being ended. */
  async function revokeAll(userId: string, at: Date): Promise<Revoked> {
    const sessions = await storage.sessions.revokeByUser(userId, at);
    const tokens = await storage.tokens.revokeBySubject(userId, at);
    return { sids: sessions.map((s) => s.sid), tokens };
  }

  async function find(idOrUsername: string): Promise<UserRecord | undefined> {
    if (typeof idOrUsername !== 'string' || idOrUsername === '') return undefined;
    return (await storage.users.get(idOrUsername)) ?? (await storage.users.findByUsername(idOrUsername.toLowerCase()));
  }

  return {
    async create(input) {
      const result = await accounts.createUser({
        username: input.username,
        password: input.password,
        ...(input.email !== undefined && { email: input.email }),
        ...(input.emailVerified !== undefined && { emailVerified: input.emailVerified }),
        ...(input.groups !== undefined && { groups: input.groups }),
      });
      if (!result.ok) throw fieldError('user', result.errors);
      return viewUser(result.user);
    },

    async get(idOrUsername) {
      const user = await find(idOrUsername);
      return user && viewUser(user);
    },

    async list(opts = {}) {
      const limit = opts.limit ?? 100;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
        throw new AdminError(`limit must be an integer from 1 to ${MAX_PAGE}`, [{ path: 'limit', message: `must be 1–${MAX_PAGE}` }]);
      }
      // One extra row says whether another page exists without a count query.
      const rows = await storage.users.list({ limit: limit + 1, ...(opts.after !== undefined && { after: opts.after }) });
      const page = rows.slice(0, limit);
      return { users: page.map(viewUser), next: rows.length > limit ? page.at(-1)!.username : null };
    },

    async disable(id) {
      const done = await accounts.disableUser(id);
      if (done === undefined) return undefined;
      const at = now();
      const revoked = await revokeAll(done.revoke.sessionsOfUser, at);
      await options.events?.emit('user.disabled', { userId: done.user.id, sids: revoked.sids, at });
      return { user: viewUser(done.user), revoked };
    },

    async enable(id) {
      const user = await storage.users.update(id, { status: 'active' }, now());
      return user && viewUser(user);
    },

    async setPassword(id, password, opts = {}) {
      const user = await storage.users.get(id);
      if (user === undefined) return undefined;
      if (typeof password !== 'string' || password === '') throw fieldError('password', [{ field: 'password', code: 'password_required' }]);
      const violations = checkPasswordPolicy(password, user.username, policy);
      if (violations.length > 0) throw fieldError('password', violations.map((v) => ({ field: 'password', code: `password_${v}` })));
      let passwordHash: string;
      try {
        passwordHash = await passwords.hash(password);
      } catch (error) {
        if (error instanceof PasswordInputError) throw fieldError('password', [{ field: 'password', code: 'password_too_long' }]);
        throw error;
      }
      const at = now();
      const updated = await storage.users.update(id, { passwordHash }, at);
      if (updated === undefined) return undefined;
      const revoked = opts.keepSessions === true ? { sids: [], tokens: 0 } : await revokeAll(id, at);
      for (const sid of revoked.sids) {
        await options.events?.emit('session.revoked', { sid, userId: id, at, reason: 'password changed by an administrator' });
      }
      return { user: viewUser(updated), revoked };
    },

    async setGroups(id, groups) {
      if (!Array.isArray(groups) || groups.length > 100 || !groups.every(isGroupName)) {
        throw fieldError('groups', [{ field: 'groups', code: 'invalid_groups' }]);
      }
      const user = await storage.users.update(id, { groups: [...new Set(groups)] }, now());
      return user && viewUser(user);
    },

    totp: {
      async start(id) {
        const ops = totpOps();
        // An admin restart replaces a pending secret; a confirmed factor must be reset explicitly first.
        const started = await ops.start(id);
        if (!started.ok) {
          throw new AdminError(started.reason === 'unknown_user' ? `no user ${id}` : 'the user already has a confirmed TOTP factor; reset it first', [
            { path: 'totp', message: started.reason, code: started.reason },
          ]);
        }
        return { secret: started.secret, otpauthUri: started.otpauthUri };
      },
      async confirm(id, code) {
        const confirmed = await totpOps().confirm(id, code);
        if (!confirmed.ok) {
          const messages: Record<typeof confirmed.reason, string> = {
            unknown_user: `no user ${id}`,
            not_started: 'TOTP enrolment was not started',
            already_enrolled: 'TOTP is already confirmed',
            totp_invalid: 'the code is not valid for this secret now',
            totp_replayed: 'the code was already used',
          };
          throw new AdminError(messages[confirmed.reason], [{ path: 'code', message: messages[confirmed.reason], code: confirmed.reason }]);
        }
        return viewUser((await storage.users.get(id))!);
      },
      async reset(id) {
        return totpOps().remove(id);
      },
    },
  };
}
