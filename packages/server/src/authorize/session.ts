import type { FastifyRequest } from 'fastify';
import type { SessionRecord, UserRecord } from '@tessera/store';
import { hashSessionId, sessionState, startSession } from '../accounts/sessions.js';
import { clearCookie, readCookie, serializeCookie } from '../interaction/cookies.js';
import { COOKIES, type InteractionDeps } from './deps.js';
import { acrFor } from './request.js';

/** An SSO session that is usable now, with its (active) user. */
export interface ActiveSession {
  readonly record: SessionRecord;
  /** SHA-256 of the cookie value: the store key, and the CSRF binding of session-only pages (not public, unlike `sid`). */
  readonly idHash: string;
  readonly user: UserRecord;
}

/**
 * The browser's SSO session, if it is active: not revoked, within its absolute and idle lifetimes,
 * and its user still active. Using it moves `lastSeenAt` (the idle clock) forward.
 */
export async function currentSession(deps: InteractionDeps, request: FastifyRequest): Promise<ActiveSession | undefined> {
  const value = readCookie(request.headers.cookie, COOKIES.session, deps.cookies);
  if (value === undefined || value.length > 128) return undefined;
  const idHash = hashSessionId(value);
  const record = await deps.storage.sessions.get(idHash);
  const now = new Date(deps.now());
  if (record === undefined || sessionState(record, now) !== 'active') return undefined;
  const user = await deps.storage.users.get(record.userId);
  if (user === undefined || user.status !== 'active') return undefined;
  if (!(await deps.storage.sessions.touch(idHash, now))) return undefined;
  return { record, idHash, user };
}

/**
 * Start a session after a complete sign-in: always a fresh id (no session fixation), stored by hash,
 * cookie `HttpOnly; SameSite=Lax` (and `__Host-`/`Secure` over https) living as long as the session can.
 */
export async function createSession(deps: InteractionDeps, user: UserRecord, amr: readonly string[]): Promise<{ session: ActiveSession; cookie: string }> {
  const now = new Date(deps.now());
  const { cookieValue, record } = startSession({ userId: user.id, amr, acr: acrFor(amr), now, lifetimes: deps.sessionLifetimes });
  await deps.storage.sessions.create(record);
  const cookie = serializeCookie(COOKIES.session, cookieValue, deps.cookies, { maxAgeSeconds: deps.sessionLifetimes.absoluteSeconds });
  return { session: { record, idHash: record.idHash, user }, cookie };
}

export function clearSessionCookie(deps: Pick<InteractionDeps, 'cookies'>): string {
  return clearCookie(COOKIES.session, deps.cookies);
}
