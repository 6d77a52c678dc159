import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canonicalUsername } from '../accounts/users.js';
import { readCookie, serializeCookie } from '../interaction/cookies.js';
import { formActionSourceFor } from '../interaction/headers.js';
import { passwordStep, totpStep, type LoginOutcome } from '../interaction/login-attempt.js';
import { loginPage, totpVerifyPage, type InteractionError } from '../interaction/pages/index.js';
import { BROWSER_COOKIE_SECONDS, COOKIES, INTERACTION_PATHS, type InteractionDeps } from './deps.js';
import { goTo, interactionLost, proceed } from './flow.js';
import { bodyOf, formIsGenuine, refuseOtherMethods, sendFlow, sendPage } from './http.js';
import { interactionPath, readInteraction, type InteractionState } from './interaction.js';
import { clientDisplayName } from './request.js';
import { createSession, currentSession } from './session.js';

/**
 * Sign-in pages: username + password, then a TOTP code for users with a confirmed factor. The
 * throttle (per account × IP, per IP, per account for unknown sources) runs before any password is
 * checked; see interaction/login-attempt.ts. A complete sign-in starts a fresh SSO session.
 */
export function registerLogin(scope: FastifyInstance, deps: InteractionDeps): void {
  /** The browser's known-source id, or a fresh one (set as a cookie only after a complete sign-in). */
  const browserOf = (request: FastifyRequest): { id: string; isNew: boolean } => {
    const id = readCookie(request.headers.cookie, COOKIES.browser, deps.cookies);
    return id !== undefined && /^[A-Za-z0-9_-]{22,64}$/.test(id) ? { id, isNew: false } : { id: randomBytes(16).toString('base64url'), isNew: true };
  };

  /** After the form, the browser may be redirected to the client: its origin must be in form-action. */
  const formActionSources = (state: InteractionState) => {
    const source = state.request && formActionSourceFor(state.request.redirectUri);
    return source ? [source] : [];
  };
  const clientName = async (state: InteractionState) => {
    if (state.request === undefined) return undefined;
    const client = await deps.lookupClient(state.request.clientId);
    return client && clientDisplayName(client);
  };

  async function showLogin(reply: FastifyReply, state: InteractionState, extra: { error?: InteractionError; retryAfterSeconds?: number; username?: string } = {}) {
    const name = await clientName(state);
    const username = extra.username ?? state.pendingUsername ?? state.request?.loginHint;
    return sendPage(
      reply,
      loginPage({
        action: interactionPath(INTERACTION_PATHS.login, state),
        csrfToken: deps.csrf.issue(state.id),
        formActionSources: formActionSources(state),
        ...(username !== undefined && { username }),
        ...(name !== undefined && { clientName: name }),
        ...(extra.error !== undefined && { error: extra.error }),
        ...(extra.retryAfterSeconds !== undefined && { retryAfterSeconds: extra.retryAfterSeconds }),
      }),
    );
  }

  function showTotp(reply: FastifyReply, state: InteractionState, extra: { error?: InteractionError; retryAfterSeconds?: number } = {}) {
    return sendPage(
      reply,
      totpVerifyPage({
        action: interactionPath(INTERACTION_PATHS.totp, state),
        csrfToken: deps.csrf.issue(state.id),
        formActionSources: formActionSources(state),
        ...(extra.error !== undefined && { error: extra.error }),
        ...(extra.retryAfterSeconds !== undefined && { retryAfterSeconds: extra.retryAfterSeconds }),
      }),
    );
  }

  /** What every login outcome leads to; `page` re-renders the form that was just sent. */
  async function settle(
    request: FastifyRequest,
    reply: FastifyReply,
    state: InteractionState,
    outcome: LoginOutcome,
    page: 'password' | 'totp',
    username: string,
    browser: { id: string; isNew: boolean },
  ) {
    if (outcome.kind === 'throttled' || outcome.kind === 'failed') {
      // For operators watching for attacks: which step, why, from where; never the password or code.
      request.log.info({ step: page, outcome: outcome.kind === 'failed' ? outcome.error : 'throttled', ip: request.ip }, 'sign-in attempt refused');
    }
    switch (outcome.kind) {
      case 'throttled':
        return page === 'password'
          ? showLogin(reply, state, { error: 'throttled', retryAfterSeconds: outcome.retryAfterSeconds, username })
          : showTotp(reply, state, { error: 'throttled', retryAfterSeconds: outcome.retryAfterSeconds });
      case 'failed':
        return page === 'password' ? showLogin(reply, state, { error: outcome.error, username }) : showTotp(reply, state, { error: outcome.error });
      case 'totp_required': {
        const next: InteractionState = { ...state, pendingUserId: outcome.userId, pendingUsername: username };
        return sendFlow(reply, goTo(deps, next, INTERACTION_PATHS.totp));
      }
      case 'signed_in': {
        // The browser's session so far is replaced, never left resumable beside the new one.
        const previous = await currentSession(deps, request);
        const { session, cookie } = await createSession(deps, outcome.user, outcome.amr, previous);
        request.log.info({ sid: session.record.sid, amr: outcome.amr }, 'signed in');
        const { pendingUserId: _u, pendingUsername: _n, ...rest } = state;
        const cookies = [cookie];
        if (browser.isNew) cookies.push(serializeCookie(COOKIES.browser, browser.id, deps.cookies, { maxAgeSeconds: BROWSER_COOKIE_SECONDS }));
        return sendFlow(reply, await proceed(deps, { ...rest, signedInSid: session.record.sid }, session), cookies);
      }
    }
  }

  scope.get(INTERACTION_PATHS.login, async (request, reply) => {
    const state = readInteraction(deps, request);
    if (state === undefined) return sendFlow(reply, interactionLost(deps));
    // Signing in again (prompt=login, max_age, a step-up): offer the account of the current session.
    const session = state.request?.loginHint === undefined ? await currentSession(deps, request) : undefined;
    return showLogin(reply, state, session === undefined ? {} : { username: session.user.username });
  });

  scope.post(INTERACTION_PATHS.login, async (request, reply) => {
    const state = readInteraction(deps, request);
    if (state === undefined) return sendFlow(reply, interactionLost(deps));
    const form = bodyOf(request);
    const typed = form.get('username') ?? '';
    const username = canonicalUsername(typed) ?? typed.slice(0, 64);
    if (!formIsGenuine(deps, request, state.id)) return showLogin(reply, state, { error: 'csrf', username });
    const browser = browserOf(request);
    const outcome = await passwordStep({ accounts: deps.accounts, throttle: deps.throttle }, { username, password: form.get('password') ?? '', ip: request.ip, deviceId: browser.id });
    return settle(request, reply, state, outcome, 'password', username, browser);
  });
  refuseOtherMethods(scope, INTERACTION_PATHS.login, ['GET', 'HEAD', 'POST']);

  scope.get(INTERACTION_PATHS.totp, async (request, reply) => {
    const state = readInteraction(deps, request);
    if (state === undefined) return sendFlow(reply, interactionLost(deps));
    if (state.pendingUserId === undefined) return sendFlow(reply, { outcome: { kind: 'redirect', location: interactionPath(INTERACTION_PATHS.login, state) }, cookies: [] });
    return showTotp(reply, state);
  });

  scope.post(INTERACTION_PATHS.totp, async (request, reply) => {
    const state = readInteraction(deps, request);
    if (state === undefined) return sendFlow(reply, interactionLost(deps));
    const userId = state.pendingUserId;
    if (userId === undefined) return sendFlow(reply, { outcome: { kind: 'redirect', location: interactionPath(INTERACTION_PATHS.login, state) }, cookies: [] });
    if (!formIsGenuine(deps, request, state.id)) return showTotp(reply, state, { error: 'csrf' });
    const username = state.pendingUsername ?? '';
    const browser = browserOf(request);
    const outcome = await totpStep({ accounts: deps.accounts, throttle: deps.throttle }, { userId, username, code: bodyOf(request).get('code') ?? '', ip: request.ip, deviceId: browser.id });
    return settle(request, reply, state, outcome, 'totp', username, browser);
  });
  refuseOtherMethods(scope, INTERACTION_PATHS.totp, ['GET', 'HEAD', 'POST']);
}
