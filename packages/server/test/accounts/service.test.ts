import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { base32Decode } from '../../src/accounts/base32.js';
import { createPasswordHasher, OWASP_ARGON2ID } from '../../src/accounts/passwords.js';
import { createAccountService, type AccountService } from '../../src/accounts/service.js';
import { createTotpEnrolment, type TotpEnrolment } from '../../src/accounts/totp-enrolment.js';
import { hotp, totpStep } from '../../src/accounts/totp.js';
import { memoryUserStore } from './memory-users.js';

const params = { ...OWASP_ARGON2ID, memoryCost: 8192, timeCost: 1 };

describe('account service', () => {
  let clock: Date;
  let users: ReturnType<typeof memoryUserStore>;
  let service: AccountService;
  let enrolment: TotpEnrolment;
  const masterKey = randomBytes(32);
  let ids = 0;

  beforeEach(() => {
    clock = new Date('2026-01-01T00:00:00Z');
    users = memoryUserStore();
    const deps = { users, masterKey, now: () => clock, newId: () => `u${++ids}` };
    service = createAccountService({ ...deps, passwords: createPasswordHasher(params) });
    enrolment = createTotpEnrolment({ ...deps, issuerName: 'Tessera Test' });
  });

  const create = async (username = 'Alice', password = 'correct horse') => {
    const result = await service.createUser({ username, password, email: 'alice@example.com', groups: ['staff'] });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.user;
  };

  describe('createUser', () => {
    it('stores a canonical lower-case username, an argon2id hash and never the password', async () => {
      const user = await create();
      expect(user).toMatchObject({ v: 1, username: 'alice', status: 'active', groups: ['staff'], totp: null, emailVerified: false });
      expect(user.passwordHash).toMatch(/^\$argon2id\$/);
      expect(JSON.stringify([...users.rows.values()])).not.toContain('correct horse');
    });

    it('treats usernames case-insensitively: "ALICE" is taken once "alice" exists', async () => {
      await create('alice');
      expect(await service.createUser({ username: 'ALICE', password: 'another pass' })).toEqual({
        ok: false,
        errors: [{ field: 'username', code: 'username_taken' }],
      });
    });

    it.each([
      [{ username: 'ab', password: 'longenough' }, 'invalid_username'],
      [{ username: 'bad name', password: 'longenough' }, 'invalid_username'],
      [{ username: '<script>', password: 'longenough' }, 'invalid_username'],
      [{ username: 'bob', password: 'short' }, 'password_too_short'],
      [{ username: 'bob', password: 'x'.repeat(1025) }, 'password_too_long'],
      [{ username: 'bobbybobby', password: 'BobbyBobby' }, 'password_equals_username'],
      [{ username: 'bob', password: undefined }, 'password_required'],
      [{ username: 'bob', password: 'longenough', email: 'not-an-email' }, 'invalid_email'],
      [{ username: 'bob', password: 'longenough', groups: ['has space'] }, 'invalid_groups'],
    ])('refuses %j with %s (NIST SP 800-63B §5.1.1.2 password rules)', async (input, code) => {
      const result = await service.createUser(input);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.errors.map((e) => e.code)).toContain(code);
    });
  });

  describe('authenticate', () => {
    it('signs in with the right password, matching the username case-insensitively', async () => {
      const user = await create();
      expect(await service.authenticate('ALICE', 'correct horse')).toEqual({ ok: true, user: expect.objectContaining({ id: user.id }), amr: ['pwd'] });
    });

    it('gives the same reason for an unknown user and a wrong password (no username enumeration)', async () => {
      await create();
      expect(await service.authenticate('alice', 'wrong horse')).toEqual({ ok: false, reason: 'invalid_credentials' });
      expect(await service.authenticate('mallory', 'correct horse')).toEqual({ ok: false, reason: 'invalid_credentials' });
      expect(await service.authenticate({ $ne: 1 }, ['x'])).toEqual({ ok: false, reason: 'invalid_credentials' });
    });

    it('refuses a disabled user, and says so only after a correct password', async () => {
      const user = await create();
      const disabled = await service.disableUser(user.id);
      expect(disabled?.revoke).toEqual({ sessionsOfUser: user.id, tokensOfSubject: user.id });
      expect(await service.authenticate('alice', 'correct horse')).toEqual({ ok: false, reason: 'account_disabled' });
      expect(await service.authenticate('alice', 'wrong horse')).toEqual({ ok: false, reason: 'invalid_credentials' });
      expect(await service.disableUser('nobody')).toBeUndefined();
    });

    it('re-hashes a password stored under old argon2 parameters on successful login (upgrade on login)', async () => {
      const user = await create();
      const old = await createPasswordHasher({ ...params, memoryCost: 7168 }).hash('correct horse');
      await users.update(user.id, { passwordHash: old }, clock);
      await service.authenticate('alice', 'wrong horse');
      expect((await users.get(user.id))?.passwordHash).toBe(old);
      expect((await service.authenticate('alice', 'correct horse')).ok).toBe(true);
      expect((await users.get(user.id))?.passwordHash).toMatch(/m=8192,t=1,p=1/);
    });
  });

  describe('TOTP enrolment and login', () => {
    const codeFor = (secret: string, at: Date, offset = 0) => hotp(base32Decode(secret)!, totpStep(at) + offset);

    it('stores the TOTP secret encrypted and does not require it until confirmed', async () => {
      const user = await create();
      const started = await enrolment.start(user.id);
      if (!started.ok) throw new Error(started.reason);
      expect(started.otpauthUri).toMatch(/^otpauth:\/\/totp\/Tessera%20Test:alice\?secret=[A-Z2-7]{32}&/);
      const stored = (await users.get(user.id))!.totp!;
      expect(stored.secret).not.toContain(started.secret);
      expect(stored.secret).toMatch(/^v1\./);
      expect(stored.confirmedAt).toBeNull();
      expect((await service.authenticate('alice', 'correct horse')).ok).toBe(true);
    });

    it('requires a TOTP code after confirmation and accepts each code only once', async () => {
      const user = await create();
      const started = await enrolment.start(user.id);
      if (!started.ok) throw new Error(started.reason);
      expect(await enrolment.confirm(user.id, '000000')).toEqual({ ok: false, reason: 'totp_invalid' });
      expect(await enrolment.confirm(user.id, codeFor(started.secret, clock))).toEqual({ ok: true });
      expect(await enrolment.start(user.id)).toEqual({ ok: false, reason: 'already_enrolled' });

      expect(await service.authenticate('alice', 'correct horse')).toEqual({ ok: false, reason: 'totp_required', userId: user.id });
      // The enrolment code's step is used: the same code again is a replay.
      expect(await service.authenticate('alice', 'correct horse', codeFor(started.secret, clock))).toMatchObject({ reason: 'totp_replayed' });
      clock = new Date(clock.getTime() + 30_000);
      const code = codeFor(started.secret, clock);
      expect(await service.authenticate('alice', 'correct horse', code)).toMatchObject({ ok: true, amr: ['pwd', 'otp', 'mfa'] });
      expect(await service.verifySecondFactor(user.id, code)).toMatchObject({ ok: false, reason: 'totp_replayed' });
      expect(await service.verifySecondFactor(user.id, 'abc')).toMatchObject({ ok: false, reason: 'totp_invalid' });
      clock = new Date(clock.getTime() + 30_000);
      expect(await service.verifySecondFactor(user.id, codeFor(started.secret, clock))).toMatchObject({ ok: true });
    });

    it('lets only one of two concurrent logins with the same code through (compare-and-set)', async () => {
      const user = await create();
      const started = await enrolment.start(user.id);
      if (!started.ok) throw new Error(started.reason);
      await enrolment.confirm(user.id, codeFor(started.secret, clock));
      clock = new Date(clock.getTime() + 60_000);
      const code = codeFor(started.secret, clock);
      const results = await Promise.all([service.verifySecondFactor(user.id, code), service.verifySecondFactor(user.id, code)]);
      expect(results.map((r) => r.ok).sort()).toEqual([false, true]);
    });

    it('does not open a TOTP secret copied onto another user (secret bound to the user id)', async () => {
      const alice = await create('alice');
      const bob = await create('bob', 'bob password');
      const started = await enrolment.start(alice.id);
      if (!started.ok) throw new Error(started.reason);
      await users.update(bob.id, { totp: { ...(await users.get(alice.id))!.totp! } }, clock);
      await expect(enrolment.confirm(bob.id, codeFor(started.secret, clock))).rejects.toThrow('cannot open sealed secret');
    });
  });
});
