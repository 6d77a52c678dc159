import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientRecord } from '@tessera/store';
import { verifyJwt, type JwtPayload } from '@tessera/token';
import { INTERACTION_PATHS, type InteractionDeps } from '../authorize/deps.js';
import { bodyOf, formIsGenuine, refuseOtherMethods, sendFlow, sendPage } from '../authorize/http.js';
import { RawParams } from '../authorize/params.js';
import { clientDisplayName } from '../authorize/request.js';
import { clearSessionCookie, currentSession, type ActiveSession } from '../authorize/session.js';
import { formActionSourceFor } from '../interaction/headers.js';
import { html } from '../interaction/html.js';
import { errorPage, loggedOutPage, logoutConfirmPage, renderPage } from '../interaction/pages/index.js';

/** A validated logout request: where to return (exact-match registered), with which state, for which client. */
interface LogoutRequest {
  readonly client?: ClientRecord;
  readonly postLogoutRedirectUri?: string;
  readonly state?: string;
  /** The `id_token_hint` verified and names the session's user (and session, when it has `sid`): no need to ask. */
  readonly hint?: JwtPayload;
}

class LogoutError extends Error {}

function verifyHint(deps: InteractionDeps, token: string): JwtPayload {
  let payload: JwtPayload;
  try {
    // Signature and header rules only: RP-Initiated Logout §2 lets an expired ID token still name its session.
    payload = verifyJwt(token, { typ: 'JWT', acceptTyp: (typ) => typ === undefined || typ === 'jwt', getKey: (kid) => deps.verificationKey(kid) }).payload;
  } catch {
    throw new LogoutError('id_token_hint is not an ID token issued by this server');
  }
  if (payload.iss !== deps.issuer || typeof payload.sub !== 'string') throw new LogoutError('id_token_hint is not an ID token issued by this server');
  return payload;
}

/**
 * OIDC RP-Initiated Logout 1.0 §2-§3: `client_id` and the hint's `aud` must agree; a
 * `post_logout_redirect_uri` must exactly match one the client registered (else: an error page, never
 * a redirect — no open redirector).
 */
async function validate(deps: InteractionDeps, params: RawParams): Promise<LogoutRequest> {
  const repeated = params.repeatedNames()[0];
  if (repeated !== undefined) throw new LogoutError(`parameter "${repeated.slice(0, 40)}" is repeated`);
  const hintToken = params.get('id_token_hint');
  const hint = hintToken === undefined ? undefined : verifyHint(deps, hintToken);
  const audience = hint === undefined ? [] : Array.isArray(hint.aud) ? hint.aud : typeof hint.aud === 'string' ? [hint.aud] : [];
  let clientId = params.get('client_id');
  if (clientId !== undefined && hint !== undefined && !audience.includes(clientId)) throw new LogoutError('client_id does not match the id_token_hint');
  clientId ??= hint !== undefined && audience.length === 1 ? audience[0] : undefined;
  const client = clientId === undefined ? undefined : await deps.lookupClient(clientId);
  if (clientId !== undefined && (client === undefined || client.disabled)) throw new LogoutError('the client is not registered');
  const redirect = params.get('post_logout_redirect_uri');
  if (redirect !== undefined) {
    if (client === undefined) throw new LogoutError('post_logout_redirect_uri needs client_id or id_token_hint');
    const registered = client.metadata.post_logout_redirect_uris;
    if (!Array.isArray(registered) || !registered.includes(redirect)) throw new LogoutError('post_logout_redirect_uri is not registered for this client');
  }
  const state = params.get('state');
  return {
    ...(client !== undefined && { client }),
    ...(redirect !== undefined && { postLogoutRedirectUri: redirect }),
    ...(state !== undefined && state.length <= 1024 && { state }),
    ...(hint !== undefined && { hint }),
  };
}

/** The hint proves the relying party speaks for this session: same user, and same session when it names one. */
function hintMatches(hint: JwtPayload | undefined, session: ActiveSession): boolean {
  if (hint === undefined || hint.sub !== session.user.id) return false;
  return hint.sid === undefined || hint.sid === session.record.sid;
}

/**
 * End the SSO session: revoke it, revoke the tokens issued in it, tell listeners (back-channel
 * logout, SSF), clear the cookie; then return to the client or show the signed-out page.
 */
async function endSession(deps: InteractionDeps, request: FastifyRequest, reply: FastifyReply, logout: LogoutRequest, session: ActiveSession | undefined) {
  if (session !== undefined) {
    const at = new Date(deps.now());
    await deps.storage.sessions.revoke(session.idHash, at);
    await deps.storage.tokens.revokeBySession(session.record.sid, at);
    request.log.info({ sid: session.record.sid }, 'signed out');
    await deps.events.emit('session.revoked', { sid: session.record.sid, userId: session.user.id, at, reason: 'logout' });
  }
  const cookies = [clearSessionCookie(deps)];
  if (logout.postLogoutRedirectUri !== undefined) {
    const uri = logout.postLogoutRedirectUri;
    const location = logout.state === undefined ? uri : `${uri}${uri.includes('?') ? '&' : '?'}${new URLSearchParams({ state: logout.state })}`;
    return sendFlow(reply, { outcome: { kind: 'redirect', location }, cookies });
  }
  return sendPage(reply, loggedOutPage(), cookies);
}

/** `/logout` (`end_session_endpoint`), GET and POST (RP-Initiated Logout §2). */
export function registerEndSession(scope: FastifyInstance, deps: InteractionDeps): void {
  async function handle(request: FastifyRequest, reply: FastifyReply, params: RawParams, confirmed: boolean) {
    let logout: LogoutRequest;
    try {
      logout = await validate(deps, params);
    } catch (error) {
      if (!(error instanceof LogoutError)) throw error;
      return sendPage(reply, errorPage({ status: 400, error: 'invalid_request', description: error.message }));
    }
    const session = await currentSession(deps, request);
    if (session === undefined || confirmed || hintMatches(logout.hint, session)) return endSession(deps, request, reply, logout, session);
    // Not proven to come from the session's relying party: ask, so a cross-site link cannot sign anyone out.
    const source = logout.postLogoutRedirectUri && formActionSourceFor(logout.postLogoutRedirectUri);
    const page = logoutConfirmPage({
      action: INTERACTION_PATHS.logout,
      csrfToken: deps.csrf.issue(session.idHash),
      ...(logout.client && { clientName: clientDisplayName(logout.client) }),
      ...(source && { formActionSources: [source] }),
      // The request's parameters ride along in the confirmation form and are validated again on POST.
      hidden: {
        ...(logout.client && { client_id: logout.client.clientId }),
        ...(logout.postLogoutRedirectUri !== undefined && { post_logout_redirect_uri: logout.postLogoutRedirectUri }),
        ...(logout.state !== undefined && { state: logout.state }),
      },
    });
    return sendPage(reply, page);
  }

  scope.get(INTERACTION_PATHS.logout, (request, reply) => handle(request, reply, RawParams.fromUrl(request.url), false));
  scope.post(INTERACTION_PATHS.logout, async (request, reply) => {
    const form = bodyOf(request);
    const answer = form.get('logout');
    if (answer === undefined) return handle(request, reply, form, false);
    const session = await currentSession(deps, request);
    if (session === undefined) return handle(request, reply, form, true);
    if (!formIsGenuine(deps, request, session.idHash)) {
      return sendPage(reply, errorPage({ status: 400, error: 'invalid_request', description: 'This form expired or was sent from another page. Go back and try again.' }));
    }
    if (answer !== 'yes') {
      return sendPage(reply, renderPage({ title: 'Still signed in', main: html`<h1>You are still signed in</h1><p>You can close this page.</p>` }));
    }
    const params = RawParams.parse(new URLSearchParams(
      [['client_id', form.get('client_id')], ['post_logout_redirect_uri', form.get('post_logout_redirect_uri')], ['state', form.get('state')]].filter(
        (pair): pair is [string, string] => pair[1] !== undefined,
      ),
    ).toString());
    return handle(request, reply, params, true);
  });
  refuseOtherMethods(scope, INTERACTION_PATHS.logout, ['GET', 'HEAD', 'POST']);
}
