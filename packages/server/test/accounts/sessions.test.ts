import { describe, expect, it } from 'vitest';
import { authTooOld, hashSessionId, sessionState, startSession } from '../../src/accounts/sessions.js';

const now = new Date('2026-01-01T12:00:00Z');
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);

describe('SSO sessions', () => {
  const { cookieValue, record } = startSession({ userId: 'u1', amr: ['pwd'], now, lifetimes: { absoluteSeconds: 3600, idleSeconds: 600 } });

  it('stores only the SHA-256 of the 256-bit cookie value', () => {
    expect(Buffer.from(cookieValue, 'base64url')).toHaveLength(32);
    expect(record.idHash).toBe(hashSessionId(cookieValue));
    expect(JSON.stringify(record)).not.toContain(cookieValue);
    expect(record.sid).not.toBe(cookieValue);
  });

  it('is active until the idle timeout passes without activity', () => {
    expect(sessionState(record, later(599))).toBe('active');
    expect(sessionState(record, later(600))).toBe('idle');
    expect(sessionState({ ...record, lastSeenAt: later(500) }, later(1000))).toBe('active');
  });

  it('ends at the absolute lifetime even with constant activity', () => {
    expect(sessionState({ ...record, lastSeenAt: later(3599) }, later(3600))).toBe('expired');
  });

  it('is unusable once revoked', () => {
    expect(sessionState({ ...record, revokedAt: later(1) }, later(2))).toBe('revoked');
  });

  it('asks for a fresh login when auth_time is older than max_age (OIDC Core §3.1.2.1)', () => {
    expect(authTooOld(record, later(300), 300)).toBe(false);
    expect(authTooOld(record, later(301), 300)).toBe(true);
  });
});
