import type { FastifyInstance } from 'fastify';
import { runSteps } from '../endpoints/steps.js';
import { OAuthError } from '../errors.js';
import { errorPage } from '../interaction/pages/index.js';
import { INTERACTION_PATHS, type InteractionDeps } from './deps.js';
import { goTo, interactionLost, proceed, type FlowResult } from './flow.js';
import { bodyOf, refuseOtherMethods, sendFlow } from './http.js';
import { newInteraction, readInteraction, staleInteractionCookies } from './interaction.js';
import { RawParams } from './params.js';
import type { AuthorizationRequest } from './request.js';
import { authorizationError } from './respond.js';
import { currentSession } from './session.js';
import { authorizeSteps, type AuthorizeCtx } from './validate.js';

/**
 * Run the validation steps. Until the redirect URI is trusted a failure is an error page (never a
 * redirect: RFC 6749 §4.1.2.1); after it, an error response to the client with `iss` (RFC 9207).
 */
export async function validateAuthorizationRequest(
  deps: InteractionDeps,
  params: RawParams,
): Promise<{ request: AuthorizationRequest } | { failure: FlowResult }> {
  const ctx: AuthorizeCtx = { params, lookupClient: deps.lookupClient, ...(deps.pushedRequests !== undefined && { pushed: deps.pushedRequests }), request: {} };
  try {
    await runSteps(authorizeSteps, ctx);
  } catch (error) {
    if (!(error instanceof OAuthError) || error.status >= 500) throw error;
    if (ctx.target === undefined) {
      return { failure: { outcome: { kind: 'page', page: errorPage({ status: 400, error: error.code, description: error.description }) }, cookies: [] } };
    }
    return { failure: { outcome: authorizationError(ctx.target, deps.issuer, error), cookies: [] } };
  }
  return { request: ctx.request as AuthorizationRequest };
}

/**
 * The authorization endpoint (RFC 6749 §3.1), GET and POST (OIDC Core §3.1.2.1).
 * A GET continues at once with the browser's SSO session. A POST may come cross-site, when
 * `SameSite=Lax` withholds the session cookie, so it only stores the validated request and sends the
 * browser (303) to a same-site GET that continues.
 */
export function registerAuthorize(scope: FastifyInstance, deps: InteractionDeps): void {
  scope.get(INTERACTION_PATHS.authorize, async (request, reply) => {
    const validated = await validateAuthorizationRequest(deps, RawParams.fromUrl(request.url));
    if ('failure' in validated) return sendFlow(reply, validated.failure);
    const state = newInteraction(deps, 'authorize', { request: validated.request });
    return sendFlow(reply, await proceed(deps, state, await currentSession(deps, request)), staleInteractionCookies(deps, request));
  });
  scope.post(INTERACTION_PATHS.authorize, async (request, reply) => {
    const validated = await validateAuthorizationRequest(deps, bodyOf(request));
    if ('failure' in validated) return sendFlow(reply, validated.failure);
    const state = newInteraction(deps, 'authorize', { request: validated.request });
    return sendFlow(reply, goTo(deps, state, INTERACTION_PATHS.resume), staleInteractionCookies(deps, request));
  });
  refuseOtherMethods(scope, INTERACTION_PATHS.authorize, ['GET', 'HEAD', 'POST']);

  scope.get(INTERACTION_PATHS.resume, async (request, reply) => {
    const state = readInteraction(deps, request);
    if (state === undefined) return sendFlow(reply, interactionLost(deps));
    return sendFlow(reply, await proceed(deps, state, await currentSession(deps, request)));
  });
  refuseOtherMethods(scope, INTERACTION_PATHS.resume, ['GET', 'HEAD']);
}
