import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { clearCookie, cookieName, readCookie, serializeCookie } from '../interaction/cookies.js';
import { MAX_SEALED_LENGTH } from '../interaction/sealed.js';
import { invalidRequest } from '../errors.js';
import { COOKIES, type InteractionDeps } from './deps.js';
import { RawParams } from './params.js';
import type { AuthorizationRequest } from './request.js';

/**
 * How far one person got in one interaction. Sealed into a cookie of its own (see
 * interaction/sealed.ts), so it survives any node answering the next page. `id` names the cookie, is
 * carried in the page URLs (`?i=`, not a secret) so that several tabs can sign in to several
 * applications at once, and binds the pages' CSRF tokens to this interaction.
 */
export interface InteractionState {
  readonly id: string;
  /** Epoch ms; fixed when the interaction starts, so moving through pages does not extend it. */
  readonly expiresAt: number;
  /** `authorize`: an authorization request; `device`: sign-in for the device page; `account`: sign-in for account pages. */
  readonly kind: 'authorize' | 'device' | 'account';
  readonly request?: AuthorizationRequest;
  /** `device`: the user code to prefill after sign-in. */
  readonly userCode?: string;
  /** The password step passed for this user; the TOTP step is next (never taken from a form). */
  readonly pendingUserId?: string;
  readonly pendingUsername?: string;
  /** `sid` of the session a sign-in in this interaction created: `prompt=login` and `max_age` are then satisfied. */
  readonly signedInSid?: string;
  /** Consent was given in this interaction (`prompt=consent` satisfied). */
  readonly consented?: boolean;
}

const PURPOSE = 'interaction';

export function newInteraction(
  deps: Pick<InteractionDeps, 'now' | 'interactionTtl'>,
  kind: InteractionState['kind'],
  extra: Omit<InteractionState, 'id' | 'kind' | 'expiresAt'> = {},
): InteractionState {
  return { id: randomBytes(16).toString('base64url'), expiresAt: deps.now() + deps.interactionTtl * 1000, kind, ...extra };
}

const ID = /^[A-Za-z0-9_-]{22}$/;
const cookieBase = (id: string) => `${COOKIES.interaction}_${id}`;

/** `path` for the interaction `state` (its id in the query). */
export function interactionPath(path: string, state: Pick<InteractionState, 'id'>): string {
  return `${path}?i=${state.id}`;
}

/**
 * The interaction a page request names (`?i=`), or `undefined` when there is none, it expired, it was
 * tampered with, or the sealed state belongs to another id.
 */
export function readInteraction(deps: InteractionDeps, request: FastifyRequest): InteractionState | undefined {
  const id = RawParams.fromUrlLenient(request.url).get('i');
  if (id === undefined || !ID.test(id)) return undefined;
  const sealed = readCookie(request.headers.cookie, cookieBase(id), deps.cookies);
  const state = deps.sealer.open<InteractionState>(PURPOSE, sealed, deps.now());
  return state !== undefined && state.id === id && typeof state.kind === 'string' ? state : undefined;
}

/**
 * The `Set-Cookie` that stores `state` for the rest of the interaction lifetime. A request too big for
 * a cookie (a huge `state`, many resources) is refused rather than silently truncated.
 */
export function interactionCookie(deps: InteractionDeps, state: InteractionState): string {
  const sealed = deps.sealer.seal(PURPOSE, state, state.expiresAt);
  if (sealed.length > MAX_SEALED_LENGTH) throw invalidRequest('the authorization request is too large');
  return serializeCookie(cookieBase(state.id), sealed, deps.cookies, { maxAgeSeconds: Math.max(1, (state.expiresAt - deps.now()) / 1000) });
}

/** Interactions one browser may have open at once; starting more ends the oldest. */
export const MAX_OPEN_INTERACTIONS = 4;

/**
 * `Set-Cookie` values deleting the oldest interaction cookies so that, with the one about to start,
 * at most {@link MAX_OPEN_INTERACTIONS} remain. Without this a page that sends a browser to /authorize
 * in a loop could pile up cookies until every request to us exceeds the header limit (a cookie bomb).
 * Cookies that do not open (expired, foreign) go first.
 */
export function staleInteractionCookies(deps: InteractionDeps, request: FastifyRequest): string[] {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return [];
  const prefix = cookieName(`${COOKIES.interaction}_`, deps.cookies);
  const open: { id: string; expiresAt: number }[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? '' : pair.slice(0, eq).trim();
    const id = name.slice(prefix.length);
    if (!name.startsWith(prefix) || !ID.test(id)) continue;
    const state = deps.sealer.open<InteractionState>(PURPOSE, pair.slice(eq + 1).trim(), deps.now());
    open.push({ id, expiresAt: state?.id === id ? state.expiresAt : 0 });
  }
  if (open.length < MAX_OPEN_INTERACTIONS) return [];
  open.sort((a, b) => a.expiresAt - b.expiresAt);
  return open.slice(0, open.length - MAX_OPEN_INTERACTIONS + 1).map((old) => clearInteractionCookie(deps, old));
}

/** Deletes the interaction's cookie once it is finished. */
export function clearInteractionCookie(deps: Pick<InteractionDeps, 'cookies'>, state: Pick<InteractionState, 'id'>): string {
  return clearCookie(cookieBase(state.id), deps.cookies);
}
