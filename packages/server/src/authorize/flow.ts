import type { ClientRecord } from '@tessera/store';
import { authTooOld } from '../accounts/sessions.js';
import { OAuthError } from '../errors.js';
import { AccessDeniedError } from '../access/denied.js';
import { accessDeniedPage, errorPage } from '../interaction/pages/index.js';
import { clearInteractionCookie, interactionCookie, interactionPath, type InteractionState } from './interaction.js';
import { INTERACTION_PATHS, type InteractionDeps } from './deps.js';
import { issueAuthorizationCode } from './issue-code.js';
import { clientDisplayName, MFA_ACRS, type AuthorizationRequest, type ResponseTarget } from './request.js';
import { authorizationError, authorizationResponse, type Outcome } from './respond.js';
import type { ActiveSession } from './session.js';

/** An outcome and the cookies to set with it. */
export interface FlowResult {
  readonly outcome: Outcome;
  readonly cookies: readonly string[];
}

export const targetOf = (request: AuthorizationRequest): ResponseTarget => ({
  redirectUri: request.redirectUri,
  responseMode: request.responseMode,
  ...(request.state !== undefined && { state: request.state }),
});

/** The page for an interaction that cannot go on (expired or unknown, client removed meanwhile). */
export function interactionLost(deps: InteractionDeps, state?: InteractionState): FlowResult {
  return {
    outcome: {
      kind: 'page',
      page: errorPage({ status: 400, error: 'invalid_request', description: 'This sign-in has expired or was already completed. Return to the application and start again.' }),
    },
    cookies: state === undefined ? [] : [clearInteractionCookie(deps, state)],
  };
}

/**
 * The page for an interaction that already ended with a code (a resubmitted consent or sign-in form):
 * a 400 without redirect, since the client already has its answer and must not get a second code.
 */
function interactionCompleted(deps: InteractionDeps, state: InteractionState): FlowResult {
  return {
    outcome: {
      kind: 'page',
      page: errorPage({ status: 400, error: 'invalid_request', description: 'This sign-in was already completed. Return to the application; to sign in again, start from there.' }),
    },
    cookies: [clearInteractionCookie(deps, state)],
  };
}

/** End the interaction with an error sent to the client. */
export function failToClient(deps: InteractionDeps, state: InteractionState, request: AuthorizationRequest, error: OAuthError): FlowResult {
  return { outcome: authorizationError(targetOf(request), deps.issuer, error), cookies: [clearInteractionCookie(deps, state)] };
}

/** Continue at the page `path` of this interaction, storing its state. */
export const goTo = (deps: InteractionDeps, state: InteractionState, path: string): FlowResult => ({
  outcome: { kind: 'redirect', location: interactionPath(path, state) },
  cookies: [interactionCookie(deps, state)],
});

/** Does the request need a (new) sign-in, given the session the browser has? */
function needsSignIn(deps: InteractionDeps, request: AuthorizationRequest, state: InteractionState, session: ActiveSession | undefined): boolean {
  if (session === undefined) return true;
  if (state.signedInSid === session.record.sid) return false;
  if (request.prompt.includes('login')) return true;
  if (request.maxAge !== undefined && authTooOld(session.record, new Date(deps.now()), request.maxAge)) return true;
  // acr_values asking for MFA: a password-only session must step up when the user has a second factor.
  const wantsMfa = request.acrValues.some((v) => MFA_ACRS.has(v));
  const canMfa = session.user.totp !== null && session.user.totp.confirmedAt !== null;
  return wantsMfa && canMfa && !session.record.amr.includes('mfa');
}

/** The scopes the user has not yet consented to for this client (all of them under `prompt=consent`). */
export async function scopesToConsent(deps: InteractionDeps, request: AuthorizationRequest, userId: string): Promise<{ scopes: string[]; resources: string[] }> {
  if (request.prompt.includes('consent')) return { scopes: [...request.scope], resources: [...request.resources] };
  const consent = await deps.storage.grants.findConsent(userId, request.clientId);
  return {
    scopes: request.scope.filter((s) => !consent?.scopes.includes(s)),
    resources: request.resources.filter((r) => !consent?.resources.includes(r)),
  };
}

/**
 * Decide the next step of an authorization: sign in, consent, or finish. Runs after /authorize and
 * after each page, so every page leads back here and the rules live in one place:
 * 1. sign-in when there is no usable session, or `prompt=login`, `max_age` or an MFA `acr_values` asks
 *    for a fresh one (`prompt=none` → `login_required`, OIDC Core §3.1.2.6);
 * 2. consent for what the user has not granted this client yet, or always under `prompt=consent`
 *    (`prompt=none` → `consent_required`);
 * 3. the access policy (a deny shows the person the reason and remediation, with a link back to
 *    the client carrying `access_denied`; see {@link accessRefused});
 * 4. a code, sent in the response mode asked for.
 */
export async function proceed(deps: InteractionDeps, state: InteractionState, session: ActiveSession | undefined): Promise<FlowResult> {
  if (state.kind !== 'authorize') {
    if (session === undefined) return goTo(deps, state, INTERACTION_PATHS.login);
    const path = state.kind === 'device'
      ? `${INTERACTION_PATHS.device}${state.userCode ? `?user_code=${encodeURIComponent(state.userCode)}` : ''}`
      : INTERACTION_PATHS.accountTotp;
    return { outcome: { kind: 'redirect', location: path }, cookies: [clearInteractionCookie(deps, state)] };
  }
  const request = state.request;
  if (request === undefined) return interactionLost(deps, state);
  const client = await deps.lookupClient(request.clientId);
  if (client === undefined || client.disabled) return interactionLost(deps, state);

  if (needsSignIn(deps, request, state, session)) {
    if (request.prompt.includes('none')) {
      return failToClient(deps, state, request, new OAuthError('login_required', 400, 'the user must sign in'));
    }
    return goTo(deps, state, INTERACTION_PATHS.login);
  }
  const active = session!;
  if (!state.consented) {
    const missing = await scopesToConsent(deps, request, active.user.id);
    if (missing.scopes.length > 0 || missing.resources.length > 0) {
      if (request.prompt.includes('none')) {
        return failToClient(deps, state, request, new OAuthError('consent_required', 400, 'the user must consent'));
      }
      return goTo(deps, state, INTERACTION_PATHS.consent);
    }
  }
  return finish(deps, state, request, client, active);
}

async function finish(deps: InteractionDeps, state: InteractionState, request: AuthorizationRequest, client: ClientRecord, session: ActiveSession): Promise<FlowResult> {
  // With `dpop_jkt` the tokens will be bound to that key, and so to the device holding it: the policy
  // sees that device now. It is only a claim here; /token requires a proof of the same key
  // (RFC 9449 §10) and asks the policy again, so naming someone else's key gains nothing.
  const deviceId = request.dpopJkt === undefined ? null : ((await deps.storage.devices.findByKeyThumbprint(request.dpopJkt))?.id ?? null);
  try {
    await deps.checkAccess({
      action: 'authorize',
      grantType: 'authorization_code',
      client,
      userId: session.user.id,
      audience: request.resources.length > 0 ? request.resources : client.resources.slice(0, 1),
      scope: request.scope,
      acr: session.record.acr,
      binding: request.dpopJkt === undefined ? null : { jkt: request.dpopJkt, deviceId },
    });
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    return accessRefused(deps, state, request, client, error);
  }
  // One interaction yields at most one code. Its state lives in a sealed cookie a browser (or an
  // attacker holding it) can send again, so the id is claimed in the shared replay store — atomic
  // across nodes — before the code exists; a second completion, even a concurrent one, gets a page.
  if (!(await deps.storage.replay.use(`interaction:${state.id}`, new Date(state.expiresAt)))) return interactionCompleted(deps, state);
  const code = await issueAuthorizationCode(deps, request, session);
  return { outcome: authorizationResponse(targetOf(request), deps.issuer, { code }), cookies: [clearInteractionCookie(deps, state)] };
}

/**
 * The access policy said no. The person sees why and what to fix (a 403 page with the reason code),
 * with a link back that carries the `access_denied` response, so the application still learns the
 * outcome (RFC 6749 §4.1.2.1) — but only when it was the person's choice to go back. Where a plain
 * link cannot carry the response (form_post, a native app's private-use scheme) the error is sent to
 * the client at once instead.
 */
function accessRefused(deps: InteractionDeps, state: InteractionState, request: AuthorizationRequest, client: ClientRecord, error: OAuthError): FlowResult {
  const response = failToClient(deps, state, request, error);
  if (!(error instanceof AccessDeniedError) || response.outcome.kind !== 'redirect' || !/^https?:/.test(response.outcome.location)) return response;
  const page = accessDeniedPage({
    reason: error.reason,
    message: error.userMessage,
    remediation: error.remediation,
    clientName: clientDisplayName(client),
    returnTo: response.outcome.location,
  });
  return { outcome: { kind: 'page', page }, cookies: response.cookies };
}
