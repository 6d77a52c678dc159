import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { base32Decode } from '../../src/accounts/base32.js';
import { createPasswordHasher, OWASP_ARGON2ID } from '../../src/accounts/passwords.js';
import { createAccountService, type AccountService } from '../../src/accounts/service.js';
import { createTotpEnrolment } from '../../src/accounts/totp-enrolment.js';
import { hotp, totpStep as stepAt } from '../../src/accounts/totp.js';
import { passwordStep, totpStep, type LoginDeps } from '../../src/interaction/login-attempt.js';
import { createLoginThrottle } from '../../src/interaction/throttle.js';
import { createMemoryStorage } from '@tessera/store';

/** The store package's in-memory login throttle: the one implementation of the contract for tests. */
const createMemoryThrottleStore = () => createMemoryStorage().loginThrottle;
import { memoryUserStore } from '../accounts/memory-users.js';

describe('login steps with brute-force protection', () => {
  let clock: Date;
  let deps: LoginDeps;
  let verifications: number;
  let secret: string;
  let userId: string;
  const advance = (seconds: number) => {
    clock = new Date(clock.getTime() + seconds * 1000);
  };
  const attackerIp = '203.0.113.9';
  const ownerIp = '198.51.100.4';
  const code = () => hotp(base32Decode(secret)!, stepAt(clock));

  beforeEach(async () => {
    clock = new Date('2026-03-01T08:00:00Z');
    const users = memoryUserStore();
    const base = { users, masterKey: randomBytes(32), now: () => clock };
    const accounts = createAccountService({ ...base, passwords: createPasswordHasher({ ...OWASP_ARGON2ID, memoryCost: 8192, timeCost: 1 }) });
    const created = await accounts.createUser({ username: 'alice', password: 'correct horse' });
    if (!created.ok) throw new Error('setup');
    userId = created.user.id;
    const enrolment = createTotpEnrolment({ ...base, issuerName: 'Test' });
    const started = await enrolment.start(userId);
    if (!started.ok) throw new Error('setup');
    secret = started.secret;
    await enrolment.confirm(userId, code());
    advance(30);
    verifications = 0;
    const counted: AccountService = {
      ...accounts,
      authenticate: (...args) => (verifications++, accounts.authenticate(...args)),
      verifySecondFactor: (...args) => (verifications++, accounts.verifySecondFactor(...args)),
    };
    deps = { accounts: counted, throttle: createLoginThrottle(createMemoryThrottleStore(), { now: () => clock }) };
  });

  const guess = (ip: string, password = 'wrong horse') => passwordStep(deps, { username: 'alice', password, ip });

  it('asks for TOTP after a correct password, then signs in with a fresh code', async () => {
    expect(await guess(ownerIp, 'correct horse')).toEqual({ kind: 'totp_required', userId });
    expect(await totpStep(deps, { userId, username: 'alice', code: code(), ip: ownerIp })).toMatchObject({ kind: 'signed_in', amr: ['pwd', 'otp', 'mfa'] });
  });

  it('does not verify the password at all while an attempt is throttled (no oracle, no argon2 work)', async () => {
    for (let i = 0; i < 3; i++) await guess(attackerIp);
    const before = verifications;
    expect(await guess(attackerIp, 'correct horse')).toEqual({ kind: 'throttled', retryAfterSeconds: 1 });
    expect(verifications).toBe(before);
  });

  it('counts wrong TOTP codes as failures (6 digits must not be brute-forced)', async () => {
    for (let i = 0; i < 3; i++) expect(await totpStep(deps, { userId, username: 'alice', code: '000000', ip: attackerIp })).toMatchObject({ kind: 'failed' });
    expect(await totpStep(deps, { userId, username: 'alice', code: code(), ip: attackerIp })).toMatchObject({ kind: 'throttled' });
  });

  it('locks out the attacker, and after the lockout expires the owner signs in from a different IP with password and TOTP', async () => {
    // A patient attacker waits out every delay until the lockout itself shows.
    let outcome = await guess(attackerIp);
    let failures = outcome.kind === 'failed' ? 1 : 0;
    for (let i = 0; i < 40; i++) {
      if (outcome.kind === 'throttled') {
        if (outcome.retryAfterSeconds === 900) break;
        advance(outcome.retryAfterSeconds);
      }
      outcome = await guess(attackerIp);
      if (outcome.kind === 'failed') failures++;
    }
    expect(failures).toBe(10);
    expect(outcome).toEqual({ kind: 'throttled', retryAfterSeconds: 900 });
    advance(900);
    expect(await guess(ownerIp, 'correct horse')).toEqual({ kind: 'totp_required', userId });
    expect(await totpStep(deps, { userId, username: 'alice', code: code(), ip: ownerIp })).toMatchObject({ kind: 'signed_in' });
  });

  it('does not count a disabled account as a failure', async () => {
    await deps.accounts.disableUser(userId);
    for (let i = 0; i < 5; i++) expect(await guess(ownerIp, 'correct horse')).toEqual({ kind: 'failed', error: 'account_disabled' });
  });
});
