import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientRecord } from '@tessera/store';
import { accessDenied } from '../errors.js';
import { formActionSourceFor } from '../interaction/headers.js';
import { consentPage, errorPage } from '../interaction/pages/index.js';
import { INTERACTION_PATHS, type InteractionDeps } from './deps.js';
import { failToClient, interactionLost, proceed, scopesToConsent } from './flow.js';
import { bodyOf, formIsGenuine, refuseOtherMethods, sendFlow, sendPage } from './http.js';
import { interactionPath, readInteraction, type InteractionState } from './interaction.js';
import { clientDisplayName, type AuthorizationRequest } from './request.js';
import { currentSession, type ActiveSession } from './session.js';

const metadataString = (client: ClientRecord, name: string): string | undefined => {
  const value = client.metadata[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * The consent page (remembered per user, client and scope set; only new scopes are shown, all of them
 * under `prompt=consent`). Approve remembers the consent and continues; deny ends the authorization
 * with `access_denied` at the client (RFC 6749 §4.1.2.1).
 */
export function registerConsent(scope: FastifyInstance, deps: InteractionDeps): void {
  async function show(reply: FastifyReply, state: InteractionState, request: AuthorizationRequest, client: ClientRecord, session: ActiveSession, status?: number) {
    const missing = await scopesToConsent(deps, request, session.user.id);
    const source = formActionSourceFor(request.redirectUri);
    const uri = metadataString(client, 'client_uri');
    const policyUri = metadataString(client, 'policy_uri');
    const tosUri = metadataString(client, 'tos_uri');
    const page = consentPage({
      action: interactionPath(INTERACTION_PATHS.consent, state),
      csrfToken: deps.csrf.issue(state.id),
      client: { name: clientDisplayName(client), ...(uri && { uri }), ...(policyUri && { policyUri }), ...(tosUri && { tosUri }) },
      scopes: (missing.scopes.length > 0 ? missing.scopes : request.scope).map((name) => ({ name })),
      resources: request.resources,
      username: session.user.username,
      formActionSources: source ? [source] : [],
    });
    return sendPage(reply, status === undefined ? page : { ...page, status });
  }

  /** The interaction, its client and the session, or the flow result to send instead. */
  async function load(request: FastifyRequest) {
    const state = readInteraction(deps, request);
    if (state === undefined) return { result: interactionLost(deps) };
    if (state.kind !== 'authorize' || state.request === undefined) return { result: interactionLost(deps, state) };
    const session = await currentSession(deps, request);
    if (session === undefined) return { result: await proceed(deps, state, undefined) };
    const client = await deps.lookupClient(state.request.clientId);
    if (client === undefined || client.disabled) return { result: interactionLost(deps, state) };
    return { state, request: state.request, client, session };
  }

  scope.get(INTERACTION_PATHS.consent, async (request, reply) => {
    const loaded = await load(request);
    if (loaded.result !== undefined) return sendFlow(reply, loaded.result);
    return show(reply, loaded.state, loaded.request, loaded.client, loaded.session);
  });

  scope.post(INTERACTION_PATHS.consent, async (request, reply) => {
    const loaded = await load(request);
    if (loaded.result !== undefined) return sendFlow(reply, loaded.result);
    const { state, client, session } = loaded;
    if (!formIsGenuine(deps, request, state.id)) {
      return sendPage(reply, errorPage({ status: 400, error: 'invalid_request', description: 'This form expired or was sent from another page. Go back and try again.' }));
    }
    const decision = bodyOf(request).get('decision');
    if (decision === 'deny') return sendFlow(reply, failToClient(deps, state, loaded.request, accessDenied('the user denied the request')));
    if (decision !== 'approve') return show(reply, state, loaded.request, client, session, 400);
    await deps.storage.grants.saveConsent(session.user.id, client.clientId, { scopes: loaded.request.scope, resources: loaded.request.resources }, new Date(deps.now()));
    return sendFlow(reply, await proceed(deps, { ...state, consented: true }, session));
  });
  refuseOtherMethods(scope, INTERACTION_PATHS.consent, ['GET', 'HEAD', 'POST']);
}
