import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { LoginThrottleStore, ThrottleCounter } from '@tessera/store';

/**
 * Brute-force protection for the login form (OWASP Authentication Cheat Sheet, "Protect against
 * automated attacks"; NIST SP 800-63B §5.2.2 rate limiting). Three counters, each with a growing delay
 * and then a temporary lockout:
 *
 * - **account × IP**: one attacker guessing one account. Tight (delay after 3 failures, lock after 10).
 * - **IP**: one attacker spraying many accounts (credential stuffing). Loose, because of NAT.
 * - **account**: many IPs against one account. It only counts failures from sources that never signed
 *   in to that account, and it is not applied to sources that did ("known" IP or device cookie), so an
 *   attacker can never lock the owner out of their usual browser or network. Its free failures exceed
 *   the account × IP lockout, so one attacker IP alone (locked by its own counter) never slows
 *   anybody else down.
 *
 * Every lock expires (`lockoutSeconds` after the last counted failure). Attempts refused by
 * {@link LoginThrottle.check} are never counted, so hammering a locked account cannot extend the lock.
 * The delay grows exponentially: `baseDelaySeconds · 2^(failures − freeFailures)`, capped at `maxDelaySeconds`.
 */
export interface ThrottleRule {
  /** Failures before the first delay: attempts after the `freeFailures`-th counted failure must wait. */
  readonly freeFailures: number;
  readonly baseDelaySeconds: number;
  readonly maxDelaySeconds: number;
  /** Failures that start a lockout. */
  readonly lockoutAfter: number;
  /** Lockout length, also how long a counter lives after its last failure. */
  readonly lockoutSeconds: number;
}

export interface ThrottlePolicy {
  readonly accountAndIp: ThrottleRule;
  readonly ip: ThrottleRule;
  readonly account: ThrottleRule;
  /** How long a source that signed in successfully stays "known" for that account. */
  readonly knownSourceSeconds: number;
}

export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = Object.freeze({
  accountAndIp: { freeFailures: 3, baseDelaySeconds: 1, maxDelaySeconds: 60, lockoutAfter: 10, lockoutSeconds: 900 },
  ip: { freeFailures: 10, baseDelaySeconds: 1, maxDelaySeconds: 60, lockoutAfter: 100, lockoutSeconds: 900 },
  account: { freeFailures: 12, baseDelaySeconds: 1, maxDelaySeconds: 30, lockoutAfter: 30, lockoutSeconds: 900 },
  knownSourceSeconds: 30 * 86_400,
});

export interface LoginAttempt {
  /** What the user typed as username (need not exist: unknown names are throttled alike, no enumeration). */
  readonly username: string;
  readonly ip: string;
  /** Id from a long-lived device cookie, if the browser has one; a second way to be a known source. */
  readonly deviceId?: string;
}

export type ThrottleScope = 'account_ip' | 'ip' | 'account';

export type ThrottleDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'delay' | 'locked'; readonly scope: ThrottleScope; /** For `Retry-After`. */ readonly retryAfterSeconds: number };

export interface LoginThrottle {
  /** Call before checking the password; when not allowed, do not check it and do not record anything. */
  check(attempt: LoginAttempt): Promise<ThrottleDecision>;
  /** Call after a verified failure (wrong password or wrong TOTP). */
  recordFailure(attempt: LoginAttempt): Promise<void>;
  /** Call after a complete successful sign-in: clears the account counters and remembers the source. */
  recordSuccess(attempt: LoginAttempt): Promise<void>;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url').slice(0, 32);

/** IPv6 clients usually own a whole /64, so that is the unit; IPv4-mapped addresses count as IPv4. */
export function ipKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

const accountKey = (username: string) => username.trim().toLowerCase().slice(0, 256);

export function createLoginThrottle(store: LoginThrottleStore, options: { policy?: ThrottlePolicy; now: () => Date }): LoginThrottle {
  const policy = options.policy ?? DEFAULT_THROTTLE_POLICY;
  for (const rule of [policy.accountAndIp, policy.ip, policy.account]) {
    if (!(rule.lockoutAfter > rule.freeFailures && rule.baseDelaySeconds >= 0 && rule.maxDelaySeconds >= rule.baseDelaySeconds && rule.lockoutSeconds > 0)) {
      throw new RangeError('throttle rule needs lockoutAfter > freeFailures, maxDelay ≥ baseDelay ≥ 0 and lockoutSeconds > 0');
    }
  }
  if (policy.account.freeFailures <= policy.accountAndIp.lockoutAfter) {
    throw new RangeError('account.freeFailures must exceed accountAndIp.lockoutAfter, or one attacker IP slows down everyone');
  }
  const keys = (a: LoginAttempt) => {
    const account = accountKey(a.username);
    const ip = ipKey(a.ip);
    return {
      accountAndIp: `lt:ai:${digest(`${account}\n${ip}`)}`,
      ip: `lt:ip:${digest(ip)}`,
      account: `lt:a:${digest(account)}`,
      known: [`lt:k:${digest(`${account}\nip:${ip}`)}`, ...(a.deviceId ? [`lt:k:${digest(`${account}\ndev:${a.deviceId}`)}`] : [])],
    };
  };

  async function isKnown(knownKeys: string[], now: Date): Promise<boolean> {
    for (const key of knownKeys) if (await store.get(key, now)) return true;
    return false;
  }

  /** Seconds still to wait under one rule, or undefined when the rule does not block. */
  function wait(rule: ThrottleRule, counter: ThrottleCounter | undefined, now: Date): { reason: 'delay' | 'locked'; seconds: number } | undefined {
    if (!counter || counter.count < rule.freeFailures) return undefined;
    const locked = counter.count >= rule.lockoutAfter;
    const delay = locked
      ? rule.lockoutSeconds
      : Math.min(rule.baseDelaySeconds * 2 ** (counter.count - rule.freeFailures), rule.maxDelaySeconds);
    const remainingMs = counter.lastAt.getTime() + delay * 1000 - now.getTime();
    return remainingMs > 0 ? { reason: locked ? 'locked' : 'delay', seconds: Math.ceil(remainingMs / 1000) } : undefined;
  }

  return {
    async check(attempt) {
      const now = options.now();
      const k = keys(attempt);
      const rules: [ThrottleScope, ThrottleRule, string][] = [
        ['account_ip', policy.accountAndIp, k.accountAndIp],
        ['ip', policy.ip, k.ip],
      ];
      if (!(await isKnown(k.known, now))) rules.push(['account', policy.account, k.account]);
      let worst: ThrottleDecision = { allowed: true };
      for (const [scope, rule, key] of rules) {
        const w = wait(rule, await store.get(key, now), now);
        if (w && (worst.allowed || w.seconds > worst.retryAfterSeconds)) {
          worst = { allowed: false, reason: w.reason, scope, retryAfterSeconds: w.seconds };
        }
      }
      return worst;
    },

    async recordFailure(attempt) {
      const now = options.now();
      const k = keys(attempt);
      await store.increment(k.accountAndIp, now, policy.accountAndIp.lockoutSeconds);
      await store.increment(k.ip, now, policy.ip.lockoutSeconds);
      if (!(await isKnown(k.known, now))) await store.increment(k.account, now, policy.account.lockoutSeconds);
    },

    async recordSuccess(attempt) {
      const now = options.now();
      const k = keys(attempt);
      await store.delete(k.accountAndIp);
      await store.delete(k.account);
      for (const key of k.known) await store.increment(key, now, policy.knownSourceSeconds);
    },
  };
}
