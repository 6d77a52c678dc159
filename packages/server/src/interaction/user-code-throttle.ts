import { createHash } from 'node:crypto';
import type { LoginThrottleStore } from '@tessera/store';
import { ipKey } from './throttle.js';

/**
 * Guessing protection for device user codes (RFC 8628 §5.1: "the authorization server SHOULD
 * rate-limit user code attempts"), per IP (/64 for IPv6): a growing delay after `freeFailures` wrong
 * codes, then a lockout of `lockoutSeconds` after `lockoutAfter`. It always expires, and it is per
 * source, so nobody can block the page for others.
 */
export interface UserCodeThrottleRule {
  readonly freeFailures: number;
  readonly lockoutAfter: number;
  readonly lockoutSeconds: number;
}

const MAX_DELAY_SECONDS = 60;
const key = (ip: string) => `uc:ip:${createHash('sha256').update(ipKey(ip), 'utf8').digest('base64url').slice(0, 32)}`;

/** Seconds to wait before the next attempt from `ip`, or 0 when it may try now. */
export async function userCodeWait(store: LoginThrottleStore, rule: UserCodeThrottleRule, ip: string, now: Date): Promise<number> {
  const counter = await store.get(key(ip), now);
  if (counter === undefined || counter.count < rule.freeFailures) return 0;
  const delay = counter.count >= rule.lockoutAfter ? rule.lockoutSeconds : Math.min(2 ** (counter.count - rule.freeFailures), MAX_DELAY_SECONDS);
  const remainingMs = counter.lastAt.getTime() + delay * 1000 - now.getTime();
  return remainingMs > 0 ? Math.ceil(remainingMs / 1000) : 0;
}

/** Count a wrong, unknown or expired code from `ip`. */
export async function userCodeFailed(store: LoginThrottleStore, rule: UserCodeThrottleRule, ip: string, now: Date): Promise<void> {
  await store.increment(key(ip), now, rule.lockoutSeconds);
}
