import { createHash, randomBytes } from 'node:crypto';
import type { SessionRecord } from '@tessera/store';

/**
 * SSO sessions: the cookie carries 256 random bits; storage sees only their SHA-256 (a stolen
 * database does not yield live cookies). A session ends at the first of: its absolute lifetime, idle
 * time beyond `idleTimeoutSeconds`, or revocation (logout, user disabled).
 */
export interface SessionLifetimes {
  readonly absoluteSeconds: number;
  readonly idleSeconds: number;
}

export const DEFAULT_SESSION_LIFETIMES: SessionLifetimes = Object.freeze({ absoluteSeconds: 12 * 3600, idleSeconds: 3600 });

export function hashSessionId(cookieValue: string): string {
  return createHash('sha256').update(cookieValue, 'utf8').digest('base64url');
}

export interface NewSession {
  /** Goes into the session cookie and nowhere else. */
  readonly cookieValue: string;
  readonly record: SessionRecord;
}

export interface StartSessionInput {
  readonly userId: string;
  readonly amr: readonly string[];
  readonly acr?: string | null;
  readonly now: Date;
  readonly lifetimes?: SessionLifetimes;
}

/**
 * Build a new session (the caller stores `record` and sets `cookieValue`). Call it after every
 * successful sign-in, even when the browser already had a session cookie: a fresh id at
 * authentication is what defeats session fixation (OWASP Session Management Cheat Sheet).
 */
export function startSession(input: StartSessionInput): NewSession {
  const lifetimes = input.lifetimes ?? DEFAULT_SESSION_LIFETIMES;
  const cookieValue = randomBytes(32).toString('base64url');
  return {
    cookieValue,
    record: {
      v: 1,
      idHash: hashSessionId(cookieValue),
      sid: randomBytes(16).toString('base64url'),
      userId: input.userId,
      createdAt: input.now,
      lastSeenAt: input.now,
      expiresAt: new Date(input.now.getTime() + lifetimes.absoluteSeconds * 1000),
      idleTimeoutSeconds: lifetimes.idleSeconds,
      amr: [...input.amr],
      acr: input.acr ?? null,
      authTime: input.now,
      revokedAt: null,
    },
  };
}

export type SessionState = 'active' | 'revoked' | 'expired' | 'idle';

/** Whether a stored session may still be used at `now`; `active` is the only usable state. */
export function sessionState(record: SessionRecord, now: Date): SessionState {
  const t = now.getTime();
  if (record.revokedAt !== null) return 'revoked';
  if (t >= record.expiresAt.getTime()) return 'expired';
  if (t >= record.lastSeenAt.getTime() + record.idleTimeoutSeconds * 1000) return 'idle';
  return 'active';
}

/**
 * OIDC Core §3.1.2.1 `max_age`: true when the last active authentication is older than `maxAgeSeconds`,
 * so the user must sign in again even though the session is active.
 */
export function authTooOld(record: SessionRecord, now: Date, maxAgeSeconds: number): boolean {
  return now.getTime() - record.authTime.getTime() > maxAgeSeconds * 1000;
}
