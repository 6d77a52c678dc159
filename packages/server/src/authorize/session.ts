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
 *
 * `previous` is the browser's session before this sign-in, if it was active; its row is revoked, so
 * the old cookie can never resume it. If the same user signed in again (`prompt=login`, `max_age`, a
 * step-up), the new row keeps the old public `sid`: for the clients it is the same OIDC session, now
 * with a newer `auth_time`, so their tokens and ID tokens stay valid and its eventual logout still
 * reaches every client signed in under that sid. If another user signed in, the old session ends as
 * on logout: its tokens are revoked and `session.revoked` tells the listeners (back-channel logout, CAE, SSF).
 */
export async function createSession(
  deps: InteractionDeps,
  user: UserRecord,
  amr: readonly string[],
  previous?: ActiveSession,
): Promise<{ session: ActiveSession; cookie: string }> {
  const now = new Date(deps.now());
  const started = startSession({ userId: user.id, amr, acr: acrFor(amr), now, lifetimes: deps.sessionLifetimes });
  const sameUser = previous !== undefined && previous.record.userId === user.id;
  const record = sameUser ? { ...started.record, sid: previous.record.sid } : started.record;
  await deps.storage.sessions.create(record);
  if (previous !== undefined) await endPrevious(deps, previous, sameUser, now);
  const cookie = serializeCookie(COOKIES.session, started.cookieValue, deps.cookies, { maxAgeSeconds: deps.sessionLifetimes.absoluteSeconds });
  return { session: { record, idHash: record.idHash, user }, cookie };
}

/** Retire the row a new sign-in replaced; when its user changed, end its OIDC session like logout does. */
async function endPrevious(deps: InteractionDeps, previous: ActiveSession, sameUser: boolean, at: Date): Promise<void> {
  const revoked = await deps.storage.sessions.revoke(previous.idHash, at);
  if (sameUser) return;
  // Only the caller that revoked it tells (a concurrent sign-in or logout may have been first).
  if (revoked === undefined || revoked.revokedAt?.getTime() !== at.getTime()) return;
  await deps.storage.tokens.revokeBySession(previous.record.sid, at);
  await deps.events.emit('session.revoked', { sid: previous.record.sid, userId: previous.record.userId, at, reason: 'another user signed in' });
}

export function clearSessionCookie(deps: Pick<InteractionDeps, 'cookies'>): string {
  return clearCookie(COOKIES.session, deps.cookies);
}
