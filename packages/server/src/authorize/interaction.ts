import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { clearCookie, readCookie, serializeCookie } from '../interaction/cookies.js';
import { MAX_SEALED_LENGTH } from '../interaction/sealed.js';
import { invalidRequest } from '../errors.js';
import { COOKIES, type InteractionDeps } from './deps.js';
import type { AuthorizationRequest } from './request.js';

/**
 * How far one person got in one interaction. Sealed into a cookie (see interaction/sealed.ts), so it
 * survives any node answering the next page; `id` binds the pages' CSRF tokens to this interaction.
 * One interaction per browser: starting another (a second /authorize) replaces it.
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

/** The interaction of this browser, or `undefined` when there is none, it expired, or it was tampered with. */
export function readInteraction(deps: InteractionDeps, request: FastifyRequest): InteractionState | undefined {
  const sealed = readCookie(request.headers.cookie, COOKIES.interaction, deps.cookies);
  const state = deps.sealer.open<InteractionState>(PURPOSE, sealed, deps.now());
  return state !== undefined && typeof state.id === 'string' && typeof state.kind === 'string' ? state : undefined;
}

/**
 * The `Set-Cookie` that stores `state` for the rest of the interaction lifetime. A request too big for
 * a cookie (a huge `state`, many resources) is refused rather than silently truncated.
 */
export function interactionCookie(deps: InteractionDeps, state: InteractionState): string {
  const sealed = deps.sealer.seal(PURPOSE, state, state.expiresAt);
  if (sealed.length > MAX_SEALED_LENGTH) throw invalidRequest('the authorization request is too large');
  return serializeCookie(COOKIES.interaction, sealed, deps.cookies, { maxAgeSeconds: Math.max(1, (state.expiresAt - deps.now()) / 1000) });
}

export function clearInteractionCookie(deps: Pick<InteractionDeps, 'cookies'>): string {
  return clearCookie(COOKIES.interaction, deps.cookies);
}
