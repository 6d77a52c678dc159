import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DeviceCodeRecord } from '@tessera/store';
import { deviceCodePage, deviceConfirmPage, deviceDonePage, type InteractionError } from '../interaction/pages/index.js';
import { userCodeFailed, userCodeWait } from '../interaction/user-code-throttle.js';
import { INTERACTION_PATHS, type InteractionDeps } from './deps.js';
import { proceed } from './flow.js';
import { bodyOf, formIsGenuine, refuseOtherMethods, sendFlow, sendPage } from './http.js';
import { newInteraction, staleInteractionCookies } from './interaction.js';
import { RawParams } from './params.js';
import { clientDisplayName } from './request.js';
import { currentSession, type ActiveSession } from './session.js';

/** RFC 8628 §6.1: user codes are compared case-insensitively and without the dash or spaces people type. */
export function normalizeUserCode(input: string | undefined): string | undefined {
  if (input === undefined) return undefined;
  const code = input.replace(/[\s-]/g, '').toUpperCase();
  return /^[A-Z0-9]{1,16}$/.test(code) ? code : undefined;
}

/**
 * The device verification page (RFC 8628 §3.3): sign in (the usual pages, then back here), enter or
 * confirm the user code, approve or deny. Approval creates the grant the device's tokens will join.
 */
export function registerDevicePages(scope: FastifyInstance, deps: InteractionDeps): void {
  const date = () => new Date(deps.now());

  function entryPage(reply: FastifyReply, session: ActiveSession, extra: { userCode?: string; error?: InteractionError; retryAfterSeconds?: number } = {}) {
    return sendPage(
      reply,
      deviceCodePage({
        action: INTERACTION_PATHS.device,
        csrfToken: deps.csrf.issue(session.idHash),
        ...(extra.userCode !== undefined && { userCode: extra.userCode }),
        ...(extra.error !== undefined && { error: extra.error }),
        ...(extra.retryAfterSeconds !== undefined && { retryAfterSeconds: extra.retryAfterSeconds }),
      }),
    );
  }

  /** Sign in first, then come back here with the code. */
  function signInFirst(request: FastifyRequest, reply: FastifyReply, userCode: string | undefined) {
    return proceed(deps, newInteraction(deps, 'device', userCode !== undefined ? { userCode } : {}), undefined).then((result) =>
      sendFlow(reply, result, staleInteractionCookies(deps, request)),
    );
  }

  /** A live, pending code for the entered text; counts failures per IP. */
  async function lookUp(request: FastifyRequest, typed: string | undefined): Promise<{ record: DeviceCodeRecord } | { error: InteractionError; retryAfterSeconds?: number }> {
    const now = date();
    const wait = await userCodeWait(deps.storage.loginThrottle, deps.userCodeThrottle, request.ip, now);
    if (wait > 0) return { error: 'throttled', retryAfterSeconds: wait };
    const code = normalizeUserCode(typed);
    const record = code === undefined ? undefined : await deps.storage.deviceCodes.findByUserCode(code);
    if (record === undefined || record.status !== 'pending') {
      await userCodeFailed(deps.storage.loginThrottle, deps.userCodeThrottle, request.ip, now);
      return { error: 'user_code_invalid' };
    }
    if (record.expiresAt.getTime() <= now.getTime()) return { error: 'user_code_expired' };
    return { record };
  }

  scope.get(INTERACTION_PATHS.device, async (request, reply) => {
    const userCode = normalizeUserCode(RawParams.fromUrl(request.url).get('user_code'));
    const session = await currentSession(deps, request);
    if (session === undefined) return signInFirst(request, reply, userCode);
    return entryPage(reply, session, userCode !== undefined ? { userCode } : {});
  });

  scope.post(INTERACTION_PATHS.device, async (request, reply) => {
    const form = bodyOf(request);
    const session = await currentSession(deps, request);
    if (session === undefined) return signInFirst(request, reply, normalizeUserCode(form.get('user_code')));
    const typed = form.get('user_code');
    if (!formIsGenuine(deps, request, session.idHash)) return entryPage(reply, session, { error: 'csrf', ...(typed !== undefined && { userCode: typed.slice(0, 16) }) });
    const found = await lookUp(request, typed);
    if ('error' in found) return entryPage(reply, session, { ...found, ...(typed !== undefined && { userCode: typed.slice(0, 16) }) });
    const client = await deps.lookupClient(found.record.clientId);
    if (client === undefined || client.disabled) return entryPage(reply, session, { error: 'user_code_invalid' });
    return sendPage(
      reply,
      deviceConfirmPage({
        action: INTERACTION_PATHS.deviceConfirm,
        csrfToken: deps.csrf.issue(session.idHash),
        userCode: found.record.userCode,
        clientName: clientDisplayName(client),
        scopes: found.record.scope,
        username: session.user.username,
      }),
    );
  });
  refuseOtherMethods(scope, INTERACTION_PATHS.device, ['GET', 'HEAD', 'POST']);

  scope.post(INTERACTION_PATHS.deviceConfirm, async (request, reply) => {
    const form = bodyOf(request);
    const session = await currentSession(deps, request);
    if (session === undefined) return signInFirst(request, reply, normalizeUserCode(form.get('user_code')));
    if (!formIsGenuine(deps, request, session.idHash)) return entryPage(reply, session, { error: 'csrf' });
    const found = await lookUp(request, form.get('user_code'));
    if ('error' in found) return entryPage(reply, session, found);
    const { record } = found;
    const client = await deps.lookupClient(record.clientId);
    if (client === undefined || client.disabled) return entryPage(reply, session, { error: 'user_code_invalid' });
    const decision = form.get('decision');
    const now = date();
    if (decision === 'deny') {
      await deps.storage.deviceCodes.deny(record.userCode, session.user.id, now);
      return sendPage(reply, deviceDonePage({ approved: false, clientName: clientDisplayName(client) }));
    }
    if (decision !== 'approve') return entryPage(reply, session, { userCode: record.userCode });
    // No access check here: the device proves its DPoP key (and so which registered device it is) only
    // at /token, where the device_code grant asks the policy with that binding before issuing anything.
    const grantId = randomUUID();
    await deps.storage.grants.create({
      v: 1, id: grantId, userId: session.user.id, clientId: client.clientId, scope: [...record.scope], resources: [...record.resource],
      createdAt: now, updatedAt: now, revokedAt: null,
    });
    // The session's sign-in goes with the approval: the device's ID token states it, and that session's
    // logout reaches the device's client (OIDC Back-Channel Logout §2.3) — recorded before the approval
    // lands, so a token can never be issued for a session that would not tell this client.
    const { sid, authTime, acr, amr } = session.record;
    await deps.storage.sessions.addClient(sid, client.clientId, now);
    const approved = await deps.storage.deviceCodes.approve(record.userCode, { userId: session.user.id, grantId, signIn: { sessionId: sid, authTime, acr, amr } }, now);
    if (approved === undefined) {
      await deps.storage.grants.revoke(grantId, now);
      return entryPage(reply, session, { error: 'user_code_expired' });
    }
    request.log.info({ clientId: client.clientId, grantId }, 'device approved');
    return sendPage(reply, deviceDonePage({ approved: true, clientName: clientDisplayName(client) }));
  });
  refuseOtherMethods(scope, INTERACTION_PATHS.deviceConfirm, ['POST']);
}
