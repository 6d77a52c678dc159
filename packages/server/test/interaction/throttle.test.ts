import { beforeEach, describe, expect, it } from 'vitest';
import { createLoginThrottle, DEFAULT_THROTTLE_POLICY, ipKey, type LoginAttempt, type LoginThrottle } from '../../src/interaction/throttle.js';
import { createMemoryStorage } from '@tessera/store';

/** The store package's in-memory login throttle: the one implementation of the contract for tests. */
const createMemoryThrottleStore = () => createMemoryStorage().loginThrottle;

describe('login brute-force protection', () => {
  let clock: Date;
  let throttle: LoginThrottle;
  let store: ReturnType<typeof createMemoryThrottleStore>;
  const advance = (seconds: number) => {
    clock = new Date(clock.getTime() + seconds * 1000);
  };
  const attacker: LoginAttempt = { username: 'alice', ip: '203.0.113.7' };
  const owner: LoginAttempt = { username: 'alice', ip: '198.51.100.20' };

  beforeEach(() => {
    clock = new Date('2026-01-01T00:00:00Z');
    store = createMemoryThrottleStore();
    throttle = createLoginThrottle(store, { now: () => clock });
  });

  /** Fail `n` times, waiting out each delay like a patient attacker. */
  const failPatiently = async (attempt: LoginAttempt, n: number) => {
    for (let i = 0; i < n; i++) {
      let decision = await throttle.check(attempt);
      while (!decision.allowed && decision.reason === 'delay') {
        advance(decision.retryAfterSeconds);
        decision = await throttle.check(attempt);
      }
      if (!decision.allowed) return decision;
      await throttle.recordFailure(attempt);
    }
    return throttle.check(attempt);
  };

  it('allows the first failures without delay', async () => {
    for (let i = 0; i < 2; i++) await throttle.recordFailure(attacker);
    expect(await throttle.check(attacker)).toEqual({ allowed: true });
  });

  it('grows the delay exponentially from 1 s after the free failures, capped at 60 s', async () => {
    const waits: number[] = [];
    for (let i = 1; i <= 9; i++) {
      await throttle.recordFailure(attacker);
      const d = await throttle.check(attacker);
      waits.push(d.allowed ? 0 : d.retryAfterSeconds);
      if (!d.allowed) advance(d.retryAfterSeconds);
    }
    expect(waits).toEqual([0, 0, 1, 2, 4, 8, 16, 32, 60]);
  });

  it('refuses an attempt inside the delay and allows it once the delay has passed', async () => {
    for (let i = 0; i < 4; i++) await throttle.recordFailure(attacker);
    expect(await throttle.check(attacker)).toEqual({ allowed: false, reason: 'delay', scope: 'account_ip', retryAfterSeconds: 2 });
    advance(1);
    expect(await throttle.check(attacker)).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    advance(1);
    expect(await throttle.check(attacker)).toEqual({ allowed: true });
  });

  it('locks the account for that IP for 15 minutes after 10 failures, and the lock expires', async () => {
    expect(await failPatiently(attacker, 10)).toEqual({ allowed: false, reason: 'locked', scope: 'account_ip', retryAfterSeconds: 900 });
    advance(899);
    expect(await throttle.check(attacker)).toMatchObject({ allowed: false, reason: 'locked', retryAfterSeconds: 1 });
    advance(1);
    expect(await throttle.check(attacker)).toEqual({ allowed: true });
  });

  it('does not extend a lock with attempts made while locked (they are refused, not counted)', async () => {
    await failPatiently(attacker, 10);
    for (let i = 0; i < 50; i++) {
      advance(10);
      expect((await throttle.check(attacker)).allowed).toBe(false);
    }
    advance(400);
    expect(await throttle.check(attacker)).toEqual({ allowed: true });
  });

  it('does not slow the owner on another IP when one attacker IP is locked (per-IP limits stop one attacker)', async () => {
    await failPatiently(attacker, 10);
    expect(await throttle.check(attacker)).toMatchObject({ allowed: false, reason: 'locked' });
    expect(await throttle.check(owner)).toEqual({ allowed: true });
  });

  it('delays unknown sources once failures from several IPs pass the account threshold', async () => {
    for (let n = 0; n < 13; n++) await throttle.recordFailure({ username: 'alice', ip: `203.0.113.${n}` });
    expect(await throttle.check(owner)).toEqual({ allowed: false, reason: 'delay', scope: 'account', retryAfterSeconds: 2 });
  });

  it('locks the account for unknown sources when many IPs fail, but never for a source that signed in before', async () => {
    await throttle.recordSuccess(owner); // the owner's usual network is now known
    for (let n = 0; n < 30; n++) await failPatiently({ username: 'alice', ip: `203.0.113.${n}` }, 1);
    const fresh = await throttle.check({ username: 'alice', ip: '192.0.2.99' });
    expect(fresh).toMatchObject({ allowed: false, reason: 'locked', scope: 'account' });
    expect(await throttle.check(owner)).toEqual({ allowed: true });
    // A known device cookie works from a new network too.
    await throttle.recordSuccess({ ...owner, deviceId: 'dev-1' });
    expect(await throttle.check({ username: 'alice', ip: '192.0.2.99', deviceId: 'dev-1' })).toEqual({ allowed: true });
  });

  it('lets the owner sign in from a new IP once the account lockout has expired', async () => {
    for (let n = 0; n < 30; n++) await failPatiently({ username: 'alice', ip: `203.0.113.${n}` }, 1);
    const newIp = { username: 'alice', ip: '192.0.2.50' };
    const locked = await throttle.check(newIp);
    expect(locked).toMatchObject({ allowed: false, reason: 'locked', scope: 'account' });
    advance(!locked.allowed ? locked.retryAfterSeconds : 0);
    expect(await throttle.check(newIp)).toEqual({ allowed: true });
    await throttle.recordSuccess(newIp);
    expect(await throttle.check(newIp)).toEqual({ allowed: true });
  });

  it('stops one IP spraying many accounts after 100 failures (credential stuffing)', async () => {
    for (let n = 0; n < 100; n++) await throttle.recordFailure({ username: `user${n}`, ip: attacker.ip });
    expect(await throttle.check({ username: 'someone-new', ip: attacker.ip })).toMatchObject({ allowed: false, reason: 'locked', scope: 'ip' });
    expect(await throttle.check({ username: 'someone-new', ip: owner.ip })).toEqual({ allowed: true });
  });

  it('clears the account × IP counter on success', async () => {
    for (let i = 0; i < 5; i++) await throttle.recordFailure(owner);
    await throttle.recordSuccess(owner);
    expect(await throttle.check(owner)).toEqual({ allowed: true });
  });

  it('throttles unknown usernames exactly like real ones (no enumeration through the throttle)', async () => {
    for (let i = 0; i < 4; i++) await throttle.recordFailure({ username: 'no-such-user', ip: attacker.ip });
    expect(await throttle.check({ username: 'NO-SUCH-USER', ip: attacker.ip })).toMatchObject({ allowed: false, reason: 'delay' });
  });

  it('forgets failures after 15 quiet minutes (counters expire)', async () => {
    for (let i = 0; i < 5; i++) await throttle.recordFailure(owner);
    advance(900);
    await throttle.recordFailure(owner);
    expect(await throttle.check(owner)).toEqual({ allowed: true });
    expect(await store.pruneExpired(clock)).toBeGreaterThanOrEqual(0);
  });

  it('stores no usernames or IPs in clear in its keys', async () => {
    const seen: string[] = [];
    const spy = { ...store, increment: (key: string, now: Date, ttl: number) => (seen.push(key), store.increment(key, now, ttl)) };
    const t = createLoginThrottle(spy, { now: () => clock });
    await t.recordFailure({ ...attacker, deviceId: 'device-cookie-id' });
    await t.recordSuccess({ ...attacker, deviceId: 'device-cookie-id' });
    expect(seen.length).toBe(5);
    for (const key of seen) expect(key).toMatch(/^lt:[a-z]+:[A-Za-z0-9_-]{32}$/);
  });

  it('rejects a policy whose lockout comes before its free failures', () => {
    const bad = { ...DEFAULT_THROTTLE_POLICY, ip: { ...DEFAULT_THROTTLE_POLICY.ip, lockoutAfter: 5, freeFailures: 10 } };
    expect(() => createLoginThrottle(store, { policy: bad, now: () => clock })).toThrow(RangeError);
    const shared = { ...DEFAULT_THROTTLE_POLICY, account: { ...DEFAULT_THROTTLE_POLICY.account, freeFailures: 10 } };
    expect(() => createLoginThrottle(store, { policy: shared, now: () => clock })).toThrow('one attacker IP');
  });
});

describe('ipKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::99', '2001:db8:1:2::/64'],
    ['2001:0db8::1', '2001:db8:0:0::/64'],
  ])('groups %s as %s (IPv6 per /64)', (ip, key) => {
    expect(ipKey(ip)).toBe(key);
  });
});
