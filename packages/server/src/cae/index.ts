import type { CutoffKind, CutoffStore, DeviceStore, SessionStore, TokenStore } from '@tessera/store';
import type { Logger } from 'pino';
import type { EventBus, ServerEvents } from '../events/bus.js';
import { deviceComplianceChange, deviceDeleted, sessionRevoked, userDisabled, type OutgoingEvent } from '../ssf/caep.js';
import type { Transmitter } from '../ssf/transmitter.js';
import { reconcileDevices } from './reconcile.js';

/** What continuous access evaluation needs. */
export interface CaeDeps {
  events: EventBus;
  /** For the catch-up after a restart (see `reconcileDevices`); omitted = no catch-up. */
  devices?: Pick<DeviceStore, 'list'>;
  tokens: Pick<TokenStore, 'revokeByDevice' | 'revokeBySubject' | 'revokeBySession'>;
  sessions: Pick<SessionStore, 'revokeByUser'>;
  cutoffs: Pick<CutoffStore, 'set' | 'get'>;
  /** Seconds: the longest access-token lifetime (`ttl.accessTokenMax`); a cut-off is kept that long. */
  maxAccessTokenTtl: number;
  /** Where SETs go; `null` when the transmitter is off. */
  transmitter: Transmitter | null;
  now: () => number;
  log: Pick<Logger, 'info' | 'error'>;
}

/**
 * Continuous access evaluation (issue 5 §6): when a device turns non-compliant or is deleted, a user is
 * disabled, or a session is revoked, in parallel
 * - stored tokens of that device / user / session are revoked (opaque access tokens and refresh
 *   tokens: a refresh then fails with `invalid_grant`);
 * - a cut-off is recorded (device / subject / session, `at` = the event's time, kept for the longest
 *   access-token lifetime): introspection refuses every JWT of it issued at or before `at`, and
 *   receivers catch up on cut-offs from the SSF feed;
 * - the CAEP event is published to every SSF stream (`device-compliance-change`, `session-revoked`).
 * A device that becomes compliant again gets new tokens (issued after the cut-off); the revoked ones
 * stay revoked, because the cut-off compares their `iat` with a time that never moves back.
 * With `devices`, it also catches up in the background on verdicts a crash left unprocessed (see
 * `reconcileDevices`). Returns the unsubscribe function.
 */
export function startCae(deps: CaeDeps): () => void {
  const { events, tokens, sessions, cutoffs, maxAccessTokenTtl, transmitter, log } = deps;

  function cutOff(kind: CutoffKind, id: string, at: Date): Promise<unknown> {
    return cutoffs.set({ kind, id, at, expiresAt: new Date(at.getTime() + maxAccessTokenTtl * 1000) });
  }

  async function publish(event: OutgoingEvent): Promise<number> {
    return transmitter === null ? 0 : transmitter.publish(event);
  }

  /** Run the steps together; each logs its own outcome, a failing one does not stop the others. */
  async function steps(context: Record<string, unknown>, named: Record<string, () => Promise<unknown>>): Promise<void> {
    const results = await Promise.allSettled(Object.values(named).map((run) => run()));
    const names = Object.keys(named);
    const outcome: Record<string, unknown> = {};
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') outcome[names[i]!] = result.value ?? 'done';
      else log.error({ ...context, step: names[i], err: result.reason }, 'continuous access evaluation step failed');
    });
    log.info({ ...context, ...outcome }, 'continuous access evaluation');
  }

  async function deviceOut(deviceId: string, at: Date, event: OutgoingEvent, reason: string, reasons: readonly string[]): Promise<void> {
    await steps(
      { deviceId, reason, reasons },
      {
        revokedTokens: () => tokens.revokeByDevice(deviceId, at),
        cutoff: () => cutOff('device', deviceId, at),
        streams: () => publish(event),
      },
    );
  }

  const off = [
    events.on('device.compliance_changed', async (e: ServerEvents['device.compliance_changed']) => {
      if (e.current === 'not-compliant') return deviceOut(e.deviceId, e.at, deviceComplianceChange(e), 'device_not_compliant', e.reasons);
      // Compliant again: nothing to revoke; receivers are told, new tokens may be issued.
      await steps({ deviceId: e.deviceId, reason: 'device_compliant' }, { streams: () => publish(deviceComplianceChange(e)) });
    }),
    events.on('device.deleted', (e) => deviceOut(e.deviceId, e.at, deviceDeleted(e), 'device_deleted', [])),
    events.on('user.disabled', (e) =>
      steps(
        { userId: e.userId, reason: 'user_disabled' },
        {
          revokedTokens: () => tokens.revokeBySubject(e.userId, e.at),
          revokedSessions: async () => (await sessions.revokeByUser(e.userId, e.at)).length,
          cutoff: () => cutOff('subject', e.userId, e.at),
          streams: () => publish(userDisabled(e)),
        },
      ),
    ),
    events.on('session.revoked', (e) =>
      steps(
        { sid: e.sid, userId: e.userId, reason: e.reason },
        {
          revokedTokens: () => tokens.revokeBySession(e.sid, e.at),
          cutoff: () => cutOff('session', e.sid, e.at),
          streams: () => publish(sessionRevoked(e)),
        },
      ),
    ),
  ];
  if (deps.devices !== undefined) {
    reconcileDevices({
      devices: deps.devices,
      cutoffs,
      maxAccessTokenTtl,
      now: deps.now,
      log,
      deviceOut: (deviceId, userId, at, reasons) =>
        deviceOut(deviceId, at, deviceComplianceChange({ deviceId, userId, previous: 'compliant', current: 'not-compliant', reasons, at }), 'device_not_compliant', reasons),
    }).catch((error: unknown) => log.error({ err: error }, 'continuous access evaluation catch-up failed'));
  }
  return () => {
    for (const unsubscribe of off) unsubscribe();
  };
}
