import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { openSecret } from '../accounts/secret-box.js';
import { otpauthUri } from '../accounts/totp.js';
import { html } from '../interaction/html.js';
import { renderPage, totpEnrolPage, type InteractionError } from '../interaction/pages/index.js';
import { INTERACTION_PATHS, type InteractionDeps } from './deps.js';
import { proceed } from './flow.js';
import { bodyOf, formIsGenuine, refuseOtherMethods, sendFlow, sendPage } from './http.js';
import { newInteraction, staleInteractionCookies } from './interaction.js';
import { currentSession, type ActiveSession } from './session.js';

const enabledPage = () =>
  renderPage({
    title: 'Two-step verification is on',
    main: html`<h1>Two-step verification is on</h1><p>From now on, signing in asks for a code from your authenticator app.</p>`,
  });

/**
 * `/account/totp`: a signed-in user enrols a TOTP factor (QR code, then a first code). The secret is
 * sealed at rest from the first step; it is required at login only once confirmed.
 */
export function registerAccountPages(scope: FastifyInstance, deps: InteractionDeps): void {
  function enrolPage(reply: FastifyReply, session: ActiveSession, secret: string, error?: InteractionError) {
    const uri = otpauthUri({ issuer: deps.totpIssuer, accountName: session.user.username, secret });
    return sendPage(
      reply,
      totpEnrolPage({ action: INTERACTION_PATHS.accountTotp, csrfToken: deps.csrf.issue(session.idHash), secret, otpauthUri: uri, ...(error && { error }) }),
    );
  }

  const signInFirst = async (request: FastifyRequest, reply: FastifyReply) =>
    sendFlow(reply, await proceed(deps, newInteraction(deps, 'account'), undefined), staleInteractionCookies(deps, request));

  scope.get(INTERACTION_PATHS.accountTotp, async (request, reply) => {
    const session = await currentSession(deps, request);
    if (session === undefined) return signInFirst(request, reply);
    if (session.user.totp?.confirmedAt) return sendPage(reply, enabledPage());
    const started = await deps.enrolment.start(session.user.id);
    if (!started.ok) return sendPage(reply, enabledPage());
    return enrolPage(reply, session, started.secret);
  });

  scope.post(INTERACTION_PATHS.accountTotp, async (request, reply) => {
    const session = await currentSession(deps, request);
    if (session === undefined) return signInFirst(request, reply);
    const pending = session.user.totp;
    if (pending?.confirmedAt) return sendPage(reply, enabledPage());
    if (pending === null || pending === undefined) return sendFlow(reply, { outcome: { kind: 'redirect', location: INTERACTION_PATHS.accountTotp }, cookies: [] });
    const secret = openSecret(pending.secret, deps.masterKey, `totp:${session.user.id}`);
    if (!formIsGenuine(deps, request, session.idHash)) return enrolPage(reply, session, secret, 'csrf');
    const result = await deps.enrolment.confirm(session.user.id, bodyOf(request).get('code') ?? '');
    if (result.ok) return sendPage(reply, enabledPage());
    return enrolPage(reply, session, secret, result.reason === 'totp_replayed' ? 'totp_replayed' : 'totp_invalid');
  });
  refuseOtherMethods(scope, INTERACTION_PATHS.accountTotp, ['GET', 'HEAD', 'POST']);
}
