import type { DecisionLogStore, DeviceRecord, DeviceStore, UserRecord, UserStore } from '@tessera/store';
import type { AccessDecision, AccessRequest, PolicyEngine } from '@tessera/policy';
import type { Logger } from 'pino';
import type { AccessQuestion, CheckAccess } from '../grants/define.js';
import { AccessDeniedError } from './denied.js';
import { postureOf } from './posture.js';
import { createDecisionRecorder } from './recorder.js';

/** What {@link createPolicyAccessCheck} needs. */
export interface PolicyAccessDeps {
  engine: PolicyEngine;
  /** Audience of a question that names none (an ID-token-only sign-in): the issuer itself. */
  issuer: string;
  devices: Pick<DeviceStore, 'get'>;
  users: Pick<UserStore, 'get'>;
  decisionLog: Pick<DecisionLogStore, 'append'>;
  /** Identical allows within this many ms are logged once (see `createDecisionRecorder`); 0 logs every allow. Default 60 s. */
  allowLogWindowMs?: number;
  now: () => number;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/**
 * The access check over the Cedar policy engine (issue 5 §4), asked by every grant and by /authorize:
 * 1. the device: when the request proved a DPoP key registered to a device (`binding.deviceId`), that
 *    device's stored posture and compliance verdict become `context.device` (`bound` = the key is one of
 *    its keys). Without a bound device the context has no device: policies that require one (the
 *    shipped payroll example) deny, others do not care. A device id that no longer resolves (deleted
 *    meanwhile) is treated the same: no device.
 * 2. the user (groups) when there is one; a user who no longer exists or is disabled is refused here
 *    too, whatever the grant checked before (`user_unknown` / `user_disabled`).
 * 3. one Cedar decision per audience (RFC 8707 allows several); any deny refuses the whole request.
 * 4. every deny, and every allow that is not a repeat within the window, is appended to the decision log
 *    (policies, reasons, device) — without delaying the answer (see `createDecisionRecorder`).
 * A deny throws {@link AccessDeniedError} (`access_denied` with the stable reason code).
 * Without a user or a device the check does no I/O and returns synchronously (client_credentials).
 */
export function createPolicyAccessCheck(deps: PolicyAccessDeps): CheckAccess {
  const { engine, issuer, devices, users, now, log } = deps;
  const record = createDecisionRecorder({ decisionLog: deps.decisionLog, allowWindowMs: deps.allowLogWindowMs ?? 60_000, log });

  function decide(question: AccessQuestion, user: UserRecord | null, device: DeviceRecord | undefined): void {
    const at = new Date(now());
    const audiences = question.audience.length > 0 ? question.audience : [issuer];
    const base = {
      at,
      action: question.action,
      grantType: question.action === 'token' ? question.grantType : null,
      clientId: question.client.clientId,
      userId: question.userId,
      deviceId: device?.id ?? null,
      scope: [...question.scope],
    };
    const refusal = userRefusal(question, user);
    if (refusal !== undefined) {
      record({ ...base, audience: [...audiences], decision: 'deny', policies: [], reasons: [refusal] });
      throw new AccessDeniedError(question.action, [refusal], `user ${question.userId}: ${refusal}`);
    }
    const posture = device === undefined ? undefined : postureOf(device, question.binding?.jkt ?? null, question.userId);
    let denied: { audience: string; decision: AccessDecision } | undefined;
    for (const audience of audiences) {
      const request: AccessRequest = {
        action: question.action,
        client: { id: question.client.clientId },
        audience,
        scopes: question.scope,
        grantType: question.grantType,
        ...(user === null ? {} : { user: { id: user.id, groups: user.groups } }),
        ...(question.acr === null ? {} : { acr: question.acr }),
        ...(posture === undefined ? {} : { device: posture }),
      };
      const decision = engine.decide(request);
      // A refusal about the device also names what is wrong with it (disk_not_encrypted, …).
      const reasons = decision.decision === 'deny' && posture !== undefined && !posture.compliant ? [...decision.reasons, ...posture.reasons] : [...decision.reasons];
      record({ ...base, audience: [audience], decision: decision.decision, policies: [...decision.policies], reasons });
      if (decision.errors.length > 0) log.warn({ audience, policies: decision.policies, errors: decision.errors }, 'access policy evaluation errors');
      if (decision.decision === 'deny' && denied === undefined) denied = { audience, decision: { ...decision, reasons } };
    }
    if (denied !== undefined) {
      const { audience, decision } = denied;
      log.info(
        { action: question.action, grantType: question.grantType, clientId: question.client.clientId, userId: question.userId, deviceId: device?.id ?? null, audience, policies: decision.policies, reasons: decision.reasons },
        'access denied by policy',
      );
      throw new AccessDeniedError(question.action, decision.reasons, `audience ${audience}: ${decision.policies.join(', ') || 'no permit'}`);
    }
  }

  // A question without user and device (client_credentials) depends only on what the key below holds
  // and on the policy set in force, and Cedar is deterministic. Such an allow is remembered for the
  // decision log's allow window: a hit skips building the Cedar call and the log entry (~15 µs of a
  // ~100 µs token request), and the first question after the window goes the full way again, so the
  // log still gets one entry per window. Denies are never remembered: each one is logged.
  const allowWindowMs = deps.allowLogWindowMs ?? 60_000;
  const recentAllows = new Map<string, { set: unknown; at: number }>();
  function decideWithoutPrincipalData(question: AccessQuestion): void {
    const key = `${question.action}\n${question.grantType}\n${question.client.clientId}\n${question.acr ?? ''}\n${question.audience.join(' ')}\n${question.scope.join(' ')}`;
    const hit = recentAllows.get(key);
    const at = now();
    if (hit !== undefined && hit.set === engine.current && at >= hit.at && at - hit.at < allowWindowMs) return;
    decide(question, null, undefined); // throws on deny: nothing remembered
    recentAllows.delete(key);
    recentAllows.set(key, { set: engine.current, at });
    if (recentAllows.size > 10_000) recentAllows.delete(recentAllows.keys().next().value!);
  }

  return function checkAccess(question) {
    const deviceId = question.binding?.deviceId ?? null;
    if (question.userId === null && deviceId === null) {
      return allowWindowMs > 0 ? decideWithoutPrincipalData(question) : decide(question, null, undefined);
    }
    return Promise.all([
      question.userId === null ? null : users.get(question.userId),
      deviceId === null ? undefined : devices.get(deviceId),
    ]).then(([user, device]) => decide(question, user ?? null, device));
  };
}

function userRefusal(question: AccessQuestion, user: UserRecord | null | undefined): string | undefined {
  if (question.userId === null) return undefined;
  if (user === null || user === undefined) return 'user_unknown';
  if (user.status !== 'active') return 'user_disabled';
  return undefined;
}
